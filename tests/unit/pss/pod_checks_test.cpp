// Baseline pod-level checks: hostNamespaces, hostPathVolumes, sysctls, seLinuxOptions,
// appArmorProfile.
#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

TEST(PssHostNamespaces, AllThreeInPsaOrder) {
  json spec = {{"hostIPC", true}, {"hostNetwork", true}, {"hostPID", true}, {"containers", {c("a")}}};
  auto r = check("hostNamespaces", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "host namespaces");
  EXPECT_EQ(r->detail, "hostNetwork=true, hostPID=true, hostIPC=true");
  EXPECT_EQ(r->field, "spec.hostNetwork");
  spec = {{"hostIPC", true}, {"hostNetwork", false}, {"containers", {c("a")}}};
  r = check("hostNamespaces", PssLevel::Baseline, v(0), deployment(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "hostIPC=true");
  EXPECT_EQ(r->field, "spec.template.spec.hostIPC");
  EXPECT_FALSE(check("hostNamespaces", PssLevel::Baseline, v(0), pod({{"hostPID", false}, {"containers", {c("a")}}})));
}

TEST(PssHostPathVolumes, NamesInOrder) {
  json spec = {{"containers", {c("a")}},
               {"volumes", {{{"name", "a"}, {"hostPath", json::object()}},
                            {{"name", "b"}, {"hostPath", {{"path", "/"}}}},
                            {{"name", "c"}, {"emptyDir", json::object()}},
                            {{"name", "d"}, {"hostPath", nullptr}}}}};
  auto r = check("hostPathVolumes", PssLevel::Baseline, v(0), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "hostPath volumes");
  EXPECT_EQ(r->detail, "volumes \"a\", \"b\"");
  EXPECT_EQ(r->field, "spec.volumes[0].hostPath");
  // Replaced by restrictedVolumes at the restricted level.
  auto restricted = run(PssLevel::Restricted, latest(), pod(good_spec({{"volumes", spec["volumes"]}})));
  EXPECT_EQ(ids(restricted), std::vector<std::string>{"restrictedVolumes"});
}

TEST(PssSysctls, SafeListGrowsWithVersions) {
  auto spec_with = [](const std::string& name) {
    return json{{"containers", {{{"name", "a"}}}},
                {"securityContext", {{"sysctls", {{{"name", name}, {"value", "1"}}}}}}};
  };
  struct Case {
    const char* name;
    int since;
  } cases[] = {{"kernel.shm_rmid_forced", 0},         {"net.ipv4.ip_local_port_range", 0},
               {"net.ipv4.tcp_syncookies", 0},        {"net.ipv4.ping_group_range", 0},
               {"net.ipv4.ip_unprivileged_port_start", 0}, {"net.ipv4.ip_local_reserved_ports", 27},
               {"net.ipv4.tcp_keepalive_time", 29},   {"net.ipv4.tcp_fin_timeout", 29},
               {"net.ipv4.tcp_keepalive_intvl", 29},  {"net.ipv4.tcp_keepalive_probes", 29},
               {"net.ipv4.tcp_rmem", 32},             {"net.ipv4.tcp_wmem", 32},
               {"net.ipv4.tcp_slow_start_after_idle", 37}, {"net.ipv4.tcp_notsent_lowat", 37}};
  for (const Case& k : cases) {
    if (k.since > 0) {
      EXPECT_TRUE(check("sysctls", PssLevel::Baseline, v(k.since - 1), pod(spec_with(k.name)))) << k.name;
    }
    EXPECT_FALSE(check("sysctls", PssLevel::Baseline, v(k.since), pod(spec_with(k.name)))) << k.name;
    EXPECT_FALSE(check("sysctls", PssLevel::Baseline, latest(), pod(spec_with(k.name)))) << k.name;
  }
}

TEST(PssSysctls, ListsForbiddenNamesInOrder) {
  json spec = {{"containers", {c("a")}},
               {"securityContext",
                {{"sysctls", {{{"name", "kernel.msgmax"}, {"value", "1"}},
                              {{"name", "kernel.shm_rmid_forced"}, {"value", "1"}},
                              {{"name", "a.b"}, {"value", "1"}},
                              {{"name", ""}, {"value", "1"}}}}}}};
  auto r = check("sysctls", PssLevel::Baseline, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden sysctls");
  EXPECT_EQ(r->detail, "kernel.msgmax, a.b, ");
  EXPECT_EQ(r->field, "spec.securityContext.sysctls[0].name");
}

TEST(PssSeLinuxOptions, UpstreamCases) {
  json spec = {{"securityContext", {{"seLinuxOptions", {{"type", "foo"}, {"user", "bar"}, {"role", "baz"}}}}},
               {"containers", {c("a", {{"seLinuxOptions", {{"type", "container_t"}}}}),
                               c("b", {{"seLinuxOptions", {{"type", "container_init_t"}}}}),
                               c("c", {{"seLinuxOptions", {{"type", "container_kvm_t"}}}}),
                               c("d", {{"seLinuxOptions", {{"type", "container_engine_t"}}}}),
                               c("e", {{"seLinuxOptions", {{"type", "bar"}}}}),
                               c("f", {{"seLinuxOptions", {{"user", "bar"}}}}),
                               c("g", {{"seLinuxOptions", {{"role", "baz"}}}})}}};
  auto r = check("seLinuxOptions", PssLevel::Baseline, v(31), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "seLinuxOptions");
  EXPECT_EQ(r->detail,
            "pod and containers \"e\", \"f\", \"g\" set forbidden securityContext.seLinuxOptions: types \"bar\", "
            "\"foo\"; user may not be set; role may not be set");
  EXPECT_EQ(r->field, "spec.securityContext.seLinuxOptions");

  json user_only = {{"securityContext", {{"seLinuxOptions", {{"user", "bad"}}}}}, {"containers", {c("a")}}};
  r = check("seLinuxOptions", PssLevel::Baseline, latest(), pod(user_only));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "pod set forbidden securityContext.seLinuxOptions: user may not be set");
  json role_only = {{"securityContext", {{"seLinuxOptions", {{"role", "bad"}}}}}, {"containers", {c("a")}}};
  r = check("seLinuxOptions", PssLevel::Baseline, latest(), pod(role_only));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "pod set forbidden securityContext.seLinuxOptions: role may not be set");
}

