#include "kindlyguard/controller/exception_usage.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace kindlyguard::controller {

policy::Seconds ExceptionUsage::now() const {
  return now_ ? now_() : std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

void ExceptionUsage::on_decision(const policy::Request& request, const policy::Decision& decision,
                                 std::chrono::microseconds) {
  if (request.dry_run || decision.excused.empty()) return;
  const auto at = now();
  std::set<std::string> keys;
  for (const auto& x : decision.excused) keys.insert(x.exception);
  for (const auto& key : keys) record_use(key, at);
}

void ExceptionUsage::record_use(const std::string& key, policy::Seconds at) {
  bool tell = false;
  {
    std::lock_guard lock(mu_);
    auto& u = uses_[key];
    if (!u.last || *u.last < at) u.last = at;
    tell = !u.told;
    u.told = true;
  }
  if (tell && news_) news_(key);
}

void ExceptionUsage::set_matched(const std::map<std::string, std::size_t>& matched, policy::Seconds at) {
  std::vector<std::string> changed;
  {
    std::lock_guard lock(mu_);
    for (auto& [key, u] : uses_) {
      auto it = matched.find(key);
      const std::size_t n = it == matched.end() ? 0 : it->second;
      if (n != u.matched) changed.push_back(key);
      u.matched = n;
    }
    for (const auto& [key, n] : matched) {
      if (uses_.count(key)) continue;
      uses_[key].matched = n;
      if (n != 0) changed.push_back(key);
    }
    // An audit that excused something is a use, counted at most once per audit_use_every: an
    // audit that finds what the last one found must not cost a status write each time (issue 21).
    for (const auto& [key, n] : matched)
      if (n > 0) {
        auto& u = uses_[key];
        if (u.last && *u.last + audit_use_every_ > at) continue;
        u.last = at;
        if (!u.told) {
          u.told = true;
          changed.push_back(key);
        }
      }
  }
  if (!news_) return;
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  for (const auto& key : changed) news_(key);
}

std::optional<policy::Seconds> ExceptionUsage::last_used(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = uses_.find(key);
  return it == uses_.end() ? std::nullopt : it->second.last;
}

std::size_t ExceptionUsage::matched(const std::string& key) const {
  std::lock_guard lock(mu_);
  auto it = uses_.find(key);
  return it == uses_.end() ? 0 : it->second.matched;
}

bool ExceptionUsage::written(const std::string& key, policy::Seconds at) {
  std::lock_guard lock(mu_);
  auto it = uses_.find(key);
  if (it == uses_.end()) return false;
  const bool later = it->second.last && *it->second.last > at;
  it->second.told = later;
  return later;
}

void ExceptionUsage::forget(const std::string& key) {
  std::lock_guard lock(mu_);
  uses_.erase(key);
}

}  // namespace kindlyguard::controller
