// Restricted checks: allowPrivilegeEscalation, capabilities (baseline and restricted),
// runAsNonRoot, runAsUser, restrictedVolumes -- Windows and user-namespace exceptions included.
#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

TEST(PssAllowPrivilegeEscalation, MustBeExplicitlyFalse) {
  json spec = good_spec({{"initContainers", {c("i", {{"allowPrivilegeEscalation", true}})}},
                         {"containers", {good_container("a"), c("b"), c("d", json::object())}},
                         {"ephemeralContainers", {c("e", {{"allowPrivilegeEscalation", false}})}}});
  auto r = check("allowPrivilegeEscalation", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "allowPrivilegeEscalation != false");
  EXPECT_EQ(r->detail, "containers \"i\", \"b\", \"d\" must set securityContext.allowPrivilegeEscalation=false");
  EXPECT_EQ(r->field, "spec.initContainers[0].securityContext.allowPrivilegeEscalation");
  EXPECT_EQ(r->container, "i");
}

TEST(PssAllowPrivilegeEscalation, VersionsAndWindows) {
  json spec = good_spec({{"containers", {c("a")}}});
  EXPECT_FALSE(check("allowPrivilegeEscalation", PssLevel::Restricted, v(7), pod(spec)));
  EXPECT_TRUE(check("allowPrivilegeEscalation", PssLevel::Restricted, v(8), pod(spec)));
  spec["os"] = {{"name", "windows"}};
  EXPECT_TRUE(check("allowPrivilegeEscalation", PssLevel::Restricted, v(24), pod(spec)));
  EXPECT_FALSE(check("allowPrivilegeEscalation", PssLevel::Restricted, v(25), pod(spec)));
  EXPECT_FALSE(check("allowPrivilegeEscalation", PssLevel::Baseline, latest(), pod({{"containers", {c("a")}}})));
}

TEST(PssCapabilitiesBaseline, DefaultSetOnly) {
  json spec = {{"containers", {c("a", {{"capabilities", {{"add", {"FOO", "BAR"}}}}}),
                               c("b", {{"capabilities", {{"add", {"BAR", "BAZ"}}}}}),
                               c("c", {{"capabilities", {{"add", {"NET_BIND_SERVICE", "CHOWN", "KILL", "SYS_CHROOT"}}}}}),
                               c("d", {{"capabilities", {{"add", {"net_raw", "CAP_KILL"}}}}})}}};
  auto r = check("capabilities_baseline", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "non-default capabilities");
  EXPECT_EQ(r->detail,
            "containers \"a\", \"b\", \"d\" must not include \"BAR\", \"BAZ\", \"CAP_KILL\", \"FOO\", \"net_raw\" in "
            "securityContext.capabilities.add");
  EXPECT_EQ(r->field, "spec.containers[0].securityContext.capabilities.add");
  // Restricted judges capabilities with capabilities_baseline until v1.21.
  EXPECT_TRUE(check("capabilities_baseline", PssLevel::Restricted, v(21), pod(spec)));
  EXPECT_FALSE(check("capabilities_baseline", PssLevel::Restricted, v(22), pod(spec)));
}

TEST(PssCapabilitiesBaseline, NotRelaxedForUserNamespaces) {
  json spec = {{"hostUsers", false}, {"containers", {c("a", {{"capabilities", {{"add", {"SYS_ADMIN"}}}}})}}};
  EXPECT_TRUE(check("capabilities_baseline", PssLevel::Baseline, latest(), pod(spec)));
}

