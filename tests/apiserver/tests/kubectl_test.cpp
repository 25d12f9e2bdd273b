// The real kubectl against the test server: discovery, OpenAPI v3, Tables, apply (create and
// three-way patch), label, get, delete, create -f.
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "fixture.hpp"
#include "kindly_test_apiserver/tls.hpp"

namespace kta_test {
namespace {

namespace fs = std::filesystem;

struct KubectlRun {
  int status;
  std::string out;
};

class Kubectl : public ApiTest {
 protected:
  void SetUp() override {
    if (!fs::exists(KTA_KUBECTL)) GTEST_SKIP() << "kubectl is not installed at " << KTA_KUBECTL;
    ServerOptions o;
    o.tokens["kubectl-token"] = {"kubernetes-admin", {"system:masters", "system:authenticated"}};
    if (use_tls()) {
      // kubectl sends credentials over HTTPS only (clientcmd drops them for plain http).
      const auto cert = kindly::testapi::generate_self_signed_certificate();
      o.tls_cert_pem = cert.cert_pem;
      o.tls_key_pem = cert.key_pem;
      o.require_auth = true;
    }
    start(o);
    char tmpl[] = "/tmp/kta-kubectl-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir = tmpl;
    api->write_kubeconfig(dir / "kubeconfig", "kubectl-token");
  }
  virtual bool use_tls() const { return true; }
  void TearDown() override {
    ApiTest::TearDown();
    if (!dir.empty()) fs::remove_all(dir);
  }

  KubectlRun kubectl(const std::string& args) {
    const std::string cmd = std::string(KTA_KUBECTL) + " --kubeconfig " + (dir / "kubeconfig").string() +
                            " --cache-dir " + (dir / "cache").string() + " --request-timeout=30s " + args + " 2>&1";
    KubectlRun r{0, ""};
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return {-1, "popen failed"};
    std::array<char, 4096> buf{};
    std::size_t n;
    while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
    r.status = ::pclose(p);
    return r;
  }

  std::string write(const std::string& name, const std::string& yaml) {
    const fs::path f = dir / name;
    std::ofstream(f) << yaml;
    return f.string();
  }

  fs::path dir;
};

TEST_F(Kubectl, ApplyGetLabelDeleteCreate) {
  const std::string policy = write("policy.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: restricted
spec:
  enforcement: Deny
  match:
    excludedNamespaces: [kube-system]
  rules:
    runAsNonRoot: true
)");
  KubectlRun r = kubectl("apply -f " + policy);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("securitypolicy.kindlyguard.io/restricted created"), std::string::npos) << r.out;
  const auto stored = api->store().get("securitypolicies", "", "restricted");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["spec"]["enforcement"], "Deny");
  EXPECT_TRUE((*stored)["metadata"]["annotations"].contains("kubectl.kubernetes.io/last-applied-configuration"));

