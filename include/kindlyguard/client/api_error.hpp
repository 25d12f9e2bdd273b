#pragma once
// What the Kubernetes API server said when it refused a request, as a value: the HTTP code, the
// metav1.Status reason (NotFound, AlreadyExists, Conflict, Expired, ...) and message, and the
// Retry-After the server asked for. A transport failure (no HTTP answer at all) has code 0.
// ApiResult<T> is a kindlyguard::Result whose error is an ApiError.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::client {

struct ApiError {
  int code = 0;            // HTTP status; 0 = no HTTP answer (see reason: Transport, Timeout, Canceled, ClientError)
  std::string reason;      // metav1.StatusReason, e.g. "NotFound"; derived from the code when absent
  std::string message;     // the server's message, or what went wrong on the wire
  std::optional<std::chrono::seconds> retry_after;  // Retry-After header or details.retryAfterSeconds
  nlohmann::json details;  // Status.details (name, kind, causes) when given

  bool is_not_found() const { return is("NotFound", 404); }
  bool is_already_exists() const { return reason == "AlreadyExists"; }  // 409 too, but not Conflict
  bool is_conflict() const { return reason == "Conflict" || (code == 409 && reason != "AlreadyExists"); }
  // 410: Gone (continue token or watch too old) or Expired (resourceVersion compacted). Either way:
  // relist.
  bool is_gone() const { return code == 410 || reason == "Gone" || reason == "Expired"; }
  bool is_forbidden() const { return is("Forbidden", 403); }
  bool is_unauthorized() const { return is("Unauthorized", 401); }
  bool is_invalid() const { return is("Invalid", 422); }
  bool is_too_many_requests() const { return is("TooManyRequests", 429); }
  bool is_timeout() const { return reason == "Timeout" || reason == "ServerTimeout" || code == 504; }
  bool is_server_error() const { return code >= 500; }
  // No answer: connection refused or reset, TLS failure, a stream cut mid-body.
  bool is_transport() const { return code == 0 && reason == "Transport"; }
  // The caller's stop request ended the call.
  bool is_canceled() const { return code == 0 && reason == "Canceled"; }
  // Worth trying again after a pause: throttled, server trouble, no answer, out of time.
  bool is_retryable() const { return is_too_many_requests() || is_server_error() || is_transport() || is_timeout(); }

  // "NotFound (404): pods \"web\" not found"
  std::string to_string() const;
  Error to_error() const { return Error{to_string(), ""}; }

  // Decodes a response that is not a success. `body` is usually a metav1.Status; anything else
  // (an HTML page from a proxy, empty) still gives a typed error from the code alone.
  // `retry_after_header` is the raw Retry-After header value, if any (seconds or an HTTP date).
  static ApiError from_response(int http_code, std::string_view body, std::string_view retry_after_header = {});
  // From a metav1.Status object (as carried by a watch ERROR event).
  static ApiError from_status(const nlohmann::json& status, int fallback_code = 0);
  // Failures with no HTTP answer (code 0).
  static ApiError transport(std::string message);          // reason Transport
  static ApiError canceled(std::string message);           // reason Canceled
  static ApiError client_timeout(std::string message);     // reason Timeout: the call's deadline passed
  static ApiError client_error(std::string message);       // reason ClientError: we refused to send it
  // The reason the API server uses for a code when a Status carries none.
  static std::string reason_for_code(int code);

 private:
  bool is(std::string_view r, int c) const { return reason == r || ((reason.empty() || reason == "Unknown") && code == c); }
};

template <class T>
using ApiResult = Result<T, ApiError>;

}  // namespace kindlyguard::client
