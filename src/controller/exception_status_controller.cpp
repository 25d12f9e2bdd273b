// The SecurityPolicyException status controller's factory (controller/exception_status.hpp): a key
// per exception ("namespace/name"), enqueued when its spec changes (LiveExceptions), when it was
// used or its matched count changed (ExceptionUsage), and at its expiry times.
#include "kindlyguard/controller/exception_status.hpp"
#include "kindlyguard/controller/operator_config.hpp"

namespace kindlyguard::controller {

Result<std::unique_ptr<Controller>> make_exception_status_controller(OperatorContext& ctx) {
  auto& ex = ctx.exceptions;
  if (!ex.informer || !ex.live || !ex.usage) return std::unique_ptr<Controller>();
  ControllerOptions o;
  o.name = "exception-status";
  o.resync = ctx.config.resync;
  o.on_result = [&sink = ctx.sink](const std::string& c, const char* r) { sink.count_reconcile(c, r); };
  o.list_keys = [informer = ex.informer] {
    std::vector<std::string> keys;
    for (const auto& e : informer->list()) keys.push_back(client::object_key(*e));
    return keys;
  };
  ExceptionStatusOptions so;
  so.expiring_warning = ctx.config.exceptions.expiring_warning;
  so.events = &ctx.events;
  so.sink = &ctx.sink;
  // With a resync, a far deadline is met by a resync's reconcile that lands within one period of it.
  so.horizon = ctx.config.resync.count() > 0 ? ctx.config.resync + std::chrono::minutes(1) : std::chrono::milliseconds(0);
  auto c = std::make_unique<Controller>(
      o, exception_status_reconciler(ctx.api, *ex.informer, *ex.live, *ex.usage, std::move(so)));
  ex.live->on_change([raw = c.get()](const std::string& key) { raw->enqueue(key); });
  ex.usage->on_news([raw = c.get()](const std::string& key) { raw->enqueue(key); });
  return c;
}

}  // namespace kindlyguard::controller