TEST(PssSeLinuxOptions, ContainerEngineTypeFromV1_31) {
  json spec = {{"containers", {c("a", {{"seLinuxOptions", {{"type", "container_engine_t"}}}})}}};
  auto r = check("seLinuxOptions", PssLevel::Baseline, v(30), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "container \"a\" set forbidden securityContext.seLinuxOptions: type \"container_engine_t\"");
  EXPECT_EQ(r->field, "spec.containers[0].securityContext.seLinuxOptions");
  EXPECT_FALSE(check("seLinuxOptions", PssLevel::Baseline, v(31), pod(spec)));
  EXPECT_FALSE(check("seLinuxOptions", PssLevel::Restricted, latest(), pod(spec)));
}

TEST(PssSeLinuxOptions, EmptyOptionsPass) {
  json spec = {{"securityContext", {{"seLinuxOptions", json::object()}}},
               {"containers", {c("a", {{"seLinuxOptions", {{"level", "s0:c1,c2"}}}})}}};
  EXPECT_FALSE(check("seLinuxOptions", PssLevel::Baseline, v(0), pod(spec)));
}

TEST(PssAppArmor, Annotations) {
  json spec = {{"containers", {c("a"), c("b")}}};
  json md = {{"annotations",
              {{"container.apparmor.security.beta.kubernetes.io/b", "unconfined"},
               {"container.apparmor.security.beta.kubernetes.io/a", "localhost/foo"},
               {"container.apparmor.security.beta.kubernetes.io/z", "runtime/default"},
               {"container.apparmor.security.beta.kubernetes.io/y", ""},
               {"other", "unconfined"}}}};
  auto r = check("appArmorProfile", PssLevel::Baseline, v(0), pod(spec, md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden AppArmor profile");
  EXPECT_EQ(r->detail,
            "annotation must not set AppArmor profile type to "
            "\"container.apparmor.security.beta.kubernetes.io/b=\"unconfined\"\"");
  EXPECT_EQ(r->field, "metadata.annotations[container.apparmor.security.beta.kubernetes.io/b]");
  r = check("appArmorProfile", PssLevel::Baseline, v(0), deployment(spec, md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->field, "spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/b]");
}

TEST(PssAppArmor, UpstreamMultipleAnnotations) {
  json md = {{"annotations",
              {{"container.apparmor.security.beta.kubernetes.io/", "bogus"},
               {"container.apparmor.security.beta.kubernetes.io/a", ""},
               {"container.apparmor.security.beta.kubernetes.io/b", "runtime/default"},
               {"container.apparmor.security.beta.kubernetes.io/c", "localhost/"},
               {"container.apparmor.security.beta.kubernetes.io/d", "localhost/foo"},
               {"container.apparmor.security.beta.kubernetes.io/e", "unconfined"},
               {"container.apparmor.security.beta.kubernetes.io/f", "unknown"}}}};
  auto r = check("appArmorProfile", PssLevel::Baseline, v(0), pod(json::object(), md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden AppArmor profiles");
  EXPECT_EQ(r->detail,
            "annotations must not set AppArmor profile type to "
            "\"container.apparmor.security.beta.kubernetes.io/=\"bogus\"\", "
            "\"container.apparmor.security.beta.kubernetes.io/e=\"unconfined\"\", "
            "\"container.apparmor.security.beta.kubernetes.io/f=\"unknown\"\"");
}

TEST(PssAppArmor, FieldsPodContainersAndAnnotationsTogether) {
  json spec = {{"securityContext", {{"appArmorProfile", {{"type", "Unconfined"}}}}},
               {"containers", {c("a", {{"appArmorProfile", {{"type", "RuntimeDefault"}}}}),
                               c("b", {{"appArmorProfile", {{"type", "Unconfined"}}}}),
                               c("c", {{"appArmorProfile", {{"type", "Localhost"}, {"localhostProfile", "x"}}}}),
                               c("d", {{"appArmorProfile", {{"type", "Bogus"}}}})}}};
  json md = {{"annotations", {{"container.apparmor.security.beta.kubernetes.io/a", "unconfined"},
                              {"container.apparmor.security.beta.kubernetes.io/b", "bad\"q"}}}};
  auto r = check("appArmorProfile", PssLevel::Baseline, v(0), pod(spec, md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden AppArmor profiles");
  EXPECT_EQ(r->detail,
            "pod and containers \"b\", \"d\" and annotations must not set AppArmor profile type to \"Bogus\", "
            "\"Unconfined\", \"container.apparmor.security.beta.kubernetes.io/a=\"unconfined\"\", "
            "\"container.apparmor.security.beta.kubernetes.io/b=\"bad\\\"q\"\"");
  EXPECT_EQ(r->field, "spec.securityContext.appArmorProfile.type");

  json container_only = {{"containers", {c("a", {{"appArmorProfile", {{"type", "Unconfined"}}}})}}};
  r = check("appArmorProfile", PssLevel::Baseline, v(0), pod(container_only));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "forbidden AppArmor profile");
  EXPECT_EQ(r->detail, "container \"a\" must not set AppArmor profile type to \"Unconfined\"");
  EXPECT_EQ(r->container, "a");
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
