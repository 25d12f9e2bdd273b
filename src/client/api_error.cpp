// Decoding API server refusals (metav1.Status) into ApiError, the way client-go's
// k8s.io/apimachinery/pkg/api/errors does: the Status reason when there is one, else a reason
// derived from the HTTP code.
#include "kindlyguard/client/api_error.hpp"

#include <cctype>
#include <ctime>

namespace kindlyguard::client {
namespace {

// Retry-After: delta-seconds, or an HTTP-date (IMF-fixdate). Negative or unreadable: none.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view v) {
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.front()))) v.remove_prefix(1);
  while (!v.empty() && std::isspace(static_cast<unsigned char>(v.back()))) v.remove_suffix(1);
  if (v.empty()) return std::nullopt;
  bool digits = true;
  for (char c : v) digits = digits && std::isdigit(static_cast<unsigned char>(c));
  if (digits) {
    if (v.size() > 9) return std::chrono::seconds(999999999);
    return std::chrono::seconds(std::stoll(std::string(v)));
  }
  std::tm tm{};
  std::string s(v);
  if (!strptime(s.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm)) return std::nullopt;
  const std::time_t when = timegm(&tm);
  const std::time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

}  // namespace

std::string ApiError::reason_for_code(int code) {
  switch (code) {
    case 0: return "Transport";
    case 400: return "BadRequest";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "NotFound";
    case 405: return "MethodNotAllowed";
    case 406: return "NotAcceptable";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "RequestEntityTooLarge";
    case 415: return "UnsupportedMediaType";
    case 422: return "Invalid";
    case 429: return "TooManyRequests";
    case 500: return "InternalError";
    case 503: return "ServiceUnavailable";
    case 504: return "Timeout";
    default: return code >= 500 ? "InternalError" : "Unknown";
  }
}

ApiError ApiError::from_status(const nlohmann::json& status, int fallback_code) {
  ApiError e;
  e.code = fallback_code;
  if (status.is_object()) {
    if (auto it = status.find("code"); it != status.end() && it->is_number_integer()) e.code = it->get<int>();
    if (auto it = status.find("reason"); it != status.end() && it->is_string()) e.reason = it->get<std::string>();
    if (auto it = status.find("message"); it != status.end() && it->is_string()) e.message = it->get<std::string>();
    if (auto it = status.find("details"); it != status.end() && it->is_object()) {
      e.details = *it;
      if (auto ra = it->find("retryAfterSeconds"); ra != it->end() && ra->is_number_integer() && ra->get<long>() > 0)
        e.retry_after = std::chrono::seconds(ra->get<long>());
    }
  }
  if (e.reason.empty()) e.reason = reason_for_code(e.code);
  if (e.message.empty()) e.message = "the server answered " + std::to_string(e.code) + " (" + e.reason + ")";
  return e;
}

ApiError ApiError::from_response(int http_code, std::string_view body, std::string_view retry_after_header) {
  nlohmann::json status = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  ApiError e;
  if (status.is_object() && status.value("kind", "") == "Status") {
    e = from_status(status, http_code);
    e.code = http_code;  // the HTTP code wins over a Status that disagrees, as client-go does
  } else {
    e.code = http_code;
    e.reason = reason_for_code(http_code);
    std::string text(body.substr(0, 512));
    e.message = text.empty() ? "the server answered " + std::to_string(http_code) + " (" + e.reason + ")"
                             : "the server answered " + std::to_string(http_code) + ": " + text;
  }
  if (auto ra = parse_retry_after(retry_after_header)) e.retry_after = ra;
  return e;
}

namespace {
ApiError local(const char* reason, std::string message) {
  ApiError e;
  e.code = 0;
  e.reason = reason;
  e.message = std::move(message);
  return e;
}
}  // namespace

ApiError ApiError::transport(std::string message) { return local("Transport", std::move(message)); }
ApiError ApiError::canceled(std::string message) { return local("Canceled", std::move(message)); }
ApiError ApiError::client_timeout(std::string message) { return local("Timeout", std::move(message)); }
ApiError ApiError::client_error(std::string message) { return local("ClientError", std::move(message)); }

std::string ApiError::to_string() const {
  std::string out = reason.empty() ? reason_for_code(code) : reason;
  if (code != 0) out += " (" + std::to_string(code) + ")";
  if (!message.empty()) out += ": " + message;
  if (retry_after) out += " (retry after " + std::to_string(retry_after->count()) + "s)";
  return out;
}

}  // namespace kindlyguard::client
