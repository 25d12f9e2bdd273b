// The SecurityPolicy status controller's factory (controller/policy_status.hpp): a key per policy
// name, enqueued whenever the live set's verdict on it changes.
#include "kindlyguard/controller/operator_config.hpp"
#include "kindlyguard/controller/policy_status.hpp"
#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::controller {

Result<std::unique_ptr<Controller>> make_policy_status_controller(OperatorContext& ctx) {
  ControllerOptions o;
  o.name = "policy-status";
  o.resync = ctx.config.resync;
  o.on_result = [&sink = ctx.sink](const std::string& c, const char* r) { sink.count_reconcile(c, r); };
  o.list_keys = [&policies = ctx.policies] {
    std::vector<std::string> keys;
    for (const auto& p : policies.list()) keys.push_back(k8s::Meta(*p).name());
    return keys;
  };
  auto c = std::make_unique<Controller>(o, policy_status_reconciler(ctx.api, ctx.policies, ctx.live_policies));
  ctx.live_policies.on_change([raw = c.get()](const std::string& name) { raw->enqueue(name); });
  return c;
}

}  // namespace kindlyguard::controller
