// Every request the server answered, in Kubernetes terms, for assertions and RBAC checks.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "kindly_test_apiserver/request_info.hpp"

namespace kindly::testapi {

struct RequestRecord {
  std::uint64_t seq = 0;
  std::chrono::system_clock::time_point time;
  std::string method;
  std::string path;
  std::string query;  // raw query string
  RequestInfo info;   // verb, api_group, api_version, resource, subresource, ns, name
  std::string user;
  std::vector<std::string> groups;
  int code = 0;            // for watches: the status the stream started with
  bool injected = false;   // answered by fault injection
  std::string content_type;
  std::string user_agent;
  std::string body;        // request body, first 64 KiB

  nlohmann::json to_json() const;
};

// Empty string fields match anything. resource: "pods", "pods/status", "leases.coordination.k8s.io".
struct RequestFilter {
  std::string verb{};
  std::string resource{};
  std::string ns{};
  std::string name{};
  std::string user{};
  std::optional<int> code{};

  bool matches(const RequestRecord& r) const;
};

class RequestLog {
 public:
  void add(RequestRecord r);
  std::vector<RequestRecord> all() const;
  std::vector<RequestRecord> find(const RequestFilter& f) const;
  std::size_t count(const RequestFilter& f) const;
  void clear();

  // Event-driven waits (re-checked on every new record).
  bool wait_for(const RequestFilter& f, std::size_t at_least, std::chrono::milliseconds timeout) const;
  bool wait_until(const std::function<bool(const std::vector<RequestRecord>&)>& pred,
                  std::chrono::milliseconds timeout) const;

  // Distinct (apiGroup, resource[/subresource], verb) of the resource requests made, optionally
  // by one user: what an RBAC Role must grant.
  std::set<std::tuple<std::string, std::string, std::string>> permissions(const std::string& user = "") const;

  nlohmann::json to_json(const RequestFilter& f = {}) const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<RequestRecord> records_;
  std::uint64_t next_seq_ = 1;
};

}  // namespace kindly::testapi
