// Baseline container checks: privileged, procMount, windowsHostProcess, hostPorts,
// hostProbesAndHostLifecycle -- every container kind, pod- vs container-level, wording.
#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

TEST(PssPrivileged, EveryContainerKind) {
  json spec = {{"initContainers", {c("i", {{"privileged", true}})}},
               {"containers", {c("a", {{"privileged", false}}), c("b", {{"privileged", true}}), c("n")}},
               {"ephemeralContainers", {c("e", {{"privileged", true}})}}};
  auto r = check("privileged", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "privileged");
  EXPECT_EQ(r->detail, "containers \"i\", \"b\", \"e\" must not set securityContext.privileged=true");
  EXPECT_EQ(r->field, "spec.initContainers[0].securityContext.privileged");
  EXPECT_EQ(r->container, "i");
}

TEST(PssPrivileged, FalseOrUnsetPasses) {
  json spec = {{"containers", {c("a", {{"privileged", false}}), c("b"), c("c", json::object())}}};
  EXPECT_FALSE(check("privileged", PssLevel::Baseline, latest(), pod(spec)));
}

TEST(PssPrivileged, FieldPathInTemplates) {
  json spec = {{"containers", {c("a"), c("b", {{"privileged", true}})}}};
  auto r = check("privileged", PssLevel::Baseline, latest(), deployment(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->field, "spec.template.spec.containers[1].securityContext.privileged");
  EXPECT_EQ(r->detail, "container \"b\" must not set securityContext.privileged=true");
}

TEST(PssProcMount, OnlyDefaultAllowed) {
  json spec = {{"containers", {c("a", {{"procMount", "Default"}}), c("b", {{"procMount", "Unmasked"}}),
                               c("c", {{"procMount", "Weird"}})}}};
  auto r = check("procMount", PssLevel::Baseline, v(34), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "procMount");
  EXPECT_EQ(r->detail, "containers \"b\", \"c\" must not set securityContext.procMount to \"Unmasked\", \"Weird\"");
  EXPECT_EQ(r->field, "spec.containers[1].securityContext.procMount");
}

TEST(PssProcMount, UserNamespacePodsRelaxedInBaselineFromV1_35Only) {
  json unmasked = {{"containers", {c("a", {{"procMount", "Unmasked"}})}}};
  json userns = unmasked;
  userns["hostUsers"] = false;
  json hostns = unmasked;
  hostns["hostUsers"] = true;
  EXPECT_TRUE(check("procMount", PssLevel::Baseline, v(34), pod(userns)));
  EXPECT_FALSE(check("procMount", PssLevel::Baseline, v(35), pod(userns)));
  EXPECT_FALSE(check("procMount", PssLevel::Baseline, latest(), pod(userns)));
  EXPECT_TRUE(check("procMount", PssLevel::Baseline, v(35), pod(hostns)));
  EXPECT_TRUE(check("procMount", PssLevel::Baseline, v(35), pod(unmasked)));
}

TEST(PssProcMount, RestrictedKeepsForbiddingFromV1_35) {
  json spec = good_spec({{"hostUsers", false},
                         {"containers", {good_container("a", {{"procMount", "Unmasked"}})}}});
  auto at34 = run(PssLevel::Restricted, v(34), pod(spec));
  EXPECT_EQ(ids(at34), std::vector<std::string>{"procMount"});
  auto at35 = run(PssLevel::Restricted, v(35), pod(spec));
  ASSERT_EQ(ids(at35), std::vector<std::string>{"procMount_restricted"});
  EXPECT_EQ(at35[0].reason, "procMount");
  EXPECT_EQ(at35[0].detail, "container \"a\" must not set securityContext.procMount to \"Unmasked\"");
}

TEST(PssWindowsHostProcess, PodAndContainers) {
  json spec = {{"securityContext", {{"windowsOptions", {{"hostProcess", true}}}}},
               {"containers", {c("a", {{"windowsOptions", {{"hostProcess", true}}}}),
                               c("b", {{"windowsOptions", {{"hostProcess", false}}}}), c("d")}},
               {"initContainers", {c("i", {{"windowsOptions", json::object()}})}}};
  auto r = check("windowsHostProcess", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "hostProcess");
  EXPECT_EQ(r->detail, "pod and container \"a\" must not set securityContext.windowsOptions.hostProcess=true");
  EXPECT_EQ(r->field, "spec.securityContext.windowsOptions.hostProcess");
  EXPECT_EQ(r->container, "");

  spec["securityContext"] = json::object();
  r = check("windowsHostProcess", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "container \"a\" must not set securityContext.windowsOptions.hostProcess=true");
  EXPECT_EQ(r->field, "spec.containers[0].securityContext.windowsOptions.hostProcess");
}

TEST(PssHostPorts, UpstreamCases) {
  json one = {{"containers", {{{"name", "a"}, {"ports", {{{"hostPort", 0}}}}},
                              {{"name", "b"}, {"ports", {{{"hostPort", 0}}, {{"hostPort", 20}}}}}}}};
  auto r = check("hostPorts", PssLevel::Baseline, v(0), pod(one));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "hostPort");
  EXPECT_EQ(r->detail, "container \"b\" uses hostPort 20");
  EXPECT_EQ(r->field, "spec.containers[1].ports[1].hostPort");

  json many = {{"containers", {{{"name", "a"}, {"ports", {{{"hostPort", 0}}}}},
                               {{"name", "b"}, {"ports", {{{"hostPort", 0}}, {{"hostPort", 10}}, {{"hostPort", 20}}}}},
                               {{"name", "c"}, {"ports", {{{"hostPort", 0}}, {{"hostPort", 10}}, {{"hostPort", 30}}}}}}}};
  r = check("hostPorts", PssLevel::Baseline, v(0), pod(many));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "containers \"b\", \"c\" use hostPorts 10, 20, 30");
}