TEST(PssCapabilitiesRestricted, UpstreamMultipleContainers) {
  json spec = good_spec({{"containers", {c("a", {{"allowPrivilegeEscalation", false}, {"capabilities", {{"add", {"FOO", "BAR"}}}}}),
                                         c("b", {{"allowPrivilegeEscalation", false}, {"capabilities", {{"add", {"BAR", "BAZ"}}}}}),
                                         c("c", {{"allowPrivilegeEscalation", false},
                                                 {"capabilities", {{"add", {"NET_BIND_SERVICE", "CHOWN"}}, {"drop", {"ALL", "FOO"}}}}})}}});
  auto r = check("capabilities_restricted", PssLevel::Restricted, v(22), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "unrestricted capabilities");
  EXPECT_EQ(r->detail,
            "containers \"a\", \"b\" must set securityContext.capabilities.drop=[\"ALL\"]; containers \"a\", \"b\", "
            "\"c\" must not include \"BAR\", \"BAZ\", \"CHOWN\", \"FOO\" in securityContext.capabilities.add");
  EXPECT_EQ(r->field, "spec.containers[0].securityContext.capabilities.drop");
}

TEST(PssCapabilitiesRestricted, DropAllIsCaseSensitiveAndNetBindServiceMayBeAdded) {
  json spec = good_spec({{"containers", {c("a", {{"allowPrivilegeEscalation", false}, {"capabilities", {{"drop", {"all"}}}}}),
                                         good_container("b", {{"capabilities", {{"add", {"NET_BIND_SERVICE"}}}}})}}});
  auto r = check("capabilities_restricted", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "container \"a\" must set securityContext.capabilities.drop=[\"ALL\"]");
}

TEST(PssCapabilitiesRestricted, VersionsAndWindows) {
  json spec = {{"os", {{"name", "windows"}}}, {"securityContext", {{"runAsNonRoot", true}}}, {"containers", {c("a")}}};
  EXPECT_FALSE(check("capabilities_restricted", PssLevel::Restricted, v(21), pod(spec)));
  EXPECT_TRUE(check("capabilities_restricted", PssLevel::Restricted, v(22), pod(spec)));
  EXPECT_TRUE(check("capabilities_restricted", PssLevel::Restricted, v(24), pod(spec)));
  EXPECT_FALSE(check("capabilities_restricted", PssLevel::Restricted, v(25), pod(spec)));
  // The minimal Windows pod of the Kubernetes fixtures passes restricted at latest.
  EXPECT_TRUE(run(PssLevel::Restricted, latest(), pod(spec)).empty());
}

TEST(PssRunAsNonRoot, ExplicitlyFalse) {
  json spec = good_spec({{"securityContext", {{"runAsNonRoot", false}}},
                         {"containers", {good_container("a", {{"runAsNonRoot", false}}), good_container("b"),
                                         good_container("c", {{"runAsNonRoot", true}})}}});
  auto r = check("runAsNonRoot", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "runAsNonRoot != true");
  EXPECT_EQ(r->detail, "pod and container \"a\" must not set securityContext.runAsNonRoot=false");
  EXPECT_EQ(r->field, "spec.securityContext.runAsNonRoot");
}

TEST(PssRunAsNonRoot, ImplicitlyUnset) {
  json spec = good_spec({{"securityContext", {{"runAsNonRoot", nullptr}}},
                         {"containers", {good_container("a"), good_container("b", {{"runAsNonRoot", true}}),
                                         good_container("c")}}});
  auto r = check("runAsNonRoot", PssLevel::Restricted, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "pod or containers \"a\", \"c\" must set securityContext.runAsNonRoot=true");
  EXPECT_EQ(r->container, "a");
  // Every container opting in is enough.
  json all = good_spec({{"securityContext", {{"runAsNonRoot", nullptr}}},
                        {"containers", {good_container("a", {{"runAsNonRoot", true}})}}});
  EXPECT_FALSE(check("runAsNonRoot", PssLevel::Restricted, v(0), pod(all)));
}

TEST(PssRunAsNonRoot, UserNamespacePodsExemptFromV1_35) {
  json spec = good_spec({{"hostUsers", false}, {"securityContext", {{"runAsNonRoot", false}}}});
  EXPECT_TRUE(check("runAsNonRoot", PssLevel::Restricted, v(34), pod(spec)));
  EXPECT_FALSE(check("runAsNonRoot", PssLevel::Restricted, v(35), pod(spec)));
  spec["hostUsers"] = true;
  EXPECT_TRUE(check("runAsNonRoot", PssLevel::Restricted, v(35), pod(spec)));
}

