// The typed verbs of ApiClient and the retry policy around each call.
#include "kindlyguard/client/api_client.hpp"

#include <algorithm>

#include "client_impl.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "paths.hpp"

namespace kindlyguard::client {

using detail::Query;
using detail::resource_path;

Result<std::unique_ptr<ApiClient>> ApiClient::create(ClusterConfig config, ClientOptions options) {
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0)
    return Error{"the API server URL \"" + config.server + "\" must start with https:// or http://.", "server"};
  auto tls = detail::make_tls_setup(config);
  if (!tls) return tls.error();
  try {
    auto impl = std::make_unique<Impl>(std::move(config), std::move(options), std::move(*tls));
    return std::unique_ptr<ApiClient>(new ApiClient(std::move(impl)));
  } catch (const std::exception& e) {
    return Error{std::string("cannot set up the API client: ") + e.what(), "server"};
  }
}

ApiClient::ApiClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiClient::~ApiClient() = default;

const ClusterConfig& ApiClient::config() const { return impl_->config; }
const ClientOptions& ApiClient::options() const { return impl_->options; }
TokenBucket& ApiClient::limiter() { return impl_->limiter; }
TokenSource& ApiClient::tokens() { return impl_->tokens; }

namespace {

bool should_retry(const ApiError& e, bool idempotent, bool connect_failed) {
  if (e.is_too_many_requests()) return true;  // throttled: the server did not act on it
  if (e.code >= 500) return e.retry_after.has_value() || idempotent;
  if (e.is_transport()) return idempotent || connect_failed;
  return false;
}

json parse_body(const std::string& body) {
  if (body.empty()) return json::object();
  return json::parse(body, nullptr, /*allow_exceptions=*/false);
}

}  // namespace

ApiResult<json> ApiClient::Impl::call(const Exchange& x, const std::string& verb, const std::string& resource,
                                      bool idempotent, const CallOptions& call, std::string* text) {
  const auto deadline = Clock::now() + call.timeout.value_or(options.request_timeout);
  const int max_retries = std::max(0, call.max_retries.value_or(options.max_retries));
  Backoff backoff(options.retry_backoff);
  bool reauthenticated = false;
  for (int attempt = 0;; ++attempt) {
    if (!limiter.acquire(call.stop)) return ApiError::canceled("stopped while waiting for the client-side rate limit");
    if (Clock::now() >= deadline) return ApiError::client_timeout("the call's deadline passed in the client-side rate limiter");
    bool connect_failed = false;
    const auto t0 = Clock::now();
    auto answer = send(x, deadline, call.stop, connect_failed);
    record(verb, resource, answer ? answer->code : 0, Clock::now() - t0);
    ApiError err;
    if (answer) {
      if (answer->code >= 200 && answer->code < 300) {
        if (text) {
          *text = std::move(answer->body);
          return json::object();
        }
        json body = parse_body(answer->body);
        if (body.is_discarded()) {
          ApiError bad;
          bad.code = answer->code;
          bad.reason = "InvalidResponse";
          bad.message = "the server answered " + std::to_string(answer->code) + " with a body that is not JSON";
          return bad;
        }
        return body;
      }
      err = ApiError::from_response(answer->code, answer->body, answer->retry_after);
      // A rotated token: read the file again and try once more at once.
      if (answer->code == 401 && tokens.has_file() && !reauthenticated) {
        reauthenticated = true;
        tokens.invalidate();
        --attempt;
        continue;
      }
    } else {
      err = answer.error();
    }
    if (err.is_canceled() || (err.code == 0 && err.reason == "Timeout")) return err;
    if (attempt >= max_retries || !should_retry(err, idempotent, connect_failed)) return err;
    auto delay = backoff.next();
    if (err.retry_after)
      delay = std::max<std::chrono::milliseconds>(delay, std::min(*err.retry_after, options.max_retry_after));
    if (Clock::now() + delay >= deadline) return err;  // no time left for another try: this answer stands
    log::debug("retrying an API request", {{"verb", verb},
                                           {"resource", resource},
                                           {"error", err.to_string()},
                                           {"attempt", std::to_string(attempt + 1)},
                                           {"delay_ms", std::to_string(delay.count())}});
    if (!sleep_for(delay, call.stop)) return ApiError::canceled("stopped while waiting to retry");
  }
}

