#pragma once
// admission.k8s.io/v1 AdmissionReview: decoding requests into the core's Request and encoding the
// core's Decision into the response the API server expects.

#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::admission {

// A decoded review: owns the JSON document; `request` points into it.
struct Review {
  nlohmann::json document;
  policy::Request request;
  std::string api_version;  // echoed back: admission.k8s.io/v1
};

// Fails (with a message for a 400 response) on malformed JSON, a wrong apiVersion or kind, a
// missing request or uid, or an unknown operation.
Result<std::unique_ptr<Review>> decode_review(std::string_view body);

// The AdmissionReview response for `uid`.
std::string encode_response(const std::string& api_version, const std::string& uid, const policy::Decision& d);

}  // namespace kindlyguard::admission
