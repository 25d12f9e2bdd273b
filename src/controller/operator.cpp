#include "kindlyguard/controller/operator.hpp"

#include <unistd.h>

#include <cstdlib>
#include <random>

#include "kindlyguard/controller/exception_status.hpp"
#include "kindlyguard/controller/pod_cache.hpp"
#include "kindlyguard/controller/violation_events.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

// The controllers, one line each: adding one is a new file with its factory and a line here.
// They start in this order when this replica leads and stop in the reverse order.
Result<std::unique_ptr<Controller>> make_policy_status_controller(OperatorContext&);
Result<std::unique_ptr<Controller>> make_quarantine_controller(OperatorContext&);
Result<std::unique_ptr<Controller>> make_webhook_certs_controller(OperatorContext&);
Result<std::unique_ptr<Controller>> make_background_audit_controller(OperatorContext&);
Result<std::unique_ptr<Controller>> make_exception_status_controller(OperatorContext&);

namespace {

constexpr ControllerFactory kControllers[] = {
    make_policy_status_controller,
    make_quarantine_controller,
    make_webhook_certs_controller,
    make_background_audit_controller,
    make_exception_status_controller,
};

client::InformerOptions cluster_wide(const client::ResourceRef& r) {
  client::InformerOptions o;
  o.resource = r;
  o.resync = std::chrono::milliseconds(0);
  return o;
}

}  // namespace

Result<std::unique_ptr<Operator>> Operator::create(OperatorConfig config, policy::PolicyStore& store,
                                                   OperatorSink& sink) {
  auto cluster = client::resolve_config(config.api.kubeconfig, config.api.context, config.api.allow_insecure);
  if (!cluster.ok())
    return Error{"no Kubernetes API to watch SecurityPolicies from: " + cluster.error().to_string() +
                     " (give --kubeconfig, run in a pod, or use --policy-dir for standalone mode)",
                 ""};
  client::ClientOptions copts;
  copts.qps = config.api.qps;
  copts.burst = config.api.burst;
  copts.on_request = [&sink](const client::RequestMetric& m) { sink.count_api_request(m.verb, m.code); };
  auto api = client::ApiClient::create(*cluster, copts);
  if (!api.ok()) return Error{"Kubernetes API client: " + api.error().to_string(), ""};
  // A renewal every retry period (2 s by default) and the odd retry: a small budget of its own.
  client::ClientOptions eopts = copts;
  eopts.qps = 5;
  eopts.burst = 10;
  auto election_api = client::ApiClient::create(*cluster, eopts);
  if (!election_api.ok()) return Error{"Kubernetes API client: " + election_api.error().to_string(), ""};

  auto& le = config.leader_election;
  if (le.ns.empty()) le.ns = cluster->default_namespace;
  if (le.ns.empty()) le.ns = "default";
  if (le.identity.empty()) le.identity = default_identity();

  std::unique_ptr<Operator> op(new Operator(std::move(config), std::move(*api), std::move(*election_api), store, sink));
  for (ControllerFactory make : kControllers) {
    auto made = make(*op->context_);
    if (!made.ok()) return made.error();
    if (*made) op->controllers_.push_back(std::move(*made));
  }
  log::info("cluster mode", {{"apiServer", cluster->server},
                             {"config", cluster->source},
                             {"leaderElection", op->config_.leader_elect ? le.ns + "/" + le.name : "off"},
                             {"identity", op->config_.leader_election.identity}});
  return op;
}