namespace {

ApiError missing_namespace(const ResourceRef& r) {
  return ApiError::client_error(r.qualified() + " are namespaced: a namespace is required");
}

void add_write_options(Query& q, const WriteOptions& o) {
  q.add_if("fieldManager", o.field_manager);
  if (o.dry_run) q.add("dryRun", "All");
}

}  // namespace

ApiResult<json> ApiClient::get(const ResourceRef& r, const std::string& ns, const std::string& name,
                               const CallOptions& call) {
  if (r.namespaced && ns.empty()) return missing_namespace(r);
  if (name.empty()) return ApiError::client_error("get needs a name");
  return impl_->call({"GET", resource_path(r, ns, name), std::nullopt}, "get", detail::metric_resource(r), true, call);
}

ApiResult<json> ApiClient::list(const ResourceRef& r, const std::string& ns, const ListOptions& o,
                                const CallOptions& call) {
  Query q;
  q.add_if("labelSelector", o.label_selector).add_if("fieldSelector", o.field_selector);
  if (o.limit > 0) q.add("limit", std::to_string(o.limit));
  q.add_if("continue", o.continue_token)
      .add_if("resourceVersion", o.resource_version)
      .add_if("resourceVersionMatch", o.resource_version_match);
  return impl_->call({"GET", resource_path(r, ns) + q.str(), std::nullopt}, "list", detail::metric_resource(r), true,
                     call);
}

ApiResult<json> ApiClient::list_pages(const ResourceRef& r, const std::string& ns, const ListOptions& options,
                                      const PageFn& on_page, const CallOptions& call) {
  ListOptions o = options;
  if (o.limit <= 0) o.limit = 500;
  json head;
  for (;;) {
    auto page = list(r, ns, o, call);
    if (!page) {
      if (!page.error().is_gone() || o.continue_token.empty()) return page.error();
      // The snapshot the pages came from was compacted: start over in one piece.
      log::info("list continuation expired; listing again without paging", {{"resource", r.qualified()}});
      o = options;
      o.limit = 0;
      o.continue_token.clear();
      page = list(r, ns, o, call);
      if (!page) return page.error();
      head = json();
    }
    json& p = *page;
    const bool restart = head.is_null();
    std::string next;
    if (auto m = p.find("metadata"); m != p.end() && m->is_object() && o.limit > 0) next = m->value("continue", "");
    if (restart) {
      // The List without its items, copied field by field: a copy of the whole page first would
      // double the memory of a page of large objects.
      head = json::object();
      for (auto it = p.begin(); it != p.end(); ++it)
        if (it.key() != "items") head[it.key()] = it.value();
    }
    on_page(p, restart);
    if (next.empty()) break;
    o.continue_token = next;
    // Continuation pages must not carry a resourceVersion: the token pins the snapshot.
    o.resource_version.clear();
    o.resource_version_match.clear();
  }
  if (auto m = head.find("metadata"); m != head.end() && m->is_object()) {
    m->erase("continue");
    m->erase("remainingItemCount");
  }
  return head;
}

ApiResult<json> ApiClient::list_all(const ResourceRef& r, const std::string& ns, const ListOptions& options,
                                    const CallOptions& call) {
  json items = json::array();
  auto head = list_pages(
      r, ns, options,
      [&items](json& page, bool restart) {
        if (restart) items = json::array();
        if (auto it = page.find("items"); it != page.end() && it->is_array())
          for (auto& item : *it) items.push_back(std::move(item));
      },
      call);
  if (!head) return head.error();
  (*head)["items"] = std::move(items);
  return head;
}

ApiResult<json> ApiClient::create(const ResourceRef& r, const json& object, const WriteOptions& o,
                                  const CallOptions& call) {
  const std::string ns = k8s::Meta(object).namespace_();
  if (r.namespaced && ns.empty()) return missing_namespace(r);
  Query q;
  add_write_options(q, o);
  return impl_->call({"POST", resource_path(r, ns) + q.str(), object.dump()}, "create", detail::metric_resource(r),
                     false, call);
}

