// ViewerServer: `medcred view` over HTTP (cpp-httplib), docs/viewer.md.
//
// Transcripts hold MIMIC data, so the server listens on loopback only (a host
// that is not 127.0.0.0/8, ::1 or localhost is refused before binding) and
// answers only requests whose Host header names loopback (a web page that
// rebinds its own name to 127.0.0.1 gets 403, not the transcripts). It serves
//   GET /, /app.js, /style.css   the page, embedded in the binary (web_files.h)
//   GET /api/...                 the JSON API (viewer.h)
// and nothing else: no path reaches the file system. HEAD is answered like
// GET; every other method is 405. Every reply carries a Content-Security-Policy
// (scripts and styles from the page's own origin only, no framing), nosniff,
// no-referrer and no-store headers. Requests time out after a few seconds.
//
// Thread safety: Serve() blocks, answering on cpp-httplib's worker threads
// (the Viewer is immutable); Stop() may be called from another thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"
#include "models/openai_model.h"  // IsLoopbackHost: the one test of "this machine"
#include "viewer/viewer.h"

namespace medcred {

// The Content-Security-Policy every reply carries.
extern const char* const kViewerContentSecurityPolicy;

class ViewerServer {
 public:
  explicit ViewerServer(const Viewer& viewer);
  ~ViewerServer();
  // Binds host:port (port 0: any free port, reported to `on_ready`) and serves
  // until Stop(). A host that is not loopback is a usage error.
  Status Serve(const std::string& host, int port, const std::function<void(int port)>& on_ready);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medcred
