// Who quarantined a pod, and the two-person release (issue 18), end to end: the real binary in
// cluster mode against the API test server, reviews over real TLS. The webhook that admits the
// request setting the quarantine label records its user on the pod (annotation
// kindlyguard.io/quarantined-by, written as kindlyguard's own user once the label has landed);
// the leader copies it into the QuarantineRecord; nobody else may write that annotation; and
// the quarantiner may not release the pod: another release user may, and the denial says who.
#include <algorithm>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/cluster_fixture.hpp"
#include "support/fixtures.hpp"
#include "support/webhook_process.hpp"
#include "quarantine_fixture.hpp"

namespace kindlyguard::testing {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

const char* kLabel = kQuarantineLabel;
const char* kBy = "kindlyguard.io/quarantined-by";
constexpr auto kWait = kQuarantineWait;

class QuarantineReleaseE2E : public QuarantineClusterTest {
 protected:

  // With two release users and a release group, and kindlyguard knowing its own user.
  std::unique_ptr<WebhookProcess> start_operator(std::vector<std::string> extra = {}) {
    return QuarantineClusterTest::start_operator(concat({{std::string("--kindlyguard-user=") + kOperatorUser,
                                                          "--quarantine-release-users=alice,bob",
                                                          "--quarantine-release-groups=security-team"},
                                                         extra}));
  }

  json pod_json(bool quarantined, const std::string& by = "") {
    json labels = {{"app", "web"}};
    if (quarantined) labels[kLabel] = "true";
    json md = {{"name", "web-1"}, {"namespace", "team"}, {"labels", labels}};
    if (!by.empty()) md["annotations"] = {{kBy, by}};
    return {{"apiVersion", "v1"}, {"kind", "Pod"}, {"metadata", md},
            {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}}})}}}};
  }

  // The webhook's answer to an UPDATE from `before` to `after` by `user`.
  json review(WebhookProcess& hook, const json& before, const json& after, const std::string& user,
              json groups = {"system:authenticated"}) {
    json r = json::parse(review_json(after.dump(), "UPDATE", "uid-1", user, before.dump()));
    r["request"]["userInfo"]["groups"] = std::move(groups);
    auto answer = hook.review(r.dump());
    EXPECT_TRUE(answer.ok());
    return answer.ok() ? json::parse(answer->body)["response"] : json::object();
  }
};

