#include "kindlyguard/controller/operator.hpp"

#include <unistd.h>

#include <cstdlib>
#include <random>

#include "kindlyguard/controller/policy_status.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {
client::InformerOptions cluster_wide(const client::ResourceRef& r, std::chrono::milliseconds resync) {
  client::InformerOptions o;
  o.resource = r;
  o.resync = resync;
  return o;
}
}  // namespace

Operator::Operator(client::ApiClient& api, policy::PolicyStore& store, OperatorOptions options)
    : api_(api), options_(std::move(options)), informers_(api), live_(store) {
  informers_.set_watch_restart_hook(options_.on_watch_restart);
  policies_ = &informers_.get(cluster_wide(client::resources::security_policies, std::chrono::milliseconds(0)));
  namespaces_ = &informers_.get(cluster_wide(client::resources::namespaces, std::chrono::milliseconds(0)));

  ControllerOptions status_options;
  status_options.name = "policy-status";
  status_options.resync = options_.resync;
  status_options.on_result = options_.on_reconcile;
  status_options.list_keys = [this] {
    std::vector<std::string> keys;
    for (const auto& o : policies_->list()) keys.push_back((*o)["metadata"].value("name", ""));
    return keys;
  };
  status_controller_ =
      std::make_unique<Controller>(status_options, policy_status_reconciler(api_, *policies_, live_));
  live_.on_change([this](const std::string& name) { status_controller_->enqueue(name); });

  client::InformerHandlers h;
  h.on_add = [this](const json& o) { live_.upsert(o); };
  h.on_update = [this](const json&, const json& o) { live_.upsert(o); };
  h.on_delete = [this](const json& o) { live_.remove(o); };
  policies_->add_handlers(std::move(h));
}

Operator::~Operator() { stop(); }

void Operator::add_controller(std::unique_ptr<Controller> c) { controllers_.push_back(std::move(c)); }

void Operator::start() {
  informers_.start_all();
  if (!options_.leader_elect) {
    start_leading();
    return;
  }
  auto config = options_.leader_election;
  config.on_started_leading = [this] { start_leading(); };
  config.on_stopped_leading = [this] { stop_leading(); };
  config.on_new_leader = [](const std::string& who) {
    if (!who.empty()) log::info("leader observed", {{"identity", who}});
  };
  auto elector = client::LeaderElector::create(api_, config);
  if (!elector.ok()) {
    // create() only refuses a configuration the flags should have caught.
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
  informers_.stop_all();
}

void Operator::start_leading() {
  if (leading_.exchange(true)) return;
  // No waiting for the caches here: this runs on the elector's thread, which must keep renewing.
  // A key missing from a cache that is still filling is enqueued by its informer event.
  status_controller_->start();
  for (auto& c : controllers_) c->start();
}

void Operator::stop_leading() {
  if (!leading_.exchange(false)) return;
  for (auto& c : controllers_) c->stop();
  status_controller_->stop();
}

bool Operator::is_leader() const { return leading_.load(); }

std::string Operator::not_ready_reason() const {
  std::string waiting;
  if (!policies_->has_synced()) waiting = "securitypolicies";
  if (!namespaces_->has_synced()) waiting += std::string(waiting.empty() ? "" : " and ") + "namespaces";
  if (waiting.empty()) return "";
  return "waiting for the " + waiting + " informer to sync with the API server at " + api_.config().server;
}

policy::NamespaceLabelsFn Operator::namespace_labels() const {
  const client::Informer* namespaces = namespaces_;
  return [namespaces](const std::string& ns) -> std::optional<k8s::Labels> {
    auto obj = namespaces->get(ns);
    if (!obj) return std::nullopt;
    k8s::Labels labels;
    const auto& md = (*obj)["metadata"];
    if (md.contains("labels") && md["labels"].is_object())
      for (const auto& [k, v] : md["labels"].items())
        if (v.is_string()) labels[k] = v.get<std::string>();
    return labels;
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