TEST(PssRunAsUser, ZeroForbiddenFromV1_23) {
  json spec = good_spec({{"securityContext", {{"runAsUser", 0}}},
                         {"containers", {good_container("a", {{"runAsUser", 0}}), good_container("b", {{"runAsUser", 1000}}),
                                         good_container("c", {{"runAsUser", 0}})}}});
  EXPECT_FALSE(check("runAsUser", PssLevel::Restricted, v(22), pod(spec)));
  auto r = check("runAsUser", PssLevel::Restricted, v(23), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "runAsUser=0");
  EXPECT_EQ(r->detail, "pod and containers \"a\", \"c\" must not set runAsUser=0");
  EXPECT_EQ(r->field, "spec.securityContext.runAsUser");
  json container_only = good_spec({{"containers", {good_container("a"), good_container("b", {{"runAsUser", 0}})}}});
  r = check("runAsUser", PssLevel::Restricted, latest(), deployment(container_only));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "container \"b\" must not set runAsUser=0");
  EXPECT_EQ(r->field, "spec.template.spec.containers[1].securityContext.runAsUser");
}

TEST(PssRunAsUser, UserNamespacePodsExemptFromV1_35) {
  json spec = good_spec({{"hostUsers", false}, {"securityContext", {{"runAsUser", 0}}}});
  EXPECT_TRUE(check("runAsUser", PssLevel::Restricted, v(34), pod(spec)));
  EXPECT_FALSE(check("runAsUser", PssLevel::Restricted, v(35), pod(spec)));
}

TEST(PssRestrictedVolumes, AllowedAndRestrictedTypes) {
  json vols = {{{"name", "cm"}, {"configMap", {{"name", "x"}}}},
               {{"name", "csi"}, {"csi", {{"driver", "x"}}}},
               {{"name", "dapi"}, {"downwardAPI", json::object()}},
               {{"name", "empty"}, {"emptyDir", json::object()}},
               {{"name", "eph"}, {"ephemeral", json::object()}},
               {{"name", "img"}, {"image", {{"reference", "x"}}}},
               {{"name", "pvc"}, {"persistentVolumeClaim", {{"claimName", "x"}}}},
               {{"name", "proj"}, {"projected", {{"sources", json::array()}}}},
               {{"name", "sec"}, {"secret", {{"secretName", "x"}}}},
               {{"name", "nosource"}}};
  EXPECT_FALSE(check("restrictedVolumes", PssLevel::Restricted, v(0), pod(good_spec({{"volumes", vols}}))));
  vols.push_back({{"name", "nfs"}, {"nfs", {{"server", "s"}, {"path", "/"}}}});
  vols.push_back({{"name", "host"}, {"hostPath", {{"path", "/"}}}});
  vols.push_back({{"name", "git"}, {"gitRepo", {{"repository", "r"}}}});
  vols.push_back({{"name", "nfs2"}, {"nfs", {{"server", "s"}, {"path", "/"}}}});
  auto r = check("restrictedVolumes", PssLevel::Restricted, latest(), pod(good_spec({{"volumes", vols}})));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "restricted volume types");
  EXPECT_EQ(r->detail,
            "volumes \"nfs\", \"host\", \"git\", \"nfs2\" use restricted volume types \"gitRepo\", \"hostPath\", \"nfs\"");
  EXPECT_EQ(r->field, "spec.volumes[10].nfs");
}

TEST(PssRestrictedVolumes, OneVolume) {
  json vols = {{{"name", "v"}, {"storageos", {{"volumeName", "x"}}}}};
  auto r = check("restrictedVolumes", PssLevel::Restricted, v(0), pod(good_spec({{"volumes", vols}})));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "volume \"v\" uses restricted volume type \"storageos\"");
  EXPECT_FALSE(check("restrictedVolumes", PssLevel::Baseline, latest(), pod(good_spec({{"volumes", vols}}))));
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
