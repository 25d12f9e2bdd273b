#include "kindly_test_apiserver/status.hpp"

namespace kindly::testapi {

using nlohmann::json;

ApiError::ApiError(int code, std::string reason, std::string message, json details)
    : std::runtime_error(std::move(message)), code_(code), reason_(std::move(reason)), details_(std::move(details)) {}

ApiError& ApiError::with_retry_after(int seconds) {
  retry_after_ = seconds;
  if (seconds > 0) {
    if (!details_.is_object()) details_ = json::object();
    details_["retryAfterSeconds"] = seconds;
  }
  return *this;
}

json ApiError::to_status() const {
  json s = {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Failure"}};
  if (what()[0] != '\0') s["message"] = what();
  if (!reason_.empty()) s["reason"] = reason_;
  if (details_.is_object() && !details_.empty()) s["details"] = details_;
  s["code"] = code_;
  return s;
}

namespace errors {

namespace {
json resource_details(const ResourceInfo& r, const std::string& name) {
  json d = json::object();
  if (!name.empty()) d["name"] = name;
  if (!r.group.empty()) d["group"] = r.group;
  d["kind"] = r.plural;
  return d;
}
}  // namespace

ApiError not_found(const ResourceInfo& r, const std::string& name) {
  return {404, "NotFound", r.qualified() + " \"" + name + "\" not found", resource_details(r, name)};
}

ApiError already_exists(const ResourceInfo& r, const std::string& name) {
  return {409, "AlreadyExists", r.qualified() + " \"" + name + "\" already exists", resource_details(r, name)};
}

ApiError conflict(const ResourceInfo& r, const std::string& name, const std::string& why) {
  return {409, "Conflict", "Operation cannot be fulfilled on " + r.qualified() + " \"" + name + "\": " + why,
          resource_details(r, name)};
}

ApiError modified_conflict(const ResourceInfo& r, const std::string& name) {
  return conflict(r, name,
                  "the object has been modified; please apply your changes to the latest version and try again");
}

ApiError bad_request(const std::string& message) { return {400, "BadRequest", message}; }

ApiError invalid(const ResourceInfo& r, const std::string& name, const std::string& field, const std::string& detail,
                 const std::string& cause_reason) {
  json d = json::object();
  if (!name.empty()) d["name"] = name;
  if (!r.group.empty()) d["group"] = r.group;
  d["kind"] = r.kind;
  d["causes"] = json::array({{{"reason", cause_reason}, {"message", detail}, {"field", field}}});
  return {422, "Invalid", r.kind + " \"" + name + "\" is invalid: " + field + ": " + detail, d};
}

ApiError method_not_supported(const ResourceInfo& r, const std::string& action) {
  json d = json::object();
  if (!r.group.empty()) d["group"] = r.group;
  d["kind"] = r.plural;
  return {405, "MethodNotAllowed", action + " is not supported on resources of kind \"" + r.qualified() + "\"", d};
}

ApiError unsupported_media_type(const std::string& content_type, const std::string& accepted) {
  return {415, "UnsupportedMediaType",
          "the body of the request was in an unknown format - accepted media types include: " + accepted,
          json{{"causes", json::array({{{"reason", "UnexpectedServerResponse"}, {"message", content_type}}})}}};
}

ApiError not_acceptable(const std::string& accepted) {
  return {406, "NotAcceptable", "only the following media types are accepted: " + accepted};
}

ApiError expired(const std::string& message) { return {410, "Expired", message}; }

ApiError too_large_resource_version(unsigned long long wanted, unsigned long long current) {
  json d = {{"causes", json::array({{{"reason", "ResourceVersionTooLarge"}, {"message", "Too large resource version"}}})},
            {"retryAfterSeconds", 1}};
  ApiError e(504, "Timeout",
             "Too large resource version: " + std::to_string(wanted) + ", current: " + std::to_string(current), d);
  e.with_retry_after(1);
  return e;
}

ApiError internal(const std::string& message) {
  return {500, "InternalError", "Internal error occurred: " + message,
          json{{"causes", json::array({{{"message", message}}})}}};
}

ApiError too_many_requests(int retry_after_seconds) {
  ApiError e(429, "TooManyRequests", "Too many requests, please try again later.");
  e.with_retry_after(retry_after_seconds);
  return e;
}

ApiError service_unavailable(const std::string& message) { return {503, "ServiceUnavailable", message}; }

ApiError timeout(const std::string& message) { return {504, "Timeout", "Timeout: " + message}; }

ApiError unauthorized() { return {401, "Unauthorized", "Unauthorized"}; }

ApiError forbidden(const std::string& message) { return {403, "Forbidden", message}; }

ApiError resource_not_found_path() {
  return {404, "NotFound", "the server could not find the requested resource", json{{"causes", json::array({{
      {"reason", "UnexpectedServerResponse"}, {"message", "404 page not found"}}})}}};
}

ApiError for_code(int code, const std::string& message) {
  switch (code) {
    case 400: return bad_request(message.empty() ? "injected bad request" : message);
    case 401: return unauthorized();
    case 403: return forbidden(message.empty() ? "injected: forbidden" : message);
    case 404: return {404, "NotFound", message.empty() ? "injected: not found" : message};
    case 409: return {409, "Conflict", message.empty() ? "injected: conflict" : message};
    case 410: return expired(message.empty() ? "injected: too old resource version" : message);
    case 422: return {422, "Invalid", message.empty() ? "injected: invalid" : message};
    case 429: return too_many_requests(1);
    case 500: return internal(message.empty() ? "injected fault" : message);
    case 503: return service_unavailable(message.empty() ? "injected: service unavailable" : message);
    case 504: return timeout(message.empty() ? "injected: request did not complete within the allotted timeout"
                                             : message);
    default: return {code, "", message.empty() ? "injected fault" : message};
  }
}

}  // namespace errors

json success_status(const ResourceInfo& r, const std::string& name, const std::string& uid) {
  json d = {{"name", name}, {"group", r.group}, {"kind", r.plural}};
  if (!uid.empty()) d["uid"] = uid;
  return {{"kind", "Status"}, {"apiVersion", "v1"}, {"metadata", json::object()}, {"status", "Success"}, {"details", d}};
}

}  // namespace kindly::testapi
