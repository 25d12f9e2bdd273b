// Fault injection: fail the next N matching requests with a status code, or delay them.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "kindly_test_apiserver/request_info.hpp"

namespace kindly::testapi {

struct FaultRule {
  // "get", "list,watch", or "*". Non-resource requests use the HTTP method ("get").
  std::string verb = "*";
  // "pods" (main resource only), "pods/status", "pods/*" (any subresource),
  // "leases.coordination.k8s.io", or "*" (everything, discovery included).
  std::string resource = "*";
  std::string ns = "*";
  std::string name = "*";
  int code = 500;       // 0 = delay only
  int count = 1;        // matching requests it applies to; -1 = until removed
  int retry_after_seconds = 1;  // Retry-After for 429 and 503
  std::string message;  // Status message; a sensible default per code when empty
  std::chrono::milliseconds delay{0};

  bool matches(const RequestInfo& info) const;
};

class FaultInjector {
 public:
  struct Decision {
    std::chrono::milliseconds delay{0};
    std::optional<FaultRule> fail;
  };

  std::uint64_t add(FaultRule rule);
  // Shorthands.
  std::uint64_t fail_next(const std::string& verb, const std::string& resource, int code, int count = 1);
  std::uint64_t add_latency(const std::string& verb, const std::string& resource, std::chrono::milliseconds delay,
                            int count = -1);
  void remove(std::uint64_t id);
  void clear();
  std::size_t size() const;

  // Matches a request against the rules, using up their counts.
  Decision evaluate(const RequestInfo& info);

 private:
  struct Entry {
    std::uint64_t id;
    FaultRule rule;
  };
  mutable std::mutex mu_;
  std::vector<Entry> rules_;
  std::uint64_t next_id_ = 1;
};

}  // namespace kindly::testapi
