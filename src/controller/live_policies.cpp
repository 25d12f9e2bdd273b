#include "kindlyguard/controller/live_policies.hpp"

#include <vector>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::controller {

namespace {
std::string name_of(const nlohmann::json& o) {
  const auto* md = o.is_object() && o.contains("metadata") ? &o["metadata"] : nullptr;
  return md && md->is_object() && (*md)["name"].is_string() ? (*md)["name"].get<std::string>() : "";
}
std::int64_t generation_of(const nlohmann::json& o) {
  const auto& md = o["metadata"];
  return md.contains("generation") && md["generation"].is_number_integer() ? md["generation"].get<std::int64_t>() : 0;
}
}  // namespace

void LivePolicies::upsert(const nlohmann::json& object) {
  const std::string name = name_of(object);
  if (name.empty()) return;
  const std::int64_t generation = generation_of(object);
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
    const bool unchanged_verdict = [&] {
      auto it = readiness_.find(name);
      return it != readiness_.end() && it->second.ready == r.ready && it->second.message == r.message &&
             it->second.observed_generation == r.observed_generation;
    }();
    readiness_[name] = std::move(r);
    // A status-only update (our own write) changes nothing in force: no new set.
    if (!(unchanged_verdict)) publish_locked();
  }
  for (const auto& f : listeners_) f(name);
}

void LivePolicies::remove(const nlohmann::json& object) {
  const std::string name = name_of(object);
  if (name.empty()) return;
  {
    std::lock_guard lock(mu_);
    valid_.erase(name);
    readiness_.erase(name);
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
