#include "kindlyguard/admission/http_routes.hpp"

#include <optional>
#include <string_view>

namespace kindlyguard::admission {

namespace {

server::HttpResponse text(int status, std::string body) {
  return {status, "text/plain; charset=utf-8", std::move(body), {}};
}

std::string_view path_of(const server::HttpRequest& req) {
  std::string_view path = req.target;
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  return path;
}

// /healthz, /livez and /readyz; nullopt for any other path.
std::optional<server::HttpResponse> probe(std::string_view path, const ReadinessFn& not_ready) {
  if (path == "/healthz" || path == "/livez") return text(200, "ok\n");
  if (path == "/readyz") {
    std::string why = not_ready();
    return why.empty() ? text(200, "ok\n") : text(503, "not ready: " + why + "\n");
  }
  return std::nullopt;
}

}  // namespace

server::Handler probe_routes(ReadinessFn not_ready) {
  return [not_ready = std::move(not_ready)](const server::HttpRequest& req) -> server::HttpResponse {
    if (auto r = probe(path_of(req), not_ready)) return *r;
    return text(404, "this port serves /healthz, /livez and /readyz only\n");
  };
}

server::Handler webhook_routes(const Handler& handler, ReadinessFn not_ready) {
  return [&handler, not_ready = std::move(not_ready)](const server::HttpRequest& req) -> server::HttpResponse {
    std::string_view path = path_of(req);
    if (path == "/validate") {
      if (req.method != "POST")
        return {405, "application/json", error_body(405, "use POST for /validate"), {{"Allow", "POST"}}};
      std::string_view ct = req.content_type;
      if (!ct.empty() && ct.substr(0, 16) != "application/json")
        return {415, "application/json",
                error_body(415, "Content-Type must be application/json, got \"" + std::string(ct) + "\""), {}};
      auto out = handler.handle(req.body);
      return {out.http_status, "application/json", std::move(out.body), {}};
    }
    if (auto r = probe(path, not_ready)) return *r;
    return {404, "application/json", error_body(404, "no such path; the webhook answers POST /validate"), {}};
  };
}

}  // namespace kindlyguard::admission
