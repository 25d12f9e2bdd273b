// `kindlyguard check` on manifests with a value of the wrong type (issue 14, item 10): 0.1.0
// aborted (exit 134) on `volumeMounts[].name: 5` under a hostPath allowance and on `kind: 5`, and
// passed `privileged: "true"`. Now each is an input error naming the file, the document and the
// field (exit 2), and the other documents are still judged.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/process.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kPolicy = R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata: {name: logs-read-only}
spec:
  rules:
    privileged: false
    hostPath: {allowed: false, allowedPaths: [{pathPrefix: /var/log, readOnly: true}]}
)";

constexpr const char* kMistypedMount = R"(apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      containers:
        - name: app
          image: registry.example.com/web:1
          volumeMounts: [{name: 5, mountPath: /logs, readOnly: true}]
      volumes: [{name: logs, hostPath: {path: /var/log/pods}}]
---
apiVersion: v1
kind: Pod
metadata: {name: fine, namespace: shop}
spec:
  containers: [{name: app, image: registry.example.com/web:1}]
)";

TEST(CheckTypeMismatch, AMistypedFieldIsAnInputErrorNamingItNotAnAbort) {
  TempDir dir;
  dir.write("policy.yaml", kPolicy);
  dir.write("in.yaml", kMistypedMount);
  auto r = run_binary({"check", "--policy", dir.file("policy.yaml"), "-f", dir.file("in.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  // file:line:column of the mistyped field, then the document and the field path.
  EXPECT_THAT(r.err, ::testing::ContainsRegex("in\\.yaml:[0-9]+:[0-9]+ \\(document 0\\): "));
  EXPECT_THAT(r.err, HasSubstr(" (document 0): spec.template.spec.containers[0].volumeMounts[0].name: "
                               "expected a string, got number 5"));
  // The next document is still judged.
  EXPECT_THAT(r.out, HasSubstr("1 object judged: 0 denied"));
}

TEST(CheckTypeMismatch, AStringWhereABooleanBelongsIsNotReadAsUnset) {
  TempDir dir;
  dir.write("policy.yaml", kPolicy);
  dir.write("in.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  containers: [{name: app, image: busybox, securityContext: {privileged: "true"}}]
)");
  auto r = run_binary({"check", "--policy", dir.file("policy.yaml"), "-f", dir.file("in.yaml"), "-o", "json"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("spec.containers[0].securityContext.privileged: expected a boolean (true or false), "
                               "got string \"true\""));
  // YAML 1.1 booleans (what kubectl reads) are booleans: yes is true, and denied.
  dir.write("yes.yaml", R"(apiVersion: v1
kind: Pod
metadata: {name: root}
spec:
  containers: [{name: app, image: busybox, securityContext: {privileged: yes}}]
)");
  r = run_binary({"check", "-o", "wide", "--policy", dir.file("policy.yaml"), "-f", dir.file("yes.yaml")});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_THAT(r.out, HasSubstr("logs-read-only/privileged"));
}

TEST(CheckTypeMismatch, AKindThatIsNoStringIsAnInputError) {
  TempDir dir;
  dir.write("policy.yaml", kPolicy);
  dir.write("in.yaml", R"(apiVersion: v1
kind: 5
metadata: {name: x}
---
apiVersion: v1
kind: [List]
items: [{kind: Pod}]
)");
  auto r = run_binary({"check", "--policy", dir.file("policy.yaml"), "-f", dir.file("in.yaml")});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("(document 0): kind: expected a string"));
  EXPECT_THAT(r.err, HasSubstr("(document 1): kind: expected a string"));
  EXPECT_THAT(r.err, Not(HasSubstr("terminate")));
}

}  // namespace
}  // namespace kindlyguard::testing