TEST_F(QuarantineReleaseE2E, TheQuarantinerIsRecordedAndMayNotReleaseAlone) {
  make_namespace("team");
  api->store().create("pods", pod_json(false));
  auto hook = start_operator();

  // alice labels the pod: the webhook admits it, then the API server stores it.
  ASSERT_TRUE(review(*hook, pod_json(false), pod_json(true), "alice")["allowed"]);
  api->store().merge_patch("pods", "team", "web-1", {{"metadata", {{"labels", {{kLabel, "true"}}}}}});

  // kindlyguard writes who did it on the pod, as itself, and into the record.
  auto pod = api->store().wait_for_object("pods", "team", "web-1", [](const json& p) {
    return p["metadata"].value("annotations", json::object()).value(kBy, "") == "alice";
  }, kWait);
  ASSERT_TRUE(pod) << hook->process().stderr_text();
  EXPECT_TRUE(api->requests().wait_until([](const std::vector<kindly::testapi::RequestRecord>& all) {
    return std::any_of(all.begin(), all.end(), [](const auto& r) {
      return r.info.verb == "patch" && r.info.name == "web-1" && r.user == kOperatorUser &&
             r.body.find("kindlyguard.io/quarantined-by") != std::string::npos;
    });
  }, kWait));
  ASSERT_TRUE(api->store().wait_for([](const kindly::testapi::StoreView& v) {
    for (const auto& r : v.list("quarantinerecords", "kindlyguard"))
      if (r["spec"].value("quarantinedBy", "") == "alice") return true;
    return false;
  }, kWait)) << hook->process().stderr_text();

  // alice may not release it: another release user must, and the denial names who.
  json denied = review(*hook, pod_json(true, "alice"), pod_json(false, "alice"), "alice");
  EXPECT_FALSE(denied["allowed"]);
  const std::string msg = denied["status"].value("message", "");
  EXPECT_THAT(msg, HasSubstr("quarantined by \"alice\""));
  EXPECT_THAT(msg, HasSubstr("two-person"));
  EXPECT_THAT(msg, HasSubstr("another release user (bob)"));
  EXPECT_THAT(msg, HasSubstr("security-team"));
  // Nor can she drop or rewrite the annotation to get round it.
  json forged = review(*hook, pod_json(true, "alice"), pod_json(true, "mallory"), "alice");
  EXPECT_FALSE(forged["allowed"]);
  EXPECT_THAT(forged["status"].value("message", ""), HasSubstr("written by kindlyguard only"));
  EXPECT_FALSE(review(*hook, pod_json(true, "alice"), pod_json(true), "alice")["allowed"]);
  // Nor name someone else when quarantining, on update or create.
  EXPECT_FALSE(review(*hook, pod_json(false), pod_json(true, "bob"), "alice")["allowed"]);
  json create = json::parse(review_json(pod_json(true, "bob").dump(), "CREATE", "uid-2", "alice"));
  auto created = hook->review(create.dump());
  ASSERT_TRUE(created.ok());
  EXPECT_FALSE(json::parse(created->body)["response"]["allowed"]);

  // bob may; so may a member of security-team; with --quarantine-two-person=false alice may too.
  EXPECT_TRUE(review(*hook, pod_json(true, "alice"), pod_json(false, "alice"), "bob")["allowed"]);
  EXPECT_TRUE(review(*hook, pod_json(true, "alice"), pod_json(false, "alice"), "carol", {"security-team"})["allowed"]);
  // A pod nobody is recorded for is released by the release rule alone.
  EXPECT_TRUE(review(*hook, pod_json(true), pod_json(false), "alice")["allowed"]);

  // Released: the record ends, and the annotation goes with the quarantine.
  api->store().merge_patch("pods", "team", "web-1", {{"metadata", {{"labels", {{kLabel, nullptr}}}}}});
  ASSERT_TRUE(api->store().wait_for_object("pods", "team", "web-1", [](const json& p) {
    return !p["metadata"].value("annotations", json::object()).contains(kBy);
  }, kWait)) << hook->process().stderr_text();
}

TEST_F(QuarantineReleaseE2E, TwoPersonRuleCanBeTurnedOff) {
  auto hook = start_operator({"--quarantine-two-person=false"});
  EXPECT_TRUE(review(*hook, pod_json(true, "alice"), pod_json(false, "alice"), "alice")["allowed"]);
  // The annotation is still kindlyguard's alone.
  EXPECT_FALSE(review(*hook, pod_json(true, "alice"), pod_json(true, "bob"), "alice")["allowed"]);
}

TEST_F(QuarantineReleaseE2E, ALabelThatNeverLandsIsNotAttributed) {
  make_namespace("team");
  api->store().create("pods", pod_json(false));
  auto hook = start_operator();
  // Admitted by this webhook, refused later (another webhook): the pod never gets the label.
  ASSERT_TRUE(review(*hook, pod_json(false), pod_json(true), "alice")["allowed"]);
  // A dry run is not attributed either.
  json dry = json::parse(review_json(pod_json(true).dump(), "UPDATE", "uid-3", "bob", pod_json(false).dump()));
  dry["request"]["dryRun"] = true;
  ASSERT_TRUE(hook->review(dry.dump()).ok());
  // Another pod's label lands and is attributed: by then the first request had its chance.
  json other = pod_json(false);
  other["metadata"]["name"] = "web-2";
  api->store().create("pods", other);
  json other_after = other;
  other_after["metadata"]["labels"][kLabel] = "true";
  ASSERT_TRUE(review(*hook, other, other_after, "carol")["allowed"]);
  api->store().merge_patch("pods", "team", "web-2", {{"metadata", {{"labels", {{kLabel, "true"}}}}}});
  ASSERT_TRUE(api->store().wait_for_object("pods", "team", "web-2", [](const json& p) {
    return p["metadata"].value("annotations", json::object()).value(kBy, "") == "carol";
  }, kWait));
  EXPECT_EQ(api->requests().count({.verb = "patch", .resource = "pods", .ns = "team", .name = "web-1"}), 0u);
}

