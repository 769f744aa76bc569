#include "registry/serve.h"

#include <httplib.h>

#include <filesystem>
#include <mutex>

#include "registry/registry.h"
#include "registry/site.h"

namespace medcred {
namespace fs = std::filesystem;

namespace {

constexpr const char* kCounted = "X-Medcred-Counted";

// Requests in flight per client address.
class ClientCounts {
 public:
  bool Enter(const std::string& addr) {
    std::lock_guard<std::mutex> lock(mu_);
    int& n = counts_[addr];
    if (n >= kMaxRequestsPerClient) return false;
    ++n;
    return true;
  }
  void Leave(const std::string& addr) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = counts_.find(addr);
    if (it != counts_.end() && --it->second <= 0) counts_.erase(it);
  }

 private:
  std::mutex mu_;
  std::map<std::string, int> counts_;
};

}  // namespace

void LimitServer(httplib::Server& server, const std::string& csp) {
  server.new_task_queue = [] { return new httplib::ThreadPool(64); };
  server.set_read_timeout(3, 0);
  server.set_write_timeout(10, 0);
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(20);
  server.set_payload_max_length(1 << 16);  // GETs have no body worth more
  auto counts = std::make_shared<ClientCounts>();
  server.set_pre_routing_handler([counts, csp](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Content-Security-Policy", csp);
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    if (req.method != "GET" && req.method != "HEAD") {
      res.status = 405;
      res.set_header("Allow", "GET, HEAD");
      res.set_content("only GET and HEAD are served\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!counts->Enter(req.remote_addr)) {
      res.status = 429;
      res.set_content("too many requests at once from one client\n", "text/plain; charset=utf-8");
      return httplib::Server::HandlerResponse::Handled;
    }
    res.set_header(kCounted, "1");  // this request holds one of its client's places
    return httplib::Server::HandlerResponse::Unhandled;
  });
  // Runs before every answer is written, whatever answered it.
  server.set_post_routing_handler([counts](const httplib::Request& req, httplib::Response& res) {
    if (!res.has_header(kCounted)) return;
    res.headers.erase(kCounted);
    counts->Leave(req.remote_addr);
  });
}

struct RegistryServer::Impl {
  std::string dir;
  httplib::Server server;
  std::mutex mu;
  fs::file_time_type loaded_at;
  std::optional<Registry> registry;
  std::map<std::string, SiteFile> site;

  // The site for the registry as it is now; rebuilt when tree-head.json changed.
  Status Refresh() {
    std::error_code ec;
    const auto t = fs::last_write_time(fs::path(dir) / "tree-head.json", ec);
    if (ec) return Status::External(dir + ": no tree-head.json");
    if (registry && t == loaded_at) return Status::OK();
    MEDCRED_ASSIGN_OR_RETURN(Registry r, Registry::Open(dir));
    site = BuildSite(r);
    registry = std::move(r);
    loaded_at = t;
    return Status::OK();
  }
};

RegistryServer::RegistryServer(std::string registry_dir) : impl_(std::make_unique<Impl>()) {
  impl_->dir = std::move(registry_dir);
}
RegistryServer::~RegistryServer() = default;

void RegistryServer::Stop() { impl_->server.stop(); }

Status RegistryServer::Serve(const std::string& host, int port, const std::function<void(int)>& on_ready) {
  Impl& s = *impl_;
  MEDCRED_RETURN_IF_ERROR(s.Refresh());
  // The site's pages use inline CSS and no script.
  LimitServer(s.server,
              "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; "
              "form-action 'none'; frame-ancestors 'none'");
  auto json = [](httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "application/json; charset=utf-8");
  };
  auto error = [&](httplib::Response& res, int status, const std::string& message) {
    json(res, status, nlohmann::json{{"error", message}}.dump());
  };
  s.server.Get(R"(/.*)", [&](const httplib::Request& req, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(s.mu);
    Status st = s.Refresh();
    if (!st.ok()) return error(res, 500, "the registry does not verify: " + st.message());
    const std::string& path = req.path;
    if (path == "/api/entries") return json(res, 200, s.site["entries.json"].content);
    if (path == "/api/tree-head") return json(res, 200, s.registry->tree_head().bytes);
    if (path.rfind("/api/models/", 0) == 0) {
      const std::string sha = path.substr(12);
      nlohmann::json list = nlohmann::json::array();
      for (const auto& e : s.registry->entries()) {
        if (e.json["model"].value("sha256", "") == sha) list.push_back(e.json);
      }
      if (list.empty()) return error(res, 404, "no entry for model " + sha.substr(0, 64));
      return json(res, 200, list.dump());
    }
    if (path.rfind("/api/proof/", 0) == 0) {
      const std::string n = path.substr(11);
      if (n.empty() || n.size() > 18 || n.find_first_not_of("0123456789") != std::string::npos) {
        return error(res, 400, "an entry index is a whole number");
      }
      auto proof = s.registry->InclusionProofJson(std::stoull(n));
      if (!proof.ok()) return error(res, 404, proof.status().message());
      return json(res, 200, proof->dump());
    }
    if (path.rfind("/api/consistency/", 0) == 0) {
      const std::string n = path.substr(17);
      if (n.empty() || n.size() > 18 || n.find_first_not_of("0123456789") != std::string::npos) {
        return error(res, 400, "a tree size is a whole number");
      }
      auto proof = s.registry->ConsistencyProofJson(std::stoull(n));
      if (!proof.ok()) return error(res, 404, proof.status().message());
      return json(res, 200, proof->dump());
    }
    if (path.rfind("/api/", 0) == 0) return error(res, 404, "no such API");
    // Site files: only keys of the in-memory site, never the file system.
    std::string key = path.substr(1);
    if (key.empty() || key.back() == '/') key += "index.html";
    auto it = s.site.find(key);
    if (it == s.site.end()) {
      res.status = 404;
      res.set_content("<!DOCTYPE html><title>Not found</title><p>Not found.</p>", "text/html; charset=utf-8");
      return;
    }
    res.set_content(it->second.content, it->second.content_type);
  });
  int bound = port;
  if (port == 0) {
    bound = s.server.bind_to_any_port(host);
  } else if (!s.server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound < 0) return Status::External("cannot listen on " + host + ":" + std::to_string(port));
  if (on_ready) on_ready(bound);
  if (!s.server.listen_after_bind())
    return Status::External("the server on " + host + ":" + std::to_string(bound) + " failed");
  return Status::OK();
}

}  // namespace medcred
