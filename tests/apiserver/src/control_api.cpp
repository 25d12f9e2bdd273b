// /_test/: the fault-injection and inspection API of the executable (and of any test that
// prefers HTTP). Not authenticated, not recorded in the request log.
#include <boost/beast/http.hpp>

#include "server_impl.hpp"
#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

void TestApiServer::Impl::suspend_for(std::chrono::milliseconds d) {
  if (control_thread.joinable()) control_thread.join();
  control_thread = std::thread([this, d] {
    // Let the control response reach its client before the connections are cut.
    suspended = true;
    store.drop_watches();
    http->suspend();
    {
      std::unique_lock lock(sleep_mu);
      sleep_cv.wait_for(lock, d, [&] { return stopping.load(); });
    }
    if (!stopping) http->resume();
    suspended = false;
  });
}

bool TestApiServer::Impl::handle_control(HttpRequest& req, Connection& conn, const std::string& path, const Query& q) {
  const auto method = req.method();
  const bool get = method == http::verb::get;
  const bool post = method == http::verb::post || method == http::verb::put;
  const bool del = method == http::verb::delete_;
  auto ok = [&](const json& body) { return reply(req, conn, 200, body, nullptr); };
  try {
    if (path == "/_test/requests") {
      if (del) {
        log.clear();
        return ok({{"cleared", true}});
      }
      RequestFilter f;
      f.verb = query_value(q, "verb");
      f.resource = query_value(q, "resource");
      f.ns = query_value(q, "namespace");
      f.name = query_value(q, "name");
      f.user = query_value(q, "user");
      const std::string code = query_value(q, "code");
      if (!code.empty()) f.code = std::stoi(code);
      return ok(log.to_json(f));
    }
    if (path == "/_test/permissions" && get) {
      json out = json::array();
      for (const auto& [group, resource, verb] : log.permissions(query_value(q, "user"))) {
        out.push_back({{"apiGroup", group}, {"resource", resource}, {"verb", verb}});
      }
      return ok(out);
    }
    if (path == "/_test/faults") {
      if (del) {
        faults.clear();
        return ok({{"cleared", true}});
      }
      if (get) return ok({{"rules", faults.size()}});
      if (post) {
        json b = json::parse(req.body(), nullptr, false);
        if (!b.is_object()) throw errors::bad_request("fault: a JSON object is expected");
        FaultRule r;
        r.verb = b.value("verb", "*");
        r.resource = b.value("resource", "*");
        r.ns = b.value("namespace", "*");
        r.name = b.value("name", "*");
        r.code = b.value("code", 500);
        r.count = b.value("count", 1);
        r.retry_after_seconds = b.value("retryAfterSeconds", 1);
        r.message = b.value("message", "");
        r.delay = std::chrono::milliseconds(b.value("delayMs", 0));
        return ok({{"id", faults.add(r)}});
      }
    }
    if (util::starts_with(path, "/_test/faults/") && del) {
      faults.remove(std::stoull(path.substr(std::string("/_test/faults/").size())));
      return ok({{"removed", true}});
    }
    if (path == "/_test/watches" && get) return ok({{"count", store.watch_count(query_value(q, "resource"))}});
    if (path == "/_test/watches/drop" && post) return ok({{"dropped", store.drop_watches(query_value(q, "resource"))}});
    if (path == "/_test/watches/expire" && post) {
      return ok({{"expired", store.expire_watches(query_value(q, "resource"))}});
    }
    if (path == "/_test/compact" && post) {
      store.compact();
      return ok({{"compactedResourceVersion", std::to_string(store.compacted_resource_version())}});
    }
    if (path == "/_test/restart" && post) {
      const std::string jump = query_value(q, "rvJump", "1000");
      store.restart(std::stoull(jump));
      // Every other connection goes now, before the answer: a client that reads it and connects
      // again must not have its next request cut.
      http->close_connections(conn.native_handle());
      ok({{"resourceVersion", std::to_string(store.resource_version())}});
      return false;
    }
    if (path == "/_test/suspend" && post) {
      const double seconds = std::stod(query_value(q, "seconds", "5"));
      ok({{"suspendedForSeconds", seconds}});
      suspend_for(std::chrono::milliseconds(static_cast<long long>(seconds * 1000)));
      return false;
    }
    if (path == "/_test/bookmark-interval" && post) {
      bookmark_ms = std::stoll(query_value(q, "ms", "1000"));
      return ok({{"bookmarkIntervalMs", bookmark_ms.load()}});
    }
    if (path == "/_test/state" && get) {
      return ok({{"resourceVersion", std::to_string(store.resource_version())},
                 {"compactedResourceVersion", std::to_string(store.compacted_resource_version())},
                 {"watches", store.watch_count()},
                 {"faults", faults.size()},
                 {"requests", log.all().size()}});
    }
    if (util::starts_with(path, "/_test/objects/") && get) {
      const std::string resource = path.substr(std::string("/_test/objects/").size());
      if (!registry.resolve(resource)) throw errors::bad_request("unknown resource " + resource);
      return ok(store.list(resource, query_value(q, "namespace"), query_value(q, "labelSelector")));
    }
  } catch (const ApiError& e) {
    return reply_error(req, conn, e, nullptr);
  } catch (const std::exception& e) {
    return reply_error(req, conn, errors::bad_request(e.what()), nullptr);
  }
  return reply_error(req, conn, errors::resource_not_found_path(), nullptr);
}

}  // namespace kindly::testapi