TEST_F(QuarantineReleaseE2E, ATimeBoxedQuarantineEndsByItself) {
  make_namespace("team");
  json pod = pod_json(true);
  pod["metadata"]["annotations"] = {{"kindlyguard.io/quarantine-until", "2s"}};
  const std::string uid = api->store().create("pods", pod)["metadata"]["uid"];
  auto hook = start_operator();
  ASSERT_TRUE(api->store().wait_for_object("networkpolicies", "team", "kindlyguard-quarantine", nullptr, kWait))
      << hook->process().stderr_text();

  // Two seconds after its isolation kindlyguard lifts it, says so, and the record ends Expired.
  ASSERT_TRUE(api->store().wait_for_object("pods", "team", "web-1", [](const json& p) {
    return !p["metadata"].value("labels", json::object()).contains(kLabel);
  }, kWait)) << hook->process().stderr_text();
  EXPECT_TRUE(api->requests().wait_until([](const std::vector<kindly::testapi::RequestRecord>& all) {
    return std::any_of(all.begin(), all.end(), [](const auto& r) {
      return r.info.verb == "patch" && r.info.resource == "pods" && r.info.name == "web-1" && r.user == kOperatorUser &&
             r.body.find("\"kindlyguard.io/quarantine\":null") != std::string::npos;
    });
  }, kWait));
  ASSERT_TRUE(api->store().wait_for_absent("networkpolicies", "team", "kindlyguard-quarantine", kWait));
  ASSERT_TRUE(api->store().wait_for([&](const kindly::testapi::StoreView& v) {
    for (const auto& r : v.list("quarantinerecords", "kindlyguard"))
      if (r["spec"]["pod"].value("uid", "") == uid && r["status"].value("state", "") == "Expired" &&
          r["status"].value("until", "") == "2s")
        return true;
    return false;
  }, kWait)) << hook->process().stderr_text();
  EXPECT_TRUE(api->store().wait_for([](const kindly::testapi::StoreView& v) {
    for (const auto& e : v.list("events.events.k8s.io", "team"))
      if (e.value("reason", "") == "QuarantineExpired") return true;
    return false;
  }, kWait));
}

TEST_F(QuarantineReleaseE2E, TheTimeBoxIsAReleaseDecision) {
  auto hook = start_operator();
  auto with = [&](json p, const std::string& until, const std::string& since = "2026-01-01T00:00:00Z") {
    p["metadata"]["annotations"]["kindlyguard.io/quarantined-at"] = since;
    if (!until.empty()) p["metadata"]["annotations"]["kindlyguard.io/quarantine-until"] = until;
    return p;
  };
  const json quarantined = with(pod_json(true, "alice"), "");
  const json shortened = with(pod_json(true, "alice"), "1s");
  // Shortening a running quarantine: a release user's call, and not the quarantiner's.
  json denied = review(*hook, quarantined, shortened, "mallory");
  EXPECT_FALSE(denied["allowed"]);
  EXPECT_THAT(denied["status"].value("message", ""), HasSubstr("kindlyguard.io/quarantine-until"));
  EXPECT_FALSE(review(*hook, quarantined, shortened, "alice")["allowed"]);
  EXPECT_TRUE(review(*hook, quarantined, shortened, "bob")["allowed"]);
  // Time-boxing a quarantine as it starts is anyone's.
  json starting = pod_json(true);
  starting["metadata"]["annotations"] = {{"kindlyguard.io/quarantine-until", "4h"}};
  EXPECT_TRUE(review(*hook, pod_json(false), starting, "mallory")["allowed"]);
  // kindlyguard lifts a quarantine whose time is up, and no other.
  EXPECT_TRUE(review(*hook, shortened, with(pod_json(false, "alice"), "1s"), kOperatorUser)["allowed"]);
  const json future = with(pod_json(true, "alice"), "2999-01-01T00:00:00Z");
  EXPECT_FALSE(review(*hook, future, with(pod_json(false, "alice"), "2999-01-01T00:00:00Z"), kOperatorUser)["allowed"]);
}

}  // namespace
}  // namespace kindlyguard::testing
