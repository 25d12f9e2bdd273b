// encode_response writes its JSON directly; these tests hold it to the bytes nlohmann's dump writes
// for the same response object, which is what it replaced.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/admission/review.hpp"

namespace kindlyguard::admission {
namespace {

using nlohmann::json;

// The response as an nlohmann object, with the audit annotation keys already made valid.
std::string reference(const std::string& api_version, const std::string& uid, const policy::Decision& d,
                      const std::map<std::string, std::string>& valid_annotations) {
  json resp = {{"uid", uid}, {"allowed", d.allowed}};
  if (!d.allowed) resp["status"] = {{"code", d.code}, {"reason", "Forbidden"}, {"message", d.message}};
  if (!d.warnings.empty()) resp["warnings"] = d.warnings;
  if (!valid_annotations.empty()) resp["auditAnnotations"] = valid_annotations;
  json out = {{"apiVersion", api_version.empty() ? "admission.k8s.io/v1" : api_version},
              {"kind", "AdmissionReview"},
              {"response", std::move(resp)}};
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

TEST(EncodeResponse, AllowedIsTheSmallestAnswer) {
  policy::Decision d;
  EXPECT_EQ(encode_response("admission.k8s.io/v1", "7f0c", d),
            R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"allowed":true,"uid":"7f0c"}})");
  EXPECT_EQ(encode_response("", "7f0c", d), reference("", "7f0c", d, {}));
}

TEST(EncodeResponse, SameBytesAsNlohmannForEveryPart) {
  const std::vector<std::string> texts = {
      "plain", "quote \" backslash \\ slash /", "tab\tnewline\nreturn\rbell\x07 nul",
      "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", "bad utf-8 \xff\xfe end", "cut \xe2\x82", "\x7f del", ""};
  for (const auto& text : texts) {
    SCOPED_TRACE(json(text).dump(-1, ' ', false, json::error_handler_t::replace));
    policy::Decision d;
    d.allowed = false;
    d.code = 403;
    d.message = "policy \"baseline\" denies container \"web\": " + text;
    d.warnings = {text, "second " + text};
    d.audit_annotations = {{"kindlyguard.io/audit-" + text, text}, {"plain-key", "v"}};
    const std::string got = encode_response("admission.k8s.io/v1", "uid-" + text, d);
    // The key rewriting is annotation_key's (tested with the handler); the bytes around it are ours.
    auto valid = json::parse(got)["response"]["auditAnnotations"].get<std::map<std::string, std::string>>();
    ASSERT_EQ(valid.size(), 2u);
    EXPECT_EQ(got, reference("admission.k8s.io/v1", "uid-" + text, d, valid));
  }
}

TEST(EncodeResponse, AnnotationKeysThatBecomeOneKeepTheLaterValue) {
  policy::Decision d;
  d.audit_annotations = {{"a b", "first"}, {"a/b", "second"}, {"z", "zz"}};
  auto out = json::parse(encode_response("admission.k8s.io/v1", "u", d));
  EXPECT_EQ(out["response"]["auditAnnotations"], json({{"a-b", "second"}, {"z", "zz"}}));
}

}  // namespace
}  // namespace kindlyguard::admission
