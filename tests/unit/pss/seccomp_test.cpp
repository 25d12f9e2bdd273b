// seccompProfile_baseline (annotations before v1.19, fields after) and seccompProfile_restricted
// (v1.19+, Windows pods exempt from v1.25).
#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

json profile(const char* type) { return json{{"seccompProfile", {{"type", type}}}}; }

TEST(PssSeccompBaseline, AnnotationsBeforeV1_19) {
  json spec = {{"initContainers", {c("i")}}, {"containers", {c("a"), c("b")}}};
  json md = {{"annotations",
              {{"seccomp.security.alpha.kubernetes.io/pod", "unconfined"},
               {"container.seccomp.security.alpha.kubernetes.io/a", "localhost/x"},
               {"container.seccomp.security.alpha.kubernetes.io/b", "docker/default"},
               {"container.seccomp.security.alpha.kubernetes.io/i", ""},
               {"container.seccomp.security.alpha.kubernetes.io/nobody", "unconfined"}}}};
  auto r = check("seccompProfile_baseline", PssLevel::Baseline, v(18), pod(spec, md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "seccompProfile");
  // Sorted; an annotation for a container that does not exist is not judged; "" is not allowed.
  EXPECT_EQ(r->detail,
            "forbidden annotations container.seccomp.security.alpha.kubernetes.io/i=\"\", "
            "seccomp.security.alpha.kubernetes.io/pod=\"unconfined\"");
  EXPECT_EQ(r->field, "metadata.annotations[seccomp.security.alpha.kubernetes.io/pod]");
  // From v1.19 the annotations are not judged (the fields are).
  EXPECT_FALSE(check("seccompProfile_baseline", PssLevel::Baseline, v(19), pod(spec, md)));
  // Restricted before v1.19 judges the annotations too.
  EXPECT_TRUE(check("seccompProfile_baseline", PssLevel::Restricted, v(18), pod(spec, md)));
}

TEST(PssSeccompBaseline, FieldsFromV1_19) {
  json spec = {{"securityContext", profile("Unconfined")},
               {"containers", {c("a", profile("RuntimeDefault")), c("b", profile("Unconfined")),
                               c("c", {{"seccompProfile", json::object()}}), c("d")}}};
  EXPECT_FALSE(check("seccompProfile_baseline", PssLevel::Baseline, v(18), pod(spec)));
  auto r = check("seccompProfile_baseline", PssLevel::Baseline, v(19), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail, "pod and containers \"b\", \"c\" must not set securityContext.seccompProfile.type to \"\", \"Unconfined\"");
  EXPECT_EQ(r->field, "spec.securityContext.seccompProfile.type");
  json unset = {{"containers", {c("a")}}};
  EXPECT_FALSE(check("seccompProfile_baseline", PssLevel::Baseline, latest(), pod(unset)));
}

TEST(PssSeccompRestricted, ExplicitlyBad) {
  json spec = good_spec({{"securityContext", profile("Unconfined")},
                         {"containers", {good_container("a", profile("Localhost")),
                                         good_container("c", profile("Unconfined")),
                                         good_container("d", profile("Unconfined")), good_container("e")}}});
  auto r = check("seccompProfile_restricted", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->reason, "seccompProfile");
  EXPECT_EQ(r->detail, "pod and containers \"c\", \"d\" must not set securityContext.seccompProfile.type to \"Unconfined\"");
}

TEST(PssSeccompRestricted, ImplicitlyBad) {
  json spec = good_spec({{"securityContext", {{"seccompProfile", nullptr}}},
                         {"containers", {good_container("a", profile("RuntimeDefault")), good_container("b"),
                                         good_container("c")}}});
  auto r = check("seccompProfile_restricted", PssLevel::Restricted, latest(), pod(spec));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail,
            "pod or containers \"b\", \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or "
            "\"Localhost\"");
  EXPECT_EQ(r->field, "spec.containers[1].securityContext.seccompProfile.type");
  EXPECT_EQ(r->container, "b");
  // A valid pod-level profile covers containers that set none.
  json covered = good_spec({{"containers", {good_container("b")}}});
  EXPECT_FALSE(check("seccompProfile_restricted", PssLevel::Restricted, latest(), pod(covered)));
  // Not judged before v1.19.
  EXPECT_FALSE(check("seccompProfile_restricted", PssLevel::Restricted, v(18), pod(spec)));
}

TEST(PssSeccompRestricted, WindowsPodsExemptFromV1_25) {
  json spec = good_spec({{"os", {{"name", "windows"}}}, {"securityContext", {{"seccompProfile", nullptr}}}});
  EXPECT_TRUE(check("seccompProfile_restricted", PssLevel::Restricted, v(24), pod(spec)));
  EXPECT_FALSE(check("seccompProfile_restricted", PssLevel::Restricted, v(25), pod(spec)));
  spec["os"]["name"] = "linux";
  EXPECT_TRUE(check("seccompProfile_restricted", PssLevel::Restricted, v(25), pod(spec)));
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
