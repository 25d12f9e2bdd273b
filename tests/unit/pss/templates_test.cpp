// Pod templates are judged like pods, with field paths into the template; annotation values are
// quoted the way Go's %q quotes them.
#include "pss_test_util.hpp"

namespace kindlyguard::policy::pss::testing {
namespace {

TEST(PssTemplates, CronJobFieldPathsAndTemplateAnnotations) {
  json spec = {{"containers", {{{"name", "a"}, {"securityContext", {{"privileged", true}}}}}}};
  const json apparmor = {{"container.apparmor.security.beta.kubernetes.io/a", "unconfined"}};
  json tmpl = {{"metadata", {{"annotations", apparmor}}}, {"spec", spec}};
  json cronjob = {{"apiVersion", "batch/v1"}, {"kind", "CronJob"}, {"metadata", {{"name", "c"}, {"annotations", apparmor}}}};
  cronjob["spec"]["schedule"] = "* * * * *";
  cronjob["spec"]["jobTemplate"]["spec"]["template"] = tmpl;
  auto r = run(PssLevel::Baseline, latest(), cronjob);
  ASSERT_EQ(ids(r), (std::vector<std::string>{"appArmorProfile", "privileged"}));
  EXPECT_EQ(r[0].field,
            "spec.jobTemplate.spec.template.metadata.annotations[container.apparmor.security.beta.kubernetes.io/a]");
  EXPECT_EQ(r[1].field, "spec.jobTemplate.spec.template.spec.containers[0].securityContext.privileged");
}

TEST(PssTemplates, ObjectAnnotationsAreNotTheTemplates) {
  // Only the pod template's annotations describe the pods; the workload's own do not.
  json dep = deployment({{"containers", {{{"name", "a"}}}}});
  dep["metadata"]["annotations"] = {{"container.apparmor.security.beta.kubernetes.io/a", "unconfined"}};
  EXPECT_TRUE(run(PssLevel::Baseline, latest(), dep).empty());
}

TEST(PssTemplates, SameVerdictForEveryWorkloadKind) {
  json spec = {{"hostNetwork", true}, {"containers", {{{"name", "a"}}}}};
  for (const char* kind : {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "ReplicationController", "Job"}) {
    json w = deployment(spec);
    w["kind"] = kind;
    auto r = run(PssLevel::Baseline, v(30), w);
    ASSERT_EQ(ids(r), std::vector<std::string>{"hostNamespaces"}) << kind;
    EXPECT_EQ(r[0].field, "spec.template.spec.hostNetwork") << kind;
  }
}

TEST(PssTemplates, EmptyPodSpecIsCompliantBaselineAndRestricted) {
  // No containers at all: nothing to judge (the API server rejects such pods for other reasons).
  EXPECT_TRUE(run(PssLevel::Restricted, latest(), pod(json::object())).empty());
  json no_spec = {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", {{"name", "x"}}}};
  EXPECT_TRUE(run(PssLevel::Restricted, latest(), no_spec).empty());
}

TEST(PssQuoting, AnnotationValuesUseGoQuoting) {
  json spec = {{"containers", {{{"name", "a"}}}}};
  json md = {{"annotations", {{"seccomp.security.alpha.kubernetes.io/pod", std::string("un\"con\\fined\n\x01\xff") + "\u00e9\u00a0"}}}};
  auto r = check("seccompProfile_baseline", PssLevel::Baseline, v(10), pod(spec, md));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->detail,
            "forbidden annotation seccomp.security.alpha.kubernetes.io/pod=\"un\\\"con\\\\fined\\n\\x01\\xff\u00e9\\u00a0\"");
}

TEST(PssContainers, MoreContainersThanTheInlineBuffer) {
  json containers = json::array();
  for (int i = 0; i < 40; ++i) containers.push_back(good_container("c" + std::to_string(i)));
  containers[39]["securityContext"]["privileged"] = true;
  auto r = run(PssLevel::Restricted, latest(), pod(good_spec({{"containers", containers}})));
  ASSERT_EQ(ids(r), std::vector<std::string>{"privileged"});
  EXPECT_EQ(r[0].detail, "container \"c39\" must not set securityContext.privileged=true");
}

}  // namespace
}  // namespace kindlyguard::policy::pss::testing
