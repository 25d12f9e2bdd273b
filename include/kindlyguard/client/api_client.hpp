#pragma once
// A Kubernetes API client for what kindlyguard does: get, list (selectors, paging), watch,
// create, update (PUT), the status subresource, patch (merge, JSON, strategic merge, apply) and
// delete (with preconditions). Every call answers ApiResult: the object (JSON) or an ApiError
// typed from the server's Status.
//
// Behind it: cpprestsdk's http_client, TLS verified against the cluster CA only (the system's
// roots are not trusted when a CA is configured), client certificate and key, a bearer token
// re-read as it rotates (and at once after a 401), Accept: application/json, a client-side
// QPS/burst token bucket, retries with backoff and jitter that honour Retry-After (429 always;
// 5xx when the server sent Retry-After or the call is a read; no-answer failures for reads, and
// for writes only when the connection was never made), and a hook that sees every request
// (verb, resource, code, latency) for metrics. Thread-safe: one client serves every thread.
//
// Watches: watch() blocks, hands each event to the callback as soon as its line arrives, and
// returns how the stream ended. cpprestsdk times out a silent response after its configured
// timeout (30 s by default), which would cut a quiet watch; each watch therefore runs on its own
// connection with an idle limit of timeoutSeconds + idle_slack, so the server always ends it
// first unless the stream is dead.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_error.hpp"
#include "kindlyguard/client/backoff.hpp"
#include "kindlyguard/client/kube_config.hpp"
#include "kindlyguard/client/rate_limiter.hpp"
#include "kindlyguard/client/resources.hpp"
#include "kindlyguard/client/token_source.hpp"
#include "kindlyguard/client/watch_event.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::client {

using json = nlohmann::json;

struct ListOptions {
  std::string label_selector;          // "app=web,tier in (a,b)"
  std::string field_selector;          // "metadata.name=x"
  std::int64_t limit = 0;              // page size; 0 = everything at once
  std::string continue_token;          // from the previous page's metadata.continue
  std::string resource_version;        // "" = most recent (consistent read); "0" = any
  std::string resource_version_match;  // "", "NotOlderThan", "Exact"
};

struct WatchOptions {
  std::string label_selector;
  std::string field_selector;
  std::string resource_version;   // watch changes after this; "" = synthetic ADDEDs for the current state first
  bool allow_bookmarks = true;
  int timeout_seconds = 300;      // the server ends the watch cleanly after this
  std::chrono::seconds idle_slack{30};  // a stream silent for timeout_seconds + idle_slack is dead
};

struct WriteOptions {
  std::string field_manager = "kindlyguard";
  bool dry_run = false;
  bool force = false;  // server-side apply only: take over fields other managers own
};

struct DeleteOptions {
  std::string precondition_uid;               // delete only this incarnation
  std::string precondition_resource_version;  // delete only if unchanged since
  std::optional<std::int64_t> grace_period_seconds;
  std::string propagation_policy;             // "", Foreground, Background, Orphan
  bool dry_run = false;
};

enum class PatchType {
  Merge,           // application/merge-patch+json (RFC 7386)
  Json,            // application/json-patch+json (RFC 6902)
  StrategicMerge,  // application/strategic-merge-patch+json (built-in types only)
  Apply,           // application/apply-patch+yaml (server-side apply; needs a field manager)
};

// Per-call overrides of the client's defaults.
struct CallOptions {
  std::optional<std::chrono::milliseconds> timeout;  // the whole call, retries and waits included
  std::optional<int> max_retries;
  std::stop_token stop;  // ends the call early with reason Canceled
};

// One HTTP exchange, for metrics. resource: "pods", "pods/status", "leases.coordination.k8s.io",
// or the path for a raw request. code: the HTTP status, 0 when no answer came.
struct RequestMetric {
  std::string verb;  // get, list, watch, create, update, patch, delete, or the HTTP method for raw
  std::string resource;
  int code = 0;
  std::chrono::microseconds latency{0};
};

struct ClientOptions {
  double qps = 50;  // client-go's 5/10 are too low for an operator
  int burst = 100;
  std::chrono::milliseconds request_timeout{30000};  // one call (not watches), retries included
  int max_retries = 5;
  Backoff::Options retry_backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(10000), 2.0, 0.5};
  std::chrono::seconds max_retry_after{60};          // a longer Retry-After is capped to this
  std::string user_agent;                            // default: kindlyguard/<version>
  TokenSource::Options token_refresh;
  std::function<void(const RequestMetric&)> on_request;  // called on the requesting thread
};

