// The pods/log subresource. See pod_logs.hpp.
#include "kindly_test_apiserver/pod_logs.hpp"

#include <boost/beast/http.hpp>

#include <algorithm>

#include "server_impl.hpp"

namespace kindly::testapi {

using nlohmann::json;

void PodLogs::set(const std::string& ns, const std::string& pod, const std::string& container, std::string text,
                  bool previous) {
  std::lock_guard lock(mu_);
  logs_[{ns, pod, container, previous}] = std::move(text);
}

void PodLogs::clear() {
  std::lock_guard lock(mu_);
  logs_.clear();
}

std::optional<std::string> PodLogs::get(const std::string& ns, const std::string& pod, const std::string& container,
                                        bool previous) const {
  std::lock_guard lock(mu_);
  auto it = logs_.find({ns, pod, container, previous});
  if (it == logs_.end()) return std::nullopt;
  return it->second;
}

namespace {

long long non_negative(const Query& q, const std::string& key) {
  const std::string v = query_value(q, key);
  if (v.empty()) return -1;
  try {
    std::size_t used = 0;
    const long long n = std::stoll(v, &used);
    if (used == v.size() && n >= 0) return n;
  } catch (...) {
  }
  throw errors::bad_request("invalid " + key + ": \"" + v + "\"");
}

// The last n lines (a final line without a newline counts), as the kubelet's tail does.
std::string tail_lines(const std::string& text, long long n) {
  if (n < 0) return text;
  if (n == 0) return "";
  std::size_t pos = text.size();
  if (pos > 0 && text[pos - 1] == '\n') --pos;
  for (long long seen = 0; pos > 0; --pos)
    if (text[pos - 1] == '\n' && ++seen == n) break;
  return text.substr(pos);
}

}  // namespace

bool TestApiServer::Impl::serve_pod_log(HttpRequest& req, Connection& conn, const ResourceInfo& pods, const std::string& ns,
                                        const std::string& name, const Query& q, RequestRecord& rec) {
  const json pod = store.get(pods, ns, name);  // 404 pods "x" not found
  std::vector<std::string> names;
  for (const char* field : {"initContainers", "containers", "ephemeralContainers"})
    for (const auto& c : pod["spec"].value(field, json::array())) names.push_back(c.value("name", ""));
  std::string container = query_value(q, "container");
  if (container.empty()) {
    const auto& main = pod["spec"].value("containers", json::array());
    if (main.size() != 1) {
      std::string list;
      for (const auto& c : main) list += (list.empty() ? "" : " ") + c.value("name", "");
      throw errors::bad_request("a container name must be specified for pod " + name + ", choose one of: [" + list + "]");
    }
    container = main[0].value("name", "");
  }
  if (std::find(names.begin(), names.end(), container) == names.end())
    throw errors::bad_request("container " + container + " is not valid for pod " + name);
  const bool previous = query_flag(q, "previous");
  auto text = pod_logs.get(ns, name, container, previous);
  if (!text) {
    if (previous)
      throw errors::bad_request("previous terminated container \"" + container + "\" in pod \"" + name + "\" not found");
    throw errors::bad_request("container \"" + container + "\" in pod \"" + name + "\" is waiting to start: ContainerCreating");
  }
  std::string body = tail_lines(*text, non_negative(q, "tailLines"));
  if (const long long limit = non_negative(q, "limitBytes"); limit >= 0 && static_cast<std::size_t>(limit) < body.size())
    body.resize(static_cast<std::size_t>(limit));
  return reply_text(req, conn, 200, body, &rec);
}

}  // namespace kindly::testapi