  // Re-apply with a change: a three-way JSON merge patch (custom resource), generation 2.
  const std::string changed = write("policy2.yaml", R"(apiVersion: kindlyguard.io/v1alpha1
kind: SecurityPolicy
metadata:
  name: restricted
spec:
  enforcement: Warn
  rules:
    runAsNonRoot: true
)");
  r = kubectl("apply -f " + changed);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("configured"), std::string::npos) << r.out;
  const auto after = api->store().get("securitypolicies", "", "restricted");
  EXPECT_EQ((*after)["spec"]["enforcement"], "Warn");
  EXPECT_FALSE((*after)["spec"].contains("match"));  // removed from the file, removed from the object
  EXPECT_EQ((*after)["metadata"]["generation"], 2);
  EXPECT_EQ(api->requests().count({.verb = "patch", .resource = "securitypolicies"}), 1u);

  r = kubectl("get secpol");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("NAME"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("AGE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("restricted"), std::string::npos) << r.out;
  r = kubectl("get securitypolicies.kindlyguard.io restricted -o jsonpath={.spec.enforcement}");
  EXPECT_EQ(r.out, "Warn");

  // A pod from a file, labeled, listed by label across namespaces, deleted.
  const std::string pod_file = write("pod.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx:1.25
  - name: side
    image: busybox:1.36
)");
  r = kubectl("create -f " + pod_file);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("pod/web created"), std::string::npos) << r.out;
  r = kubectl("label pod web kindlyguard.io/quarantine=true");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ((*api->store().get("pods", "default", "web"))["metadata"]["labels"]["kindlyguard.io/quarantine"], "true");
  r = kubectl("get pods -A -l kindlyguard.io/quarantine=true");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("NAMESPACE"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("web"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("0/2"), std::string::npos) << r.out;

  // Built-in apply: strategic merge patch that keeps the container list merged by name.
  const std::string pod_changed = write("pod2.yaml", R"(apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  containers:
  - name: app
    image: nginx:1.26
  - name: side
    image: busybox:1.36
)");
  r = kubectl("apply -f " + pod_changed);
  ASSERT_EQ(r.status, 0) << r.out;
  const auto web = api->store().get("pods", "default", "web");
  ASSERT_EQ((*web)["spec"]["containers"].size(), 2u);
  EXPECT_EQ((*web)["spec"]["containers"][0]["image"], "nginx:1.26");

  r = kubectl("delete pod web");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_NE(r.out.find("pod \"web\" deleted"), std::string::npos) << r.out;
  EXPECT_FALSE(api->store().get("pods", "default", "web"));
  r = kubectl("delete -f " + changed);
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(api->store().get("securitypolicies", "", "restricted"));
  r = kubectl("get pods");
  EXPECT_NE(r.out.find("No resources found"), std::string::npos) << r.out;

  // Every call came with the token, as kubernetes-admin.
  EXPECT_EQ(api->requests().count({.user = "system:anonymous"}), 0u);
  EXPECT_GT(api->requests().count({.user = "kubernetes-admin"}), 10u);
}

TEST_F(Kubectl, ImperativeCreatesSendProtobuf) {
  KubectlRun r = kubectl("create namespace team-b");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ((*api->store().get("namespaces", "", "team-b"))["status"]["phase"], "Active");
  r = kubectl("-n team-b create configmap settings --from-literal=mode=strict");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_EQ((*api->store().get("configmaps", "team-b", "settings"))["data"]["mode"], "strict");
  r = kubectl("-n team-b create secret generic creds --from-literal=user=admin");
  ASSERT_EQ(r.status, 0) << r.out;
  const auto secret = api->store().get("secrets", "team-b", "creds");
  EXPECT_EQ((*secret)["data"]["user"], "YWRtaW4=");
  EXPECT_EQ((*secret)["type"], "Opaque");
  r = kubectl("-n team-b create serviceaccount kindlyguard");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_TRUE(api->store().get("serviceaccounts", "team-b", "kindlyguard"));
  const auto creates = api->requests().find({.verb = "create", .ns = "team-b"});
  ASSERT_EQ(creates.size(), 3u);
  EXPECT_EQ(creates[0].content_type, "application/vnd.kubernetes.protobuf");
  r = kubectl("delete namespace team-b");
  ASSERT_EQ(r.status, 0) << r.out;
  EXPECT_FALSE(api->store().get("secrets", "team-b", "creds"));
}

// The same kubectl over plain HTTP (no credentials sent: the user is anonymous).
class KubectlPlainHttp : public Kubectl {
 protected:
  bool use_tls() const override { return false; }
};

TEST_F(KubectlPlainHttp, NotFoundAndConflictErrorsReadLikeTheRealServer) {
  KubectlRun r = kubectl("get secpol nothing");
  EXPECT_NE(r.status, 0);
  EXPECT_NE(r.out.find("Error from server (NotFound): securitypolicies.kindlyguard.io \"nothing\" not found"),
            std::string::npos)
      << r.out;
  const std::string ns = write("ns.yaml", "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-a\n");
  r = kubectl("create -f " + ns);
  ASSERT_EQ(r.status, 0) << r.out;
  r = kubectl("create -f " + ns);
  EXPECT_NE(r.out.find("AlreadyExists"), std::string::npos) << r.out;
  r = kubectl("get ns");
  EXPECT_NE(r.out.find("team-a"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Active"), std::string::npos) << r.out;
  EXPECT_GT(api->requests().count({.user = "system:anonymous"}), 0u);
}

}  // namespace
}  // namespace kta_test
