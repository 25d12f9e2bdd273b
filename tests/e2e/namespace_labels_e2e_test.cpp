// Standalone `serve --policy-dir` has no API server to read namespace labels from: 0.1.0 judged
// every namespace by its name label alone, so a Deny policy selecting `env: prod` silently never
// applied (issue 14, "Also"). Labels now come from --namespaces-file, and a policy whose selector
// cannot be evaluated is named in a warning at load.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;

const std::map<std::string, std::string> kProdOnly = {
    {"prod-only.yaml",
     "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: prod-only}\n"
     "spec: {match: {namespaceSelector: {matchLabels: {env: prod}}}, rules: {privileged: false}}\n"}};

bool allowed(const WebhookProcess& hook, const nlohmann::json& pod) {
  auto r = hook.review(review_json(pod.dump()));
  EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().to_string());
  if (!r.ok()) return false;
  EXPECT_EQ(r->status, 200) << r->body;
  return nlohmann::json::parse(r->body)["response"]["allowed"].get<bool>();
}

TEST(NamespaceLabelsE2E, StandaloneServeJudgesNamespaceSelectorsFromANamespacesFile) {
  TempDir files;
  files.write("namespaces.yaml",
              "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {env: prod}}\n---\n"
              "apiVersion: v1\nkind: NamespaceList\nitems:\n"
              "- {apiVersion: v1, kind: Namespace, metadata: {name: lab, labels: {env: dev}}}\n");
  WebhookProcess hook(kProdOnly, {"--namespaces-file", files.file("namespaces.yaml")});
  EXPECT_FALSE(allowed(hook, privileged_pod("web", "shop")));
  EXPECT_TRUE(allowed(hook, privileged_pod("web", "lab")));
  EXPECT_TRUE(allowed(hook, privileged_pod("web", "elsewhere")));
}

TEST(NamespaceLabelsE2E, StandaloneServeWarnsWhenASelectorCannotBeEvaluated) {
  WebhookProcess hook(kProdOnly);
  // The warning is written at load, before the server listens, so it is in the log by now.
  EXPECT_THAT(hook.process().stderr_text(), HasSubstr("selects namespaces by label (env=prod)"));
  EXPECT_THAT(hook.process().stderr_text(), HasSubstr("--namespaces-file"));
}

TEST(NamespaceLabelsE2E, AnUnreadableNamespacesFileIsAClearError) {
  TempDir files;
  files.write("bad.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: [\n");
  auto r = run_binary({"serve", "--policy-dir", files.path(), "--tls-cert-file", files.file("x"), "--tls-key-file",
                       files.file("y"), "--namespaces-file", files.file("bad.yaml")});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--namespaces-file"));
}

}  // namespace
}  // namespace kindlyguard::testing