TEST(PssHostPorts, PortsSortAsTextAndInitContainersCount) {
  json spec = {{"initContainers", {{{"name", "i"}, {"ports", {{{"containerPort", 9}, {"hostPort", 9}}}}}}},
               {"containers", {{{"name", "a"}, {"ports", {{{"containerPort", 8080}, {"hostPort", 8080}}}}}}}};
  auto r = check("hostPorts", PssLevel::Baseline, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "containers \"i\", \"a\" use hostPorts 8080, 9");
  EXPECT_EQ(r->field, "spec.initContainers[0].ports[0].hostPort");
  EXPECT_EQ(r->container, "i");
  json ok = {{"containers", {{{"name", "a"}, {"ports", {{{"containerPort", 8080}}}}}}}};
  EXPECT_FALSE(check("hostPorts", PssLevel::Baseline, latest(), pod(ok)));
}

TEST(PssHostProbes, FromV1_34) {
  json spec = {{"containers",
                {{{"name", "b"},
                  {"readinessProbe", {{"tcpSocket", {{"host", "10.0.0.2"}, {"port", 1}}}}},
                  {"lifecycle", {{"preStop", {{"httpGet", {{"host", "10.0.0.1"}, {"port", 1}}}}}}}},
                 {{"name", "a"}, {"startupProbe", {{"httpGet", {{"host", "10.0.0.1"}, {"port", 1}}}}}},
                 {{"name", "c"}, {"livenessProbe", {{"httpGet", {{"host", ""}, {"port", 1}}}}}}}}};
  EXPECT_FALSE(check("hostProbesAndHostLifecycle", PssLevel::Baseline, v(33), pod(spec)));
  auto r = check("hostProbesAndHostLifecycle", PssLevel::Baseline, v(34), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "probe or lifecycle host");
  // Both lists are sets: sorted, each name once.
  EXPECT_EQ(r->detail, "containers \"a\", \"b\" use probe or lifecycle hosts \"10.0.0.1\", \"10.0.0.2\"");
  EXPECT_EQ(r->field, "spec.containers[0].readinessProbe.tcpSocket.host");
  EXPECT_EQ(r->container, "b");
}

TEST(PssHostProbes, OneHostOneContainerAndEphemeral) {
  json spec = {{"containers", {{{"name", "a"}}}},
               {"ephemeralContainers",
                {{{"name", "dbg"}, {"lifecycle", {{"postStart", {{"tcpSocket", {{"host", "node"}, {"port", 1}}}}}}}}}}};
  auto r = check("hostProbesAndHostLifecycle", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "container \"dbg\" uses probe or lifecycle host \"node\"");
  EXPECT_EQ(r->field, "spec.ephemeralContainers[0].lifecycle.postStart.tcpSocket.host");
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
