// metav1.Status errors, worded as kube-apiserver words them (k8s.io/apimachinery/pkg/api/errors).
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi {

// Thrown by the store and the handlers; the HTTP layer answers it as a Status object.
class ApiError : public std::runtime_error {
 public:
  ApiError(int code, std::string reason, std::string message, nlohmann::json details = nullptr);

  int code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const nlohmann::json& details() const { return details_; }
  // Seconds for a Retry-After header (429/503/504), 0 for none.
  int retry_after() const { return retry_after_; }
  ApiError& with_retry_after(int seconds);

  nlohmann::json to_status() const;

 private:
  int code_;
  std::string reason_;
  nlohmann::json details_;
  int retry_after_ = 0;
};

namespace errors {
ApiError not_found(const ResourceInfo& r, const std::string& name);
ApiError already_exists(const ResourceInfo& r, const std::string& name);
// "Operation cannot be fulfilled on pods \"x\": <why>"
ApiError conflict(const ResourceInfo& r, const std::string& name, const std::string& why);
ApiError modified_conflict(const ResourceInfo& r, const std::string& name);
ApiError bad_request(const std::string& message);
// 422 "Pod \"x\" is invalid: field: Invalid value: ..."
ApiError invalid(const ResourceInfo& r, const std::string& name, const std::string& field, const std::string& detail,
                 const std::string& cause_reason = "FieldValueInvalid");
ApiError method_not_supported(const ResourceInfo& r, const std::string& action);
ApiError unsupported_media_type(const std::string& content_type, const std::string& accepted);
ApiError not_acceptable(const std::string& accepted);
ApiError expired(const std::string& message);  // 410 Expired
ApiError too_large_resource_version(unsigned long long wanted, unsigned long long current);
ApiError internal(const std::string& message);
ApiError too_many_requests(int retry_after_seconds);
ApiError service_unavailable(const std::string& message);
ApiError timeout(const std::string& message);
ApiError unauthorized();
ApiError forbidden(const std::string& message);
ApiError resource_not_found_path();  // unknown URL: 404 with "the server could not find the requested resource"
// Builds a Status for an arbitrary code, as fault injection needs it.
ApiError for_code(int code, const std::string& message = "");
}  // namespace errors

// {"kind":"Status","status":"Success",...} as DELETE answers for resources without a
// returned object.
nlohmann::json success_status(const ResourceInfo& r, const std::string& name, const std::string& uid);

}  // namespace kindly::testapi
