#include "kindlyguard/admission/review.hpp"

#include <cctype>
#include <map>
#include <string_view>

#include "kindlyguard/admission/review_json.hpp"
#include "kindlyguard/util/json_write.hpp"

namespace kindlyguard::admission {
namespace {

using nlohmann::json;

const json* member(const json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  return it == j.end() || it->is_null() ? nullptr : &*it;
}

std::string string_at(const json& j, const char* key) {
  const json* v = member(j, key);
  return v && v->is_string() ? v->get<std::string>() : std::string();
}

// The API server prefixes audit annotation keys with the webhook name and requires the rest to
// be a qualified-name part: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends.
std::string annotation_key(const std::string& key) {
  std::string out;
  for (char c : key) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "violation" : out;
}

}  // namespace

Result<std::unique_ptr<Review>> decode_review(std::string_view body) {
  auto parsed = parse_review_json(body);
  if (!parsed.ok()) return parsed.error();
  auto review = std::make_unique<Review>();
  review->document = std::move(*parsed);
  const json& doc = review->document;
  if (!doc.is_object()) return Error{"expected an AdmissionReview object", ""};
  std::string api = string_at(doc, "apiVersion");
  if (api != "admission.k8s.io/v1")
    return Error{"unsupported apiVersion \"" + api + "\": send admission.k8s.io/v1 (set admissionReviewVersions: [v1])",
                 "apiVersion"};
  if (string_at(doc, "kind") != "AdmissionReview")
    return Error{"expected kind AdmissionReview, got \"" + string_at(doc, "kind") + "\"", "kind"};
  review->api_version = api;
  const json* req = member(doc, "request");
  if (!req || !req->is_object()) return Error{"the review has no request", "request"};

  policy::Request& r = review->request;
  r.uid = string_at(*req, "uid");
  if (r.uid.empty()) return Error{"the request has no uid", "request.uid"};
  std::string op = string_at(*req, "operation");
  if (op == "CREATE") r.operation = policy::Operation::Create;
  else if (op == "UPDATE") r.operation = policy::Operation::Update;
  else if (op == "DELETE") r.operation = policy::Operation::Delete;
  else if (op == "CONNECT") r.operation = policy::Operation::Connect;
  else return Error{"unknown operation \"" + op + "\": expected CREATE, UPDATE, DELETE or CONNECT", "request.operation"};

  if (const json* kind = member(*req, "kind")) r.kind = string_at(*kind, "kind");
  if (const json* res = member(*req, "resource")) {
    r.resource = string_at(*res, "resource");
    r.group = string_at(*res, "group");
  }
  r.sub_resource = string_at(*req, "subResource");
  r.namespace_ = string_at(*req, "namespace");
  r.name = string_at(*req, "name");
  if (const json* user = member(*req, "userInfo")) {
    r.username = string_at(*user, "username");
    if (const json* groups = member(*user, "groups"); groups && groups->is_array())
      for (const auto& g : *groups)
        if (g.is_string()) r.groups.push_back(g.get<std::string>());
  }
  if (const json* dry = member(*req, "dryRun"); dry && dry->is_boolean()) r.dry_run = dry->get<bool>();
  r.object = member(*req, "object");
  r.old_object = member(*req, "oldObject");
  if (r.object && !r.object->is_object()) return Error{"request.object must be an object", "request.object"};
  if (r.old_object && !r.old_object->is_object()) return Error{"request.oldObject must be an object", "request.oldObject"};
  if ((r.operation == policy::Operation::Create || r.operation == policy::Operation::Update) && !r.object)
    return Error{"a " + op + " request must carry the object", "request.object"};
  // Some clients omit the object's kind (or send null); the request's kind is authoritative.
  if (r.object && !r.kind.empty() && !member(*r.object, "kind")) {
    json& obj = review->document["request"]["object"];
    obj["kind"] = r.kind;
    r.object = &obj;
  }
  return review;
}

// Written directly rather than built as an nlohmann object and dumped: the same bytes (keys in
// nlohmann's sorted order), at a fraction of the allocations, on every request.
std::string encode_response(const std::string& api_version, const std::string& uid, const policy::Decision& d) {
  std::string out;
  out.reserve(160 + uid.size() + d.message.size());
  out += R"({"apiVersion":)";
  json_write::string(out, api_version.empty() ? "admission.k8s.io/v1" : api_version);
  out += R"(,"kind":"AdmissionReview","response":{"allowed":)";
  out += d.allowed ? "true" : "false";
  if (!d.audit_annotations.empty()) {
    // Two keys can become one once made valid; the later one wins, as it would in an object.
    std::map<std::string, std::string_view> annotations;
    for (const auto& [k, v] : d.audit_annotations) annotations[annotation_key(k)] = v;
    out += R"(,"auditAnnotations":{)";
    bool first = true;
    for (const auto& [k, v] : annotations) {
      if (!first) out += ',';
      first = false;
      json_write::string(out, k);
      out += ':';
      json_write::string(out, v);
    }
    out += '}';
  }
  if (!d.allowed) {
    out += R"(,"status":{"code":)";
    out += std::to_string(d.code);
    out += R"(,"message":)";
    json_write::string(out, d.message);
    // 400: an object the core could not read (a field of the wrong type); 500: the core failed;
    // 429: retry later (the quarantine's answer to an eviction, read by kubectl drain as a
    // PodDisruptionBudget's); 422: an invalid SecurityPolicy or SecurityPolicyException; else a
    // policy denial.
    out += d.code == 400   ? R"(,"reason":"BadRequest"})"
           : d.code == 422 ? R"(,"reason":"Invalid"})"
           : d.code == 500 ? R"(,"reason":"InternalError"})"
           : d.code == 429 ? R"(,"reason":"TooManyRequests"})"
                           : R"(,"reason":"Forbidden"})";
  }
  out += R"(,"uid":)";
  json_write::string(out, uid);
  if (!d.warnings.empty()) {
    out += R"(,"warnings":)";
    json_write::strings(out, d.warnings);
  }
  out += "}}";
  return out;
}

}  // namespace kindlyguard::admission