class ApiClient {
 public:
  // Checks the configuration (server URL, PEM blocks) before any request is made.
  static Result<std::unique_ptr<ApiClient>> create(ClusterConfig config, ClientOptions options = {});
  ~ApiClient();
  ApiClient(const ApiClient&) = delete;
  ApiClient& operator=(const ApiClient&) = delete;

  // ns is ignored for cluster-scoped resources and required for namespaced ones (except list and
  // watch, where "" means every namespace).
  ApiResult<json> get(const ResourceRef& r, const std::string& ns, const std::string& name,
                      const CallOptions& call = {});
  // One page (or everything when limit is 0): the List object as the server sent it.
  ApiResult<json> list(const ResourceRef& r, const std::string& ns, const ListOptions& options = {},
                       const CallOptions& call = {});
  // Every page, following metadata.continue: one List with all items and the first page's
  // resourceVersion (the pages are one snapshot). An expired continue token (410) restarts as one
  // unpaged list, as client-go's pager does. page_size = options.limit, 500 when 0.
  ApiResult<json> list_all(const ResourceRef& r, const std::string& ns, const ListOptions& options = {},
                           const CallOptions& call = {});
  // list_all a page at a time: `on_page` gets each page (a List; its items may be moved out)
  // before the next is fetched, so a caller that keeps only what it needs holds one page of raw
  // objects at a time. restart is true for the first page, and for the one unpaged list after an
  // expired continue token: what earlier pages delivered is then to be dropped. Answers the List
  // without its items (the first page's resourceVersion).
  using PageFn = std::function<void(json& page, bool restart)>;
  ApiResult<json> list_pages(const ResourceRef& r, const std::string& ns, const ListOptions& options,
                             const PageFn& on_page, const CallOptions& call = {});
  // The namespace is metadata.namespace (required for namespaced resources).
  ApiResult<json> create(const ResourceRef& r, const json& object, const WriteOptions& options = {},
                         const CallOptions& call = {});
  // PUT of the whole object; metadata.resourceVersion, when set, makes it conditional (409 Conflict).
  ApiResult<json> update(const ResourceRef& r, const json& object, const WriteOptions& options = {},
                         const CallOptions& call = {});
  // PUT to the status subresource: only .status is taken.
  ApiResult<json> update_status(const ResourceRef& r, const json& object, const WriteOptions& options = {},
                                const CallOptions& call = {});
  // subresource: "" or "status".
  ApiResult<json> patch(const ResourceRef& r, const std::string& ns, const std::string& name, PatchType type,
                        const json& patch, const WriteOptions& options = {}, const std::string& subresource = "",
                        const CallOptions& call = {});
  // DELETE; answers the deleted object, or a Status, as the server does for the resource.
  ApiResult<json> remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                         const DeleteOptions& options = {}, const CallOptions& call = {});

  // Opens a watch and delivers its events to `on_event` (on the calling thread) as each line
  // arrives, until the server ends it, the connection drops or `stop` is requested. An error
  // answer to the request itself (410 Gone for a compacted resourceVersion, 403, ...) is the
  // ApiError. A stop request at any point gives WatchEnd::How::Stopped. No retries here: the
  // Informer owns the relist/resume policy.
  ApiResult<WatchEnd> watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                            const std::function<void(WatchEvent&&)>& on_event, std::stop_token stop = {});

  // Any other request: "GET", "/version". The body (if any) is sent as JSON.
  ApiResult<json> raw(const std::string& method, const std::string& path_and_query, const json* body = nullptr,
                      const CallOptions& call = {});

  // A GET whose answer is text, not JSON (pods/log): the body as it came. `resource` names the
  // request for metrics ("pods/log").
  ApiResult<std::string> get_text(const std::string& path_and_query, const std::string& resource,
                                  const CallOptions& call = {});

  const ClusterConfig& config() const;
  const ClientOptions& options() const;
  TokenBucket& limiter();
  TokenSource& tokens();

  struct Impl;

 private:
  explicit ApiClient(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// "namespace/name", or "name" for cluster-scoped objects: the cache key informers use.
std::string object_key(const json& object);

}  // namespace kindlyguard::client
