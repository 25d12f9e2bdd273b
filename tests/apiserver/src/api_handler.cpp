// The Kubernetes API over HTTP: authentication, fault injection, routing, and the verbs.
#include <boost/beast/http.hpp>

#include <algorithm>
#include <set>

#include "kindly_test_apiserver/discovery.hpp"
#include "kindly_test_apiserver/patch.hpp"
#include "kindly_test_apiserver/tables.hpp"
#include "event_conversion.hpp"
#include "protobuf.hpp"
#include "server_impl.hpp"
#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

std::string query_value(const Query& q, const std::string& key, const std::string& fallback) {
  auto it = q.find(key);
  return it == q.end() ? fallback : it->second;
}

bool query_flag(const Query& q, const std::string& key) {
  const std::string v = util::lower(query_value(q, key));
  return v == "1" || v == "true";
}

namespace {

constexpr std::size_t kMaxLoggedBody = 64 * 1024;

std::string header(const HttpRequest& req, http::field f) {
  auto it = req.find(f);
  return it == req.end() ? std::string() : std::string(it->value());
}

std::string media_type(const std::string& content_type) {
  return util::lower(util::trim(content_type.substr(0, content_type.find(';'))));
}

// The body of a create/update: JSON only (YAML that happens to be JSON is accepted too).
json parse_body(const HttpRequest& req, const ResourceInfo& r) {
  const std::string ct = media_type(header(req, http::field::content_type));
  if (ct == "application/vnd.kubernetes.protobuf") return decode_k8s_protobuf(req.body(), r);
  if (ct == "application/cbor") {
    throw errors::unsupported_media_type(ct, "application/json, application/yaml");
  }
  if (!ct.empty() && ct != "application/json" && ct != "application/yaml" && ct != "*/*" &&
      ct != "text/plain") {
    throw errors::unsupported_media_type(ct, "application/json, application/yaml");
  }
  json body = json::parse(req.body(), nullptr, false);
  if (body.is_discarded()) {
    throw errors::bad_request(ct == "application/yaml"
                                  ? "the test API server reads JSON only (YAML that is not JSON is not supported)"
                                  : "error decoding request body: invalid JSON");
  }
  return body;
}

bool accepts_json(const std::string& accept) {
  if (accept.empty()) return true;
  return accept.find("json") != std::string::npos || accept.find("*/*") != std::string::npos;
}

// List items: built-in types come without kind/apiVersion, custom resources keep them.
json list_item(const ResourceInfo& r, json obj) {
  if (!r.custom) {
    obj.erase("kind");
    obj.erase("apiVersion");
  }
  return obj;
}

// A core/v1 Event list also shows the events.k8s.io/v1 Events (converted), as the real server
// serves one Event in both APIs; a core Event of the same namespace and name wins.
void append_events_v1(const ObjectStore& store, std::vector<json>& items, const std::string& ns,
                      const ListOptions& opts) {
  std::set<std::pair<std::string, std::string>> seen;
  for (const json& o : items) seen.emplace(o["metadata"].value("namespace", ""), o["metadata"].value("name", ""));
  for (const json& e : store.list("events.events.k8s.io", ns)) {
    json core = core_event_from_events_v1(e);
    const json& md = core["metadata"];
    if (seen.count({md.value("namespace", ""), md.value("name", "")})) continue;
    if (!opts.labels.matches(md.value("labels", json()))) continue;
    if (!opts.fields.matches(core)) continue;
    items.push_back(std::move(core));
  }
}

ListOptions parse_list_options(const ResourceInfo& r, const Query& q, const RequestInfo& info) {
  ListOptions o;
  o.labels = LabelSelector::parse(query_value(q, "labelSelector"));
  std::string fs = query_value(q, "fieldSelector");
  if (info.name_in_path) fs = fs.empty() ? "metadata.name=" + info.name : fs + ",metadata.name=" + info.name;
  o.fields = FieldSelector::parse(fs, r);
  o.resource_version = query_value(q, "resourceVersion");
  o.resource_version_match = query_value(q, "resourceVersionMatch");
  o.continue_token = query_value(q, "continue");
  const std::string limit = query_value(q, "limit");
  if (!limit.empty()) {
    try {
      o.limit = std::stoll(limit);
    } catch (...) {
      throw errors::bad_request("invalid limit: \"" + limit + "\"");
    }
  }
  auto invalid = [](const std::string& field, const std::string& detail) {
    return ApiError(422, "Invalid", "ListOptions.meta.k8s.io \"\" is invalid: " + field + ": " + detail,
                    json{{"group", "meta.k8s.io"}, {"kind", "ListOptions"},
                         {"causes", json::array({{{"reason", "FieldValueForbidden"}, {"message", detail}, {"field", field}}})}});
  };
  const bool watch = info.verb == "watch";
  if (!o.resource_version_match.empty()) {
    if (o.resource_version_match != "Exact" && o.resource_version_match != "NotOlderThan") {
      throw invalid("resourceVersionMatch", "Unsupported value: \"" + o.resource_version_match +
                                                "\": supported values: \"Exact\", \"NotOlderThan\", \"\"");
    }
    if (watch) {
      if (q.find("sendInitialEvents") == q.end()) {
        throw invalid("resourceVersionMatch",
                      "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided");
      }
    } else if (o.resource_version.empty()) {
      throw invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided");
    }
    if (!o.continue_token.empty()) {
      throw invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden when continue is provided");
    }
    if (o.resource_version_match == "Exact" && o.resource_version == "0") {
      throw invalid("resourceVersionMatch", "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"");
    }
  }
  if (!o.continue_token.empty() && !o.resource_version.empty() && o.resource_version != "0") {
    throw invalid("resourceVersion", "Forbidden: specifying resource version is not allowed when using continue");
  }
  return o;
}

}  // namespace

void TestApiServer::Impl::sleep_for(std::chrono::milliseconds d) {
  std::unique_lock lock(sleep_mu);
  sleep_cv.wait_for(lock, d, [&] { return stopping.load() || suspended.load(); });
}

bool TestApiServer::Impl::reply(HttpRequest& req, Connection& conn, int code, const json& body, RequestRecord* rec,
                                int retry_after) {
  HttpResponse res{static_cast<http::status>(code), req.version()};
  res.set(http::field::content_type, "application/json");
  res.set(http::field::cache_control, "no-cache, private");
  res.set("Audit-Id", util::new_uid());
  if (retry_after > 0) res.set(http::field::retry_after, std::to_string(retry_after));
  res.keep_alive(req.keep_alive());
  if (req.method() != http::verb::head) res.body() = body.dump() + "\n";
  res.prepare_payload();
  if (rec) {
    rec->code = code;
    log.add(*rec);
  }
  return conn.write(res) && req.keep_alive();
}

bool TestApiServer::Impl::reply_text(HttpRequest& req, Connection& conn, int code, const std::string& body,
                                     RequestRecord* rec) {
  HttpResponse res{static_cast<http::status>(code), req.version()};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(req.keep_alive());
  res.body() = body;
  res.prepare_payload();
  if (rec) {
    rec->code = code;
    log.add(*rec);
  }
  return conn.write(res) && req.keep_alive();
}

bool TestApiServer::Impl::reply_error(HttpRequest& req, Connection& conn, const ApiError& e, RequestRecord* rec) {
  return reply(req, conn, e.code(), e.to_status(), rec, e.retry_after());
}

bool TestApiServer::Impl::handle(HttpRequest& req, Connection& conn) {
  const std::string target(req.target());
  const auto qpos = target.find('?');
  const std::string path = target.substr(0, qpos);
  const std::string raw_query = qpos == std::string::npos ? "" : target.substr(qpos + 1);
  const Query q = util::parse_query(raw_query);

  if (options.control_api && util::starts_with(path, "/_test/")) return handle_control(req, conn, path, q);

  RequestRecord rec;
  rec.time = std::chrono::system_clock::now();
  rec.method = std::string(req.method_string());
  rec.path = path;
  rec.query = raw_query;
  rec.content_type = header(req, http::field::content_type);
  rec.user_agent = header(req, http::field::user_agent);
  rec.body = req.body().substr(0, kMaxLoggedBody);
  rec.info = parse_request_info(rec.method, path, q);
  const RequestInfo& info = rec.info;

  // Authentication: bearer tokens only.
  UserInfo user;
  const std::string authz = header(req, http::field::authorization);
  bool known = false;
  if (util::starts_with(authz, "Bearer ")) {
    std::lock_guard lock(authz_mu);
    auto it = tokens.find(util::trim(authz.substr(7)));
    if (it != tokens.end()) {
      user = it->second;
      known = true;
    }
  }
  rec.user = user.name;
  rec.groups = user.groups;
  if (options.require_auth && !known) return reply_error(req, conn, errors::unauthorized(), &rec);

  // Fault injection: latency first, then a failure.
  const FaultInjector::Decision fault = faults.evaluate(info);
  if (fault.delay.count() > 0) sleep_for(fault.delay);
  if (fault.fail) {
    rec.injected = true;
    ApiError e = errors::for_code(fault.fail->code, fault.fail->message);
    if (fault.fail->code == 429 || fault.fail->code == 503) e.with_retry_after(fault.fail->retry_after_seconds);
    return reply_error(req, conn, e, &rec);
  }

  try {
    if (!info.is_resource_request) return handle_non_resource(req, conn, info, rec);
    return handle_resource(req, conn, info, q, user, rec);
  } catch (const ApiError& e) {
    return reply_error(req, conn, e, &rec);
  } catch (const std::exception& e) {
    return reply_error(req, conn, errors::internal(e.what()), &rec);
  }
}

bool TestApiServer::Impl::handle_non_resource(HttpRequest& req, Connection& conn, const RequestInfo& info,
                                              RequestRecord& rec) {
  const std::string& path = info.path;
  std::vector<std::string> parts;
  for (auto& p : util::split(path, '/')) {
    if (!p.empty()) parts.push_back(p);
  }
  const bool get = req.method() == http::verb::get || req.method() == http::verb::head;
  if (!get) throw ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
  if (path == "/healthz" || path == "/livez" || path == "/readyz") return reply_text(req, conn, 200, "ok", &rec);
  if (path == "/version" || path == "/version/") return reply(req, conn, 200, discovery::version_info(), &rec);
  if (parts.size() == 1 && parts[0] == "api") {
    return reply(req, conn, 200, discovery::api_versions(options.address + ":" + std::to_string(http->port())), &rec);
  }
  if (parts.size() == 2 && parts[0] == "api") {
    json doc = discovery::api_resource_list(registry, "", parts[1]);
    if (!doc.is_null()) return reply(req, conn, 200, doc, &rec);
  }
  if (parts.size() == 1 && parts[0] == "apis") return reply(req, conn, 200, discovery::api_group_list(registry), &rec);
  if (parts.size() == 2 && parts[0] == "apis") {
    json doc = discovery::api_group(registry, parts[1]);
    if (!doc.is_null()) return reply(req, conn, 200, doc, &rec);
  }
  if (parts.size() == 3 && parts[0] == "apis") {
    json doc = discovery::api_resource_list(registry, parts[1], parts[2]);
    if (!doc.is_null()) return reply(req, conn, 200, doc, &rec);
  }
  if (parts.size() == 2 && parts[0] == "openapi" && parts[1] == "v3") {
    return reply(req, conn, 200, discovery::openapi_v3_root(registry, store.list("customresourcedefinitions")), &rec);
  }
  if (parts.size() >= 4 && parts[0] == "openapi" && parts[1] == "v3") {
    json doc;
    const auto crds = store.list("customresourcedefinitions");
    if (parts[2] == "api" && parts.size() == 4) doc = discovery::openapi_v3_group_version(registry, "", parts[3], crds);
    if (parts[2] == "apis" && parts.size() == 5)
      doc = discovery::openapi_v3_group_version(registry, parts[3], parts[4], crds);
    if (!doc.is_null()) return reply(req, conn, 200, doc, &rec);
  }
  throw errors::resource_not_found_path();
}

bool TestApiServer::Impl::handle_resource(HttpRequest& req, Connection& conn, const RequestInfo& info, const Query& q,
                                          const UserInfo& user, RequestRecord& rec) {
  const ResourceInfo* rp = registry.find(info.api_group, info.api_version, info.resource);
  if (!rp) throw errors::resource_not_found_path();
  const ResourceInfo& r = *rp;
  const bool status_sub = info.subresource == "status";
  const bool pod_log = info.subresource == "log" && r.group.empty() && r.plural == "pods" && info.verb == "get";
  if (!info.subresource.empty() && !(status_sub && r.has_status) && !pod_log) throw errors::resource_not_found_path();
  const bool is_namespace_resource = r.group.empty() && r.plural == "namespaces";
  // Namespaced resources need a namespace except for cluster-wide list/watch; cluster-scoped ones
  // cannot be reached under /namespaces/<ns>/.
  std::string ns = is_namespace_resource ? "" : info.ns;
  if (r.namespaced && ns.empty() && info.verb != "list" && info.verb != "watch") {
    throw errors::resource_not_found_path();
  }
  if (!r.namespaced && !ns.empty()) throw errors::resource_not_found_path();

  {
    std::lock_guard lock(authz_mu);
    if (authorizer && !authorizer(info, user)) throw errors::forbidden(forbidden_message(info, user));
  }
  if (pod_log) return serve_pod_log(req, conn, r, ns, info.name, q, rec);

  const std::string accept = header(req, http::field::accept);
  if (!accepts_json(accept)) throw errors::not_acceptable("application/json, application/yaml");
  const bool table = wants_table(accept);
  const bool dry_run = !query_value(q, "dryRun").empty();
  const WriteMode mode = status_sub ? WriteMode::Status : WriteMode::Api;
  const std::string& verb = info.verb;

  auto crd_for = [&]() -> json {
    if (!r.custom) return nullptr;
    const ResourceInfo* crd = registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions");
    if (!crd) return nullptr;
    try {
      return store.get(*crd, "", r.plural + "." + r.group);
    } catch (const ApiError&) {
      return nullptr;
    }
  };
  auto table_opts = [&](const std::string& rv, const std::string& cont) {
    TableOptions t;
    t.include_object = query_value(q, "includeObject", "Metadata");
    t.resource_version = rv;
    t.continue_token = cont;
    t.crd = crd_for();
    return t;
  };

  if (verb == "get" && info.name_in_path) {
    json obj = store.get(r, ns, info.name);
    if (table) return reply(req, conn, 200, to_table(r, {obj}, table_opts(obj["metadata"].value("resourceVersion", ""), "")), &rec);
    return reply(req, conn, 200, obj, &rec);
  }
  if (verb == "watch") return serve_watch(req, conn, r, ns, info, q, rec);
  if (verb == "list" || (verb == "get" && !info.name_in_path)) {
    if (status_sub) throw errors::method_not_supported(r, "list");
    const ListOptions opts = parse_list_options(r, q, info);
    ListResult res = store.list(r, ns, opts);
    // Converted events.k8s.io/v1 Events come on the last page, outside limit and continue.
    if (r.group.empty() && r.plural == "events" && opts.continue_token.empty() && res.continue_token.empty()) {
      append_events_v1(store, res.items, ns, opts);
    }
    if (table) {
      return reply(req, conn, 200, to_table(r, res.items, table_opts(std::to_string(res.resource_version), res.continue_token)),
                   &rec);
    }
    json items = json::array();
    for (auto& o : res.items) items.push_back(list_item(r, std::move(o)));
    json meta = {{"resourceVersion", std::to_string(res.resource_version)}};
    if (!res.continue_token.empty()) meta["continue"] = res.continue_token;
    if (res.remaining_item_count) meta["remainingItemCount"] = *res.remaining_item_count;
    return reply(req, conn, 200,
                 {{"kind", r.list_kind()}, {"apiVersion", r.api_version()}, {"metadata", meta}, {"items", items}}, &rec);
  }
  if (verb == "create") {
    if (status_sub || info.name_in_path) throw errors::method_not_supported(r, "create");
    json obj = store.create(r, ns, parse_body(req, r), WriteMode::Api, dry_run);
    return reply(req, conn, 201, obj, &rec);
  }
  if (verb == "update") {
    json obj = store.update(r, ns, info.name, parse_body(req, r), mode, dry_run);
    return reply(req, conn, 200, obj, &rec);
  }
  if (verb == "patch") {
    const PatchType type = patch_type_from_content_type(header(req, http::field::content_type), r.custom);
    json patch = json::parse(req.body(), nullptr, false);
    if (patch.is_discarded()) {
      if (type == PatchType::Apply) {
        throw errors::unsupported_media_type("application/apply-patch+yaml",
                                             "application/apply-patch+yaml with a JSON body (YAML is not supported by "
                                             "the test server)");
      }
      throw errors::bad_request("error decoding patch: invalid JSON");
    }
    bool created = false;
    if (type == PatchType::Apply) {
      if (query_value(q, "fieldManager").empty()) {
        throw ApiError(422, "Invalid",
                       "PatchOptions.meta.k8s.io \"\" is invalid: fieldManager: Required value: is required for apply "
                       "patch");
      }
      if (!patch.is_object()) throw errors::bad_request("apply patch must be an object");
    }
    auto mut = [&](const json& cur) -> json {
      switch (type) {
        case PatchType::Merge: return apply_merge_patch(cur, patch);
        case PatchType::Json: return apply_json_patch(cur, patch);
        case PatchType::Strategic: return apply_strategic_merge_patch(cur, patch);
        case PatchType::Apply: {
          json p = patch;
          if (p.contains("metadata") && p["metadata"].is_object()) p["metadata"].erase("resourceVersion");
          return apply_merge_patch(cur, p);
        }
      }
      return cur;
    };
    json obj = store.modify(r, ns, info.name, mut, mode, dry_run, type == PatchType::Apply && !status_sub, &created);
    return reply(req, conn, created ? 201 : 200, obj, &rec);
  }
  if (verb == "delete") {
    if (status_sub) throw errors::method_not_supported(r, "delete");
    Preconditions pre;
    bool body_dry_run = false;
    if (!req.body().empty()) {
      json opts = json::parse(req.body(), nullptr, false);
      if (opts.is_discarded() || !opts.is_object()) throw errors::bad_request("error decoding DeleteOptions: invalid JSON");
      if (opts.contains("preconditions") && opts["preconditions"].is_object()) {
        pre.resource_version = opts["preconditions"].value("resourceVersion", "");
        pre.uid = opts["preconditions"].value("uid", "");
      }
      body_dry_run = opts.contains("dryRun") && opts["dryRun"].is_array() && !opts["dryRun"].empty();
    }
    DeleteResult res = store.remove(r, ns, info.name, pre, dry_run || body_dry_run);
    if (!res.deleted || r.returns_deleted_object) return reply(req, conn, 200, res.object, &rec);
    return reply(req, conn, 200, success_status(r, info.name, res.object["metadata"].value("uid", "")), &rec);
  }
  if (verb == "deletecollection") {
    if (status_sub) throw errors::method_not_supported(r, "deletecollection");
    if (r.namespaced && ns.empty()) throw errors::resource_not_found_path();
    const ListOptions opts = parse_list_options(r, q, info);
    auto deleted = store.remove_collection(r, ns, opts, dry_run);
    json items = json::array();
    for (auto& o : deleted) items.push_back(list_item(r, std::move(o)));
    return reply(req, conn, 200,
                 {{"kind", r.list_kind()},
                  {"apiVersion", r.api_version()},
                  {"metadata", {{"resourceVersion", std::to_string(store.resource_version())}}},
                  {"items", items}},
                 &rec);
  }
  throw errors::method_not_supported(r, verb);
}

bool TestApiServer::Impl::serve_watch(HttpRequest& req, Connection& conn, const ResourceInfo& r, const std::string& ns,
                                      const RequestInfo& info, const Query& q, RequestRecord& rec) {
  if (info.subresource == "status") throw errors::method_not_supported(r, "watch");
  const ListOptions lo = parse_list_options(r, q, info);
  WatchOptions wo;
  wo.labels = lo.labels;
  wo.fields = lo.fields;
  wo.resource_version = lo.resource_version;
  wo.allow_bookmarks = query_flag(q, "allowWatchBookmarks");
  wo.send_initial_events = query_flag(q, "sendInitialEvents");
  if (wo.send_initial_events) {
    if (lo.resource_version_match != "NotOlderThan") {
      throw ApiError(422, "Invalid",
                     "ListOptions.meta.k8s.io \"\" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents "
                     "requires setting resourceVersionMatch to NotOlderThan");
    }
    if (!wo.allow_bookmarks) {
      throw ApiError(422, "Invalid",
                     "ListOptions.meta.k8s.io \"\" is invalid: allowWatchBookmarks: Forbidden: sendInitialEvents "
                     "requires allowWatchBookmarks=true");
    }
  }
  std::chrono::seconds timeout{0};
  const std::string ts = query_value(q, "timeoutSeconds");
  if (!ts.empty()) {
    try {
      timeout = std::chrono::seconds(std::stoll(ts));
    } catch (...) {
      throw errors::bad_request("invalid timeoutSeconds: \"" + ts + "\"");
    }
  }
  const bool table = wants_table(header(req, http::field::accept));
  TableOptions topts;
  if (table) {
    topts.include_object = query_value(q, "includeObject", "Metadata");
    if (r.custom) {
      if (const ResourceInfo* crd = registry.find("apiextensions.k8s.io", "v1", "customresourcedefinitions")) {
        try {
          topts.crd = store.get(*crd, "", r.plural + "." + r.group);
        } catch (const ApiError&) {
        }
      }
    }
  }

  std::shared_ptr<Watcher> w = store.watch(r, ns, wo);
  http::response<http::empty_body> head{http::status::ok, req.version()};
  head.set(http::field::content_type, table ? "application/json;as=Table;v=v1;g=meta.k8s.io" : "application/json");
  head.set(http::field::cache_control, "no-cache, private");
  head.set("Audit-Id", util::new_uid());
  head.keep_alive(req.keep_alive());
  rec.code = 200;
  log.add(rec);
  if (!conn.write_stream_header(head)) {
    store.release(w);
    return false;
  }

  using clock = std::chrono::steady_clock;
  const auto far = clock::time_point::max();
  const auto deadline = timeout.count() > 0 ? clock::now() + timeout : far;
  auto interval = [&] { return std::chrono::milliseconds(std::max<long long>(bookmark_ms.load(), 1)); };
  auto next_bookmark = wo.allow_bookmarks ? clock::now() + interval() : far;
  bool first_table = true;

  auto encode = [&](const Watcher::Item& item) {
    json obj = item.object;
    if (table && (item.type == "ADDED" || item.type == "MODIFIED" || item.type == "DELETED")) {
      topts.no_headers = !first_table;
      topts.resource_version = obj["metadata"].value("resourceVersion", "");
      obj = to_table(r, {obj}, topts);
      first_table = false;
    }
    return watch_event_json(item.type, obj).dump() + "\n";
  };
  // Writes whatever is queued now; false when the client is gone.
  auto drain = [&](bool& saw_error) {
    Watcher::Item item;
    while (w->next(item, clock::now()) == Watcher::Wait::Item) {
      if (!conn.write_chunk(encode(item))) return false;
      if (item.type == "ERROR") saw_error = true;
    }
    return true;
  };

  while (true) {
    if (stopping) {
      conn.abort();
      store.release(w);
      return false;
    }
    const auto now = clock::now();
    if (now >= deadline) {
      // The real server ends a timed-out watch with a bookmark when bookmarks were asked for.
      if (wo.allow_bookmarks) store.bookmark(*w);
      bool saw_error = false;
      const bool ok = drain(saw_error) && conn.write_last_chunk();
      store.release(w);
      return ok && req.keep_alive();
    }
    if (now >= next_bookmark) {
      store.bookmark(*w);
      next_bookmark = now + interval();
    }
    const auto until = std::min({deadline, next_bookmark, now + options.watch_poll});
    Watcher::Item item;
    const Watcher::Wait got = w->next(item, until);
    if (got == Watcher::Wait::Item) {
      if (!conn.write_chunk(encode(item))) {
        store.release(w);
        return false;
      }
      continue;
    }
    if (got == Watcher::Wait::Closed) {
      const Watcher::End end = w->end();
      store.release(w);
      if (end == Watcher::End::Expired) return conn.write_last_chunk() && req.keep_alive();
      conn.abort();  // dropped: cut mid-stream, no terminating chunk
      return false;
    }
    if (conn.peer_closed()) {
      store.release(w);
      return false;
    }
  }
}

}  // namespace kindly::testapi
