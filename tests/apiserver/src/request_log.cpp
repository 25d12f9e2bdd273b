#include "kindly_test_apiserver/request_log.hpp"

#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

json RequestRecord::to_json() const {
  json j = {{"seq", seq},
            {"time", util::rfc3339_micro(time)},
            {"method", method},
            {"path", path},
            {"query", query},
            {"verb", info.verb},
            {"resourceRequest", info.is_resource_request},
            {"apiGroup", info.api_group},
            {"apiVersion", info.api_version},
            {"resource", info.resource},
            {"subresource", info.subresource},
            {"namespace", info.ns},
            {"name", info.name},
            {"user", user},
            {"groups", groups},
            {"code", code},
            {"injected", injected},
            {"contentType", content_type},
            {"userAgent", user_agent}};
  return j;
}

bool RequestFilter::matches(const RequestRecord& r) const {
  if (!verb.empty() && verb != r.info.verb) return false;
  if (!resource.empty()) {
    std::string want = resource;
    std::string group;
    const auto slash = want.find('/');
    std::string sub = slash == std::string::npos ? "" : want.substr(slash + 1);
    std::string plural = slash == std::string::npos ? want : want.substr(0, slash);
    const auto dot = plural.find('.');
    if (dot != std::string::npos) {
      group = plural.substr(dot + 1);
      plural = plural.substr(0, dot);
      if (group != r.info.api_group) return false;
    }
    if (plural != r.info.resource || sub != r.info.subresource) return false;
  }
  if (!ns.empty() && ns != r.info.ns) return false;
  if (!name.empty() && name != r.info.name) return false;
  if (!user.empty() && user != r.user) return false;
  if (code && *code != r.code) return false;
  return true;
}

void RequestLog::add(RequestRecord r) {
  {
    std::lock_guard lock(mu_);
    r.seq = next_seq_++;
    records_.push_back(std::move(r));
  }
  cv_.notify_all();
}

std::vector<RequestRecord> RequestLog::all() const {
  std::lock_guard lock(mu_);
  return records_;
}

std::vector<RequestRecord> RequestLog::find(const RequestFilter& f) const {
  std::lock_guard lock(mu_);
  std::vector<RequestRecord> out;
  for (const auto& r : records_) {
    if (f.matches(r)) out.push_back(r);
  }
  return out;
}

std::size_t RequestLog::count(const RequestFilter& f) const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& r : records_) n += f.matches(r) ? 1 : 0;
  return n;
}

void RequestLog::clear() {
  std::lock_guard lock(mu_);
  records_.clear();
}

bool RequestLog::wait_for(const RequestFilter& f, std::size_t at_least, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] {
    std::size_t n = 0;
    for (const auto& r : records_) n += f.matches(r) ? 1 : 0;
    return n >= at_least;
  });
}

bool RequestLog::wait_until(const std::function<bool(const std::vector<RequestRecord>&)>& pred,
                            std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return pred(records_); });
}

std::set<std::tuple<std::string, std::string, std::string>> RequestLog::permissions(const std::string& user) const {
  std::lock_guard lock(mu_);
  std::set<std::tuple<std::string, std::string, std::string>> out;
  for (const auto& r : records_) {
    if (!r.info.is_resource_request) continue;
    if (!user.empty() && r.user != user) continue;
    out.emplace(r.info.api_group, r.info.resource_path(), r.info.verb);
  }
  return out;
}

json RequestLog::to_json(const RequestFilter& f) const {
  json arr = json::array();
  for (const auto& r : find(f)) arr.push_back(r.to_json());
  return arr;
}

}  // namespace kindly::testapi
