#include "kindlyguard/admission/handler.hpp"

namespace kindlyguard::admission {

std::string error_body(int status, const std::string& message) {
  nlohmann::json j = {{"status", status}, {"error", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Outcome Handler::handle(std::string_view body) const {
  auto start = std::chrono::steady_clock::now();
  auto review = decode_review(body);
  if (!review.ok()) {
    std::string reason = review.error().to_string();
    for (auto* o : observers_) o->on_rejected_review(reason);
    return {400, error_body(400, "invalid AdmissionReview: " + reason)};
  }
  const policy::Request& req = (*review)->request;

  policy::PolicySetPtr set = store_.get();  // one set for the whole request
  policy::Decision decision = policy::evaluate(*set, req, namespace_labels_);
  for (const auto& guard : guards_) {
    std::string denial = guard(req);
    if (denial.empty()) continue;
    decision.judged = true;
    decision.allowed = false;
    decision.code = 403;
    decision.message = decision.message.empty() ? denial : decision.message + "; " + denial;
  }
  std::string out = encode_response((*review)->api_version, req.uid, decision);
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  for (auto* o : observers_) o->on_decision(req, decision, latency);
  return {200, std::move(out)};
}

}  // namespace kindlyguard::admission
