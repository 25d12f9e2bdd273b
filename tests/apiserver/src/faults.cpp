#include "kindly_test_apiserver/faults.hpp"

#include <algorithm>

#include "util.hpp"

namespace kindly::testapi {

namespace {
bool match_list(const std::string& pattern, const std::string& value) {
  if (pattern.empty() || pattern == "*") return true;
  for (const auto& p : util::split(pattern, ',')) {
    if (util::trim(p) == value) return true;
  }
  return false;
}
}  // namespace

bool FaultRule::matches(const RequestInfo& info) const {
  if (!match_list(verb, info.verb)) return false;
  if (resource != "*" && !resource.empty()) {
    if (!info.is_resource_request) return false;
    std::string plural = resource, sub;
    const auto slash = resource.find('/');
    if (slash != std::string::npos) {
      plural = resource.substr(0, slash);
      sub = resource.substr(slash + 1);
    }
    std::string group;
    const auto dot = plural.find('.');
    if (dot != std::string::npos) {
      group = plural.substr(dot + 1);
      plural = plural.substr(0, dot);
      if (group != info.api_group) return false;
    }
    if (plural != info.resource) return false;
    if (sub.empty() ? !info.subresource.empty() : (sub != "*" && sub != info.subresource)) return false;
  }
  if (!match_list(ns, info.ns)) return false;
  if (!match_list(name, info.name)) return false;
  return true;
}

std::uint64_t FaultInjector::add(FaultRule rule) {
  std::lock_guard lock(mu_);
  rules_.push_back({next_id_, std::move(rule)});
  return next_id_++;
}

std::uint64_t FaultInjector::fail_next(const std::string& verb, const std::string& resource, int code, int count) {
  FaultRule r;
  r.verb = verb;
  r.resource = resource;
  r.code = code;
  r.count = count;
  return add(std::move(r));
}

std::uint64_t FaultInjector::add_latency(const std::string& verb, const std::string& resource,
                                         std::chrono::milliseconds delay, int count) {
  FaultRule r;
  r.verb = verb;
  r.resource = resource;
  r.code = 0;
  r.count = count;
  r.delay = delay;
  return add(std::move(r));
}

void FaultInjector::remove(std::uint64_t id) {
  std::lock_guard lock(mu_);
  rules_.erase(std::remove_if(rules_.begin(), rules_.end(), [&](const Entry& e) { return e.id == id; }),
               rules_.end());
}

void FaultInjector::clear() {
  std::lock_guard lock(mu_);
  rules_.clear();
}

std::size_t FaultInjector::size() const {
  std::lock_guard lock(mu_);
  return rules_.size();
}

FaultInjector::Decision FaultInjector::evaluate(const RequestInfo& info) {
  std::lock_guard lock(mu_);
  Decision d;
  for (auto& e : rules_) {
    if (!e.rule.matches(info)) continue;
    if (e.rule.code == 0) {
      d.delay += e.rule.delay;
    } else if (!d.fail) {
      d.delay += e.rule.delay;
      d.fail = e.rule;
    } else {
      continue;  // a second failure rule is kept for a later request
    }
    if (e.rule.count > 0) --e.rule.count;
  }
  rules_.erase(std::remove_if(rules_.begin(), rules_.end(), [](const Entry& e) { return e.rule.count == 0; }),
               rules_.end());
  return d;
}

}  // namespace kindly::testapi
