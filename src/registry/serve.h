// `medcred serve` (docs/registry.md): the registry's site over HTTP (cpp-httplib), on
// loopback by default, with a JSON API:
//   GET /api/entries            every entry
//   GET /api/models/{sha256}    the entries of one model (404 when none)
//   GET /api/tree-head          the latest signed tree head
//   GET /api/proof/{index}      the inclusion proof of entry `index`
// and every file of the published site (index.html, models/, proofs/, ...).
// Only paths of the site built in memory are served, so no request reaches a
// file outside it. The registry is re-read (and re-verified) whenever its
// tree-head.json changes.
//
// Limits (LimitServer): a client must send its request within a few seconds
// (read timeout), keeps a connection idle for at most two, and may have at
// most kMaxRequestsPerClient requests in flight (429 beyond); 64 threads
// serve. Other methods than GET and HEAD get 405. Pages carry a
// Content-Security-Policy that allows no script and nothing from elsewhere.
// A client trickling one byte at a time still holds a thread per connection
// until its request ends: to serve the public, put a reverse proxy in front.
//
// Thread safety: Serve() blocks; Stop() may be called from another thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace httplib {
class Server;
}

namespace medcred {

inline constexpr int kMaxRequestsPerClient = 8;

// The limits above, on any cpp-httplib server of medcred's. `csp` is the
// Content-Security-Policy sent with every answer.
void LimitServer(httplib::Server& server, const std::string& csp);

class RegistryServer {
 public:
  explicit RegistryServer(std::string registry_dir);
  ~RegistryServer();
  // Binds host:port (port 0: any free port, reported to `on_ready`) and serves until Stop().
  Status Serve(const std::string& host, int port, const std::function<void(int port)>& on_ready);
  void Stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace medcred
