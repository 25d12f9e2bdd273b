#include "kindlyguard/admission/handler.hpp"

#include <algorithm>

namespace kindlyguard::admission {

std::string error_body(int status, const std::string& message) {
  nlohmann::json j = {{"status", status}, {"error", message}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// A metav1.Status, which the API server's webhook client decodes into the error it reports. No
// Retry-After: with one, client-go would retry within the review's timeout instead of failing.
std::string unavailable_body(const std::string& message) {
  nlohmann::json j = {{"apiVersion", "v1"}, {"kind", "Status"},   {"status", "Failure"},
                      {"message", message}, {"reason", "ServiceUnavailable"}, {"code", 503}};
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

// The core's decision, or, should it ever throw (a bug: the pod view checks the type of every
// field a rule reads, so a mistyped field is a 400 denial naming it, not an exception), a denial
// that says so. Refused rather than answered 500: an input that breaks the judge must not be
// admitted under failurePolicy Ignore.
// The same holds for the validation of kindlyguard's own resources.
template <class Judge>
policy::Decision judge_or_refuse(Judge&& judge) {
  try {
    return judge();
  } catch (const std::exception& e) {
    policy::Decision d;
    d.judged = true;
    d.allowed = false;
    d.code = 500;
    d.message = std::string("kindlyguard failed to judge this request and refuses it (internal error: ") + e.what() +
                "); please report it with the object";
    d.note = d.message;
    return d;
  }
}

}  // namespace

void Handler::set_exceptions(std::function<policy::ExceptionSetPtr()> exceptions, policy::OwnerLookupFn owners) {
  exceptions_ = std::move(exceptions);
  owners_ = std::move(owners);
}

void Handler::set_clock(std::function<policy::Seconds()> now) { now_ = std::move(now); }

void Handler::set_exception_approval(ExceptionApproval approval) { approval_ = std::move(approval); }

policy::Decision Handler::decide(const policy::Request& req) const {
  if (is_own_resource(req)) return judge_or_refuse([&] { return validate_own_resource(req, approval_); });
  policy::PolicySetPtr set = store_.get();  // one set for the whole request
  policy::ExceptionSetPtr exceptions = exceptions_ ? exceptions_() : nullptr;  // and one exception set
  policy::Seconds now = now_ ? now_() : std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return judge_or_refuse([&] {
    return policy::evaluate(*set, req, namespace_labels_, policy::ExceptionScope{exceptions.get(), now, owners_});
  });
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
  if (missing_policy_set_ && !is_own_resource(req))
    if (std::string why = missing_policy_set_(); !why.empty()) {
      for (auto* o : observers_) o->on_unjudged(req, why);
      return {503, unavailable_body("kindlyguard has no policy set loaded yet: " + why +
                                    "; this review was not judged (the webhook's failurePolicy decides)")};
    }

  policy::Decision decision = decide(req);
  for (const auto& guard : guards_) {
    GuardDenial denial = guard(req);
    if (denial.message.empty()) continue;
    decision.judged = true;
    // A policy's denial (403) is final; a guard's "retry later" (429) only stands alone.
    decision.code = decision.allowed ? denial.code : std::min(decision.code, denial.code);
    decision.allowed = false;
    decision.message = decision.message.empty() ? denial.message : decision.message + "; " + denial.message;
  }
  std::string out = encode_response((*review)->api_version, req.uid, decision);
  auto latency = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  for (auto* o : observers_) o->on_decision(req, decision, latency);
  if (exception_approved_ && !req.dry_run && !exception_approved_by(req, decision).empty()) exception_approved_(req);
  return {200, std::move(out)};
}

}  // namespace kindlyguard::admission
