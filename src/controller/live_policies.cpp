#include "kindlyguard/controller/live_policies.hpp"

#include <vector>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

void LivePolicies::upsert(const nlohmann::json& object) {
  const k8s::Meta meta(object);
  const std::string name = meta.name();
  if (name.empty()) return;
  {
    // A status or metadata update (above all our own status writes) must start no work: no parse,
    // no new set, no listener. Comparing the spec covers the generation (which the API server bumps
    // only for spec changes) and also CRDs without the status subresource and objects without one.
    Judged now{meta.uid(), object.value("spec", nlohmann::json())};
    std::lock_guard lock(mu_);
    auto it = judged_.find(name);
    if (it != judged_.end() && it->second.uid == now.uid && it->second.spec == now.spec) return;
    judged_[name] = std::move(now);
  }
  const std::int64_t generation = meta.generation();
  auto parsed = policy::parse_policy(object);
  {
    std::lock_guard lock(mu_);
    PolicyReadiness r;
    r.observed_generation = generation;
    if (parsed.ok()) {
      auto& p = *parsed;
      p.generation = generation;
      valid_[name] = std::move(p);
      r.ready = true;
      r.reason = "Accepted";
      r.message = "The policy is in force.";
      r.generation_in_force = generation;
    } else {
      r.ready = false;
      r.reason = "Invalid";
      r.message = parsed.error().to_string();
      auto it = valid_.find(name);
      if (it != valid_.end()) {
        r.generation_in_force = it->second.generation;
        r.message += " The previous valid version (generation " + std::to_string(it->second.generation) +
                     ") stays in force until this is fixed.";
      } else {
        r.message += " The policy is not in force until this is fixed.";
      }
      log::warn("SecurityPolicy is invalid", {{"policy", name}, {"generation", std::to_string(generation)},
                                              {"error", parsed.error().to_string()}});
    }
    readiness_[name] = std::move(r);
    // Only a new spec or a new object gets here (status-only updates returned above), so the set
    // is installed again: with the same verdict, it still carries the new uid (Events name it).
    publish_locked();
  }
  for (const auto& f : listeners_) f(name);
}

void LivePolicies::remove(const nlohmann::json& object) {
  const std::string name = k8s::Meta(object).name();
  if (name.empty()) return;
  {
    std::lock_guard lock(mu_);
    valid_.erase(name);
    readiness_.erase(name);
    judged_.erase(name);
    publish_locked();
  }
  for (const auto& f : listeners_) f(name);
}

void LivePolicies::publish_locked() {
  std::vector<policy::SecurityPolicy> set;
  set.reserve(valid_.size());
  for (const auto& [name, p] : valid_) set.push_back(p);
  auto installed = store_.replace(std::move(set));
  log::info("policy set updated", {{"version", std::to_string(installed->version)},
                                   {"policies", std::to_string(installed->policies.size())}});
}

std::optional<PolicyReadiness> LivePolicies::readiness(const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = readiness_.find(name);
  if (it == readiness_.end()) return std::nullopt;
  return it->second;
}

std::size_t LivePolicies::in_force() const {
  std::lock_guard lock(mu_);
  return valid_.size();
}

std::size_t LivePolicies::invalid() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& [name, r] : readiness_) n += r.ready ? 0 : 1;
  return n;
}

std::map<std::pair<std::string, bool>, std::size_t> LivePolicies::counts() const {
  std::lock_guard lock(mu_);
  std::map<std::pair<std::string, bool>, std::size_t> out;
  for (const auto& [name, r] : readiness_) {
    auto it = valid_.find(name);
    const std::string enforcement = it != valid_.end() ? policy::to_string(it->second.enforcement) : "Unknown";
    ++out[{enforcement, r.ready}];
  }
  return out;
}

}  // namespace kindlyguard::controller
