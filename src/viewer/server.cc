#include "viewer/server.h"

#include <httplib.h>

#include <atomic>

#include "common/json_util.h"
#include "common/text.h"
#include "viewer/web_files.h"

namespace medcred {

const char* const kViewerContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

namespace {

// The host part of a Host header ("127.0.0.1:8765", "[::1]:8765", "localhost").
std::string HostOfHeader(const std::string& header) {
  if (!header.empty() && header.front() == '[') {
    const size_t close = header.find(']');
    return close == std::string::npos ? "" : header.substr(1, close - 1);
  }
  return header.substr(0, header.find(':'));
}

const char* ContentType(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

}  // namespace

struct ViewerServer::Impl {
  const Viewer* viewer = nullptr;
  httplib::Server server;
};

ViewerServer::ViewerServer(const Viewer& viewer) : impl_(std::make_unique<Impl>()) { impl_->viewer = &viewer; }
ViewerServer::~ViewerServer() = default;

void ViewerServer::Stop() { impl_->server.stop(); }

Status ViewerServer::Serve(const std::string& host, int port, const std::function<void(int)>& on_ready) {
  if (!IsLoopbackHost(host)) {
    return Status::Usage("--host " + host +
                         ": the viewer listens on loopback only (127.0.0.1, ::1 or localhost); transcripts hold MIMIC "
                         "data and never leave this machine");
  }
  std::string bind_host = EqualsIgnoreCase(host, "localhost") ? "127.0.0.1" : host;
  if (bind_host.size() > 2 && bind_host.front() == '[' && bind_host.back() == ']') {
    bind_host = bind_host.substr(1, bind_host.size() - 2);
  }
  httplib::Server& s = impl_->server;
  const Viewer& viewer = *impl_->viewer;
  // Slow or idle clients are let go; no request has a body to read.
  s.set_read_timeout(5);
  s.set_write_timeout(10);
  s.set_keep_alive_timeout(5);
  s.set_payload_max_length(1024);
  s.set_default_headers({{"Content-Security-Policy", kViewerContentSecurityPolicy},
                         {"X-Content-Type-Options", "nosniff"},
                         {"X-Frame-Options", "DENY"},
                         {"Referrer-Policy", "no-referrer"},
                         {"Cross-Origin-Opener-Policy", "same-origin"},
                         {"Cross-Origin-Resource-Policy", "same-origin"},
                         {"Cache-Control", "no-store"}});
  // Every request is answered here, before cpp-httplib's own routing: the
  // method, then the Host header, then the path against a fixed table.
  s.set_pre_routing_handler([&viewer](const httplib::Request& req, httplib::Response& res) {
    auto json = [&res](int status, const nlohmann::json& body) {
      res.status = status;
      res.set_content(SafeDump(body), "application/json; charset=utf-8");
    };
    if (req.method != "GET" && req.method != "HEAD") {
      res.set_header("Allow", "GET, HEAD");
      json(405, {{"error", "the viewer is read-only: only GET and HEAD are answered"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    if (!IsLoopbackHost(HostOfHeader(req.get_header_value("Host")))) {
      json(403, {{"error", "the viewer answers requests to 127.0.0.1 only"}});
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string& path = req.path;
    if (path.rfind("/api/", 0) == 0) {
      ApiReply reply = viewer.Get(path, req.params);
      json(reply.status, reply.body);
      return httplib::Server::HandlerResponse::Handled;
    }
    const std::string name = path == "/" ? "index.html" : path.substr(1);
    for (const EmbeddedFile& f : EmbeddedFiles()) {
      if (f.name == name) {
        res.set_content(std::string(f.bytes), ContentType(f.name));
        return httplib::Server::HandlerResponse::Handled;
      }
    }
    res.status = 404;
    res.set_content("<!DOCTYPE html><title>Not found</title><p>Not found.</p>", "text/html; charset=utf-8");
    return httplib::Server::HandlerResponse::Handled;
  });
  int bound = port;
  if (port == 0) {
    bound = s.bind_to_any_port(bind_host);
  } else if (!s.bind_to_port(bind_host, port)) {
    bound = -1;
  }
  if (bound < 0) {
    return Status::External("cannot listen on " + bind_host + ":" + std::to_string(port) +
                            " (in use? choose another --port)");
  }
  if (on_ready) on_ready(bound);
  if (!s.listen_after_bind()) {
    return Status::External("the viewer's server on " + bind_host + ":" + std::to_string(bound) + " failed");
  }
  return Status::OK();
}

}  // namespace medcred
