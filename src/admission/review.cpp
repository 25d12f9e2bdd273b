#include "kindlyguard/admission/review.hpp"

#include <cctype>

namespace kindlyguard::admission {
namespace {

using nlohmann::json;

// Deeper than any object the API server sends (a CronJob's managedFields stay under 30 levels),
// far below what would strain a thread's stack in code that walks a document recursively
// (copies, comparisons, dump).
constexpr std::size_t kMaxDepth = 256;

// The DOM parser nlohmann::json::parse uses, refusing documents nested deeper than kMaxDepth
// as soon as it sees the opening bracket too many: the parser itself is iterative, but what is
// built from it (and every later recursive walk) would not be bounded otherwise.
class DepthLimitedDomParser : public nlohmann::detail::json_sax_dom_parser<json> {
 public:
  explicit DepthLimitedDomParser(json& root) : json_sax_dom_parser(root, false) {}

  bool start_object(std::size_t n) { return enter() && json_sax_dom_parser::start_object(n); }
  bool end_object() {
    --depth_;
    return json_sax_dom_parser::end_object();
  }
  bool start_array(std::size_t n) { return enter() && json_sax_dom_parser::start_array(n); }
  bool end_array() {
    --depth_;
    return json_sax_dom_parser::end_array();
  }
  bool too_deep() const { return too_deep_; }

 private:
  bool enter() {
    if (++depth_ <= kMaxDepth) return true;
    too_deep_ = true;
    return false;
  }
  std::size_t depth_ = 0;
  bool too_deep_ = false;
};

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
  auto review = std::make_unique<Review>();
  DepthLimitedDomParser parser(review->document);
  if (!json::sax_parse(body, &parser) || parser.is_errored()) {
    if (parser.too_deep())
      return Error{"request body nests objects and arrays deeper than " + std::to_string(kMaxDepth) + " levels", ""};
    return Error{"request body is not valid JSON", ""};
  }
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
  if (const json* res = member(*req, "resource")) r.resource = string_at(*res, "resource");
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
  // Some clients omit the object's kind; the request's kind is authoritative.
  if (r.object && !r.kind.empty() && !r.object->contains("kind")) {
    json& obj = review->document["request"]["object"];
    obj["kind"] = r.kind;
    r.object = &obj;
  }
  return review;
}

std::string encode_response(const std::string& api_version, const std::string& uid, const policy::Decision& d) {
  json resp = {{"uid", uid}, {"allowed", d.allowed}};
  if (!d.allowed) resp["status"] = {{"code", d.code}, {"reason", "Forbidden"}, {"message", d.message}};
  if (!d.warnings.empty()) resp["warnings"] = d.warnings;
  if (!d.audit_annotations.empty()) {
    json ann = json::object();
    for (const auto& [k, v] : d.audit_annotations) ann[annotation_key(k)] = v;
    resp["auditAnnotations"] = std::move(ann);
  }
  json out = {{"apiVersion", api_version.empty() ? "admission.k8s.io/v1" : api_version},
              {"kind", "AdmissionReview"},
              {"response", std::move(resp)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace kindlyguard::admission
