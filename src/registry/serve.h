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
// Thread safety: Serve() blocks; Stop() may be called from another thread.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/status.h"

namespace medcred {

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
