#include "kindlyguard/controller/live_exceptions.hpp"

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

const char* to_string(ExceptionState s) {
  switch (s) {
    case ExceptionState::Active: return "Active";
    case ExceptionState::Expired: return "Expired";
    case ExceptionState::Invalid: return "Invalid";
  }
  return "Invalid";
}

ExceptionState exception_state(const ExceptionVerdict& v, policy::Seconds now) {
  if (!v.parsed || !v.invalid.empty()) return ExceptionState::Invalid;
  return policy::expired(*v.parsed, now) ? ExceptionState::Expired : ExceptionState::Active;
}

void LiveExceptions::upsert(const nlohmann::json& object) {
  const k8s::Meta meta(object);
  const std::string key = client::object_key(object);
  if (meta.name().empty()) return;
  {
    // Our own status writes come back here: same uid and spec, so no parse, no set, no listener.
    Judged now{meta.uid(), object.value("spec", nlohmann::json())};
    std::lock_guard lock(mu_);
    auto it = judged_.find(key);
    if (it != judged_.end() && it->second.uid == now.uid && it->second.spec == now.spec) return;
    judged_[key] = std::move(now);
  }
  ExceptionVerdict v;
  v.observed_generation = meta.generation();
  auto parsed = policy::parse_exception(object);
  if (parsed.ok()) {
    v.invalid = policy::invalid_reason(*parsed, store_.admin_namespaces());
    v.parsed = std::move(*parsed);
  } else {
    v.invalid = parsed.error().to_string();
  }
  if (!v.invalid.empty())
    log::warn("SecurityPolicyException is invalid and excuses nothing", {{"exception", key}, {"error", v.invalid}});
  {
    std::lock_guard lock(mu_);
    verdicts_[key] = std::move(v);
    publish_locked();
  }
  for (const auto& f : listeners_) f(key);
}

void LiveExceptions::remove(const nlohmann::json& object) {
  const std::string key = client::object_key(object);
  {
    std::lock_guard lock(mu_);
    verdicts_.erase(key);
    judged_.erase(key);
    publish_locked();
  }
  for (const auto& f : listeners_) f(key);
}

void LiveExceptions::publish_locked() {
  std::vector<policy::SecurityPolicyException> set;
  for (const auto& [key, v] : verdicts_)
    if (v.parsed && v.invalid.empty()) set.push_back(*v.parsed);
  auto installed = store_.replace(std::move(set));
  log::info("exception set updated", {{"version", std::to_string(installed->version)},
                                      {"exceptions", std::to_string(installed->exceptions.size())}});
}

std::optional<ExceptionVerdict> LiveExceptions::verdict(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = verdicts_.find(key);
  if (it == verdicts_.end()) return std::nullopt;
  return it->second;
}

std::map<std::string, std::size_t> LiveExceptions::counts(policy::Seconds now) const {
  std::map<std::string, std::size_t> out{{"active", 0}, {"expired", 0}, {"invalid", 0}};
  std::lock_guard lock(mu_);
  for (const auto& [key, v] : verdicts_) {
    switch (exception_state(v, now)) {
      case ExceptionState::Active: ++out["active"]; break;
      case ExceptionState::Expired: ++out["expired"]; break;
      case ExceptionState::Invalid: ++out["invalid"]; break;
    }
  }
  return out;
}

}  // namespace kindlyguard::controller