namespace {
ApiResult<json> put(ApiClient::Impl& impl, const ResourceRef& r, const json& object, const WriteOptions& o,
                    const CallOptions& call, const std::string& subresource) {
  const k8s::Meta meta(object);
  const std::string ns = meta.namespace_();
  const std::string name = meta.name();
  if (r.namespaced && ns.empty()) return missing_namespace(r);
  if (name.empty()) return ApiError::client_error("update needs metadata.name");
  Query q;
  add_write_options(q, o);
  return impl.call({"PUT", resource_path(r, ns, name, subresource) + q.str(), object.dump()}, "update",
                   detail::metric_resource(r, subresource), false, call);
}
}  // namespace

ApiResult<json> ApiClient::update(const ResourceRef& r, const json& object, const WriteOptions& o,
                                  const CallOptions& call) {
  return put(*impl_, r, object, o, call, "");
}

ApiResult<json> ApiClient::update_status(const ResourceRef& r, const json& object, const WriteOptions& o,
                                         const CallOptions& call) {
  return put(*impl_, r, object, o, call, "status");
}

ApiResult<json> ApiClient::patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                                 PatchType type, const json& patch, const WriteOptions& o,
                                 const std::string& subresource, const CallOptions& call) {
  if (r.namespaced && ns.empty()) return missing_namespace(r);
  if (name.empty()) return ApiError::client_error("patch needs a name");
  std::string content_type;
  switch (type) {
    case PatchType::Merge: content_type = "application/merge-patch+json"; break;
    case PatchType::Json: content_type = "application/json-patch+json"; break;
    case PatchType::StrategicMerge: content_type = "application/strategic-merge-patch+json"; break;
    case PatchType::Apply: content_type = "application/apply-patch+yaml"; break;
  }
  if (type == PatchType::Json && !patch.is_array())
    return ApiError::client_error("a JSON patch is an array of operations");
  if (type == PatchType::Apply && o.field_manager.empty())
    return ApiError::client_error("server-side apply needs a field manager");
  Query q;
  add_write_options(q, o);
  if (type == PatchType::Apply && o.force) q.add("force", "true");
  Exchange x{"PATCH", resource_path(r, ns, name, subresource) + q.str(), patch.dump()};
  x.content_type = content_type;
  return impl_->call(x, "patch", detail::metric_resource(r, subresource), false, call);
}

ApiResult<json> ApiClient::remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                                  const DeleteOptions& o, const CallOptions& call) {
  if (r.namespaced && ns.empty()) return missing_namespace(r);
  if (name.empty()) return ApiError::client_error("delete needs a name");
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!o.precondition_uid.empty()) body["preconditions"]["uid"] = o.precondition_uid;
  if (!o.precondition_resource_version.empty()) body["preconditions"]["resourceVersion"] = o.precondition_resource_version;
  if (o.grace_period_seconds) body["gracePeriodSeconds"] = *o.grace_period_seconds;
  if (!o.propagation_policy.empty()) body["propagationPolicy"] = o.propagation_policy;
  if (o.dry_run) body["dryRun"] = json::array({"All"});
  return impl_->call({"DELETE", resource_path(r, ns, name), body.dump()}, "delete", detail::metric_resource(r), false,
                     call);
}

ApiResult<json> ApiClient::raw(const std::string& method, const std::string& path_and_query, const json* body,
                               const CallOptions& call) {
  Exchange x{method, path_and_query, body ? std::optional<std::string>(body->dump()) : std::nullopt};
  const std::string path = path_and_query.substr(0, path_and_query.find('?'));
  return impl_->call(x, method, path, method == "GET", call);
}

ApiResult<std::string> ApiClient::get_text(const std::string& path_and_query, const std::string& resource,
                                           const CallOptions& call) {
  std::string text;
  auto r = impl_->call({"GET", path_and_query, std::nullopt}, "get", resource, true, call, &text);
  if (!r.ok()) return r.error();
  return text;
}

std::string object_key(const json& object) {
  const k8s::Meta meta(object);
  const std::string name = meta.name();
  const std::string ns = meta.namespace_();
  return ns.empty() ? name : ns + "/" + name;
}

}  // namespace kindlyguard::client