Operator::Operator(OperatorConfig config, std::unique_ptr<client::ApiClient> api,
                   std::unique_ptr<client::ApiClient> election_api, policy::PolicyStore& store, OperatorSink& sink)
    : config_(std::move(config)),
      sink_(sink),
      api_(std::move(api)),
      election_api_(std::move(election_api)),
      live_(store),
      exception_store_(config_.exceptions.admin_namespaces),
      live_exceptions_(exception_store_) {
  EventRecorderOptions eopts;
  eopts.reporting_instance = config_.leader_election.identity;
  eopts.on_outcome = [&sink](const char* outcome) { sink.count_event(outcome); };
  events_ = std::make_unique<EventRecorder>(*api_, eopts);

  informers_ = std::make_unique<client::SharedInformers>(*api_);
  informers_->set_watch_restart_hook(
      [&sink](const std::string& resource, const char* reason) { sink.count_watch_restart(resource, reason); });
  policies_ = &informers_->get(cluster_wide(client::resources::security_policies));
  namespaces_ = &informers_->get(cluster_wide(client::resources::namespaces));
  // Every mode's value (quarantine.hpp): "KEY in (true,full,egress,ingress)".
  client::InformerOptions quarantined = quarantined_pods_options(config_.quarantine.label_key, config_.quarantine.label_value);
  quarantined.label_selector = config_.quarantine.selector();
  quarantined_pods_ = &informers_->get(quarantined);
  client::InformerHandlers h;
  h.on_add = [this](const json& o) { live_.upsert(o); };
  h.on_update = [this](const json&, const json& o) { live_.upsert(o); };
  h.on_delete = [this](const json& o) { live_.remove(o); };
  policies_->add_handlers(std::move(h));
  live_.on_change([this](const std::string&) { sink_.set_policies(live_.counts()); });

  // Exceptions: every add, change and delete reaches the webhook's set through the informer.
  exception_informer_ = &informers_->get(cluster_wide(client::resources::security_policy_exceptions));
  client::InformerHandlers eh;
  eh.on_add = [this](const json& o) { live_exceptions_.upsert(o); };
  eh.on_update = [this](const json&, const json& o) { live_exceptions_.upsert(o); };
  eh.on_delete = [this](const json& o) { live_exceptions_.remove(o); };
  exception_informer_->add_handlers(std::move(eh));
  owners_ = std::make_unique<OwnerLookup>(*api_, OwnerLookupOptions{});
  attribution_ = std::make_unique<QuarantineAttribution>(*api_, *quarantined_pods_);

  if (config_.violation_events) violation_events_ = std::make_unique<PolicyViolationEvents>(*events_, store);
  context_ = std::make_unique<OperatorContext>(config_, *api_, *informers_, *events_, live_, store, sink_, *policies_,
                                               namespace_labels(), [this] { return not_synced_reason().empty(); });
  context_->exceptions = {exception_informer_, &live_exceptions_, &exception_store_, &exception_usage_, owners_->fn()};
}

Operator::~Operator() { stop(); }

void Operator::start() {
  informers_->start_all();
  if (!config_.leader_elect) {
    start_leading();
    return;
  }
  auto config = config_.leader_election;
  config.on_started_leading = [this] { start_leading(); };
  config.on_stopped_leading = [this] { stop_leading(); };
  config.on_new_leader = [](const std::string& who) {
    if (!who.empty()) log::info("leader observed", {{"identity", who}});
  };
  auto elector = client::LeaderElector::create(*election_api_, config);
  if (!elector.ok()) {
    // create() only refuses a configuration serve_config should have caught.
    log::error("leader election misconfigured; controllers will not run", {{"error", elector.error().to_string()}});
    return;
  }
  elector_ = std::move(*elector);
  elector_->start();
}

void Operator::stop() {
  if (elector_) {
    elector_->stop(true);  // on_stopped_leading runs first, then the lease is released
    elector_.reset();
  } else {
    stop_leading();
  }
  informers_->stop_all();
}

void Operator::start_leading() {
  if (leading_.exchange(true)) return;
  // No waiting for the caches here: this runs on the elector's thread, which must keep renewing.
  // A key missing from a cache that is still filling is enqueued by its informer event; the
  // controllers that need a whole cache wait for its sync themselves.
  informers_->start_leader_only();
  for (auto& c : controllers_) c->start();
}

void Operator::stop_leading() {
  if (!leading_.exchange(false)) return;
  for (auto c = controllers_.rbegin(); c != controllers_.rend(); ++c) (*c)->stop();
  // After the controllers: none reads a cache while it is forgotten. A follower holds no pods.
  informers_->stop_leader_only();
}

bool Operator::is_leader() const { return leading_.load(); }

void Operator::record_exception_approved(const policy::Request& request) {
  events_->record(exception_approved_event(request));
}

std::string Operator::not_synced_reason() const {
  std::string waiting;
  if (!policies_->has_synced()) waiting = "securitypolicies";
  if (!namespaces_->has_synced()) waiting += std::string(waiting.empty() ? "" : " and ") + "namespaces";
  if (!exception_informer_->has_synced())
    waiting += std::string(waiting.empty() ? "" : " and ") + "securitypolicyexceptions";
  if (waiting.empty()) return "";
  return "waiting for the " + waiting + " informer to sync with the API server at " + api_->config().server;
}

std::string Operator::not_ready_reason() const {
  if (std::string why = not_synced_reason(); !why.empty()) return why;
  for (const auto& check : context_->readiness_checks())
    if (std::string why = check(); !why.empty()) return why;
  return "";
}

policy::NamespaceLabelsFn Operator::namespace_labels() const {
  const client::Informer* namespaces = namespaces_;
  return [namespaces](const std::string& ns) -> std::optional<k8s::Labels> {
    auto obj = namespaces->get(ns);
    if (!obj) return std::nullopt;
    return k8s::Meta(*obj).labels();
  };
}

std::string default_identity() {
  if (const char* pod = std::getenv("POD_NAME"); pod && *pod) return pod;
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  static const char* hex = "0123456789abcdef";
  std::string suffix;
  for (int i = 0; i < 8; ++i) suffix += hex[rd() % 16];
  return std::string(host) + "_" + suffix;
}

}  // namespace kindlyguard::controller
