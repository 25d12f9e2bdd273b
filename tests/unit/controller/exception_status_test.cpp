// The SecurityPolicyException status logic: conditions (exactly one True), the times the status
// changes by the clock alone, when Events are due (once), lastUsed throttling, the usage record,
// the live set (status-only updates start no work) and the owner lookup's cache.
#include "kindlyguard/controller/exception_status.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "kindlyguard/controller/owner_lookup.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {
namespace {

using ::testing::HasSubstr;
using nlohmann::json;
using namespace std::chrono_literals;

policy::Seconds at(const char* text) { return policy::Seconds(std::chrono::seconds(*parse_k8s_time(text))); }

json exception_object(const std::string& expires = "", const std::string& ns = "monitoring") {
  json spec = {{"exceptions", json::array({{{"policy", "no-priv"}, {"rules", json::array({"privileged"})}}})},
               {"reason", "CNI needs it"}};
  if (!expires.empty()) spec["expiresAt"] = expires;
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicyException"},
          {"metadata", {{"name", "cni"}, {"namespace", ns}, {"uid", "u1"}, {"generation", 2}, {"resourceVersion", "7"}}},
          {"spec", spec}};
}

ExceptionVerdict verdict_of(const json& object, std::vector<std::string> admins = {}) {
  policy::ExceptionStore store(std::move(admins));
  LiveExceptions live(store);
  live.upsert(object);
  return *live.verdict("monitoring/cni");
}

json condition(const json& status, const std::string& type) {
  for (const auto& c : status["conditions"])
    if (c["type"] == type) return c;
  return nullptr;
}

int trues(const json& status) {
  int n = 0;
  for (const auto& c : status["conditions"]) n += c["status"] == "True";
  return n;
}

TEST(ExceptionStatus, ActiveThenExpiresSoonThenExpiredWithOneEventEach) {
  const auto v = verdict_of(exception_object("2027-06-30T00:00:00Z"));
  const auto warning = std::chrono::seconds(std::chrono::hours(24));

  auto in = exception_status_input(v, at("2027-06-01T00:00:00Z"), warning);
  EXPECT_EQ(in.state, ExceptionState::Active);
  EXPECT_FALSE(in.expires_soon);
  auto first = desired_exception_status(json::object(), in, "2027-06-01T00:00:00Z");
  ASSERT_TRUE(first);
  EXPECT_FALSE(first->expiring_now);
  EXPECT_FALSE(first->expired_now);
  EXPECT_EQ(trues(first->status), 1);
  EXPECT_EQ(condition(first->status, "Active")["status"], "True");
  EXPECT_EQ(condition(first->status, "Active")["reason"], "Accepted");
  EXPECT_EQ(condition(first->status, "Expired")["status"], "False");
  EXPECT_EQ(first->status["observedGeneration"], 2);
  EXPECT_EQ(first->status["matchedObjects"], 0);
  // Said once: the same input again writes nothing.
  EXPECT_FALSE(desired_exception_status(first->status, in, "2027-06-01T00:00:05Z"));

  // The warning window opens at the second.
  EXPECT_FALSE(exception_status_input(v, at("2027-06-28T23:59:59Z"), warning).expires_soon);
  auto soon_in = exception_status_input(v, at("2027-06-29T00:00:00Z"), warning);
  EXPECT_TRUE(soon_in.expires_soon);
  auto soon = desired_exception_status(first->status, soon_in, "2027-06-29T00:00:00Z");
  ASSERT_TRUE(soon);
  EXPECT_TRUE(soon->expiring_now);
  EXPECT_EQ(condition(soon->status, "Active")["reason"], "ExpiresSoon");
  // Still True: lastTransitionTime stays.
  EXPECT_EQ(condition(soon->status, "Active")["lastTransitionTime"], "2027-06-01T00:00:00Z");
  // A restart reconciles again: the condition already says it, so no second Event.
  EXPECT_FALSE(desired_exception_status(soon->status, soon_in, "2027-06-29T00:00:09Z"));

  // Expired at the very second of expiresAt, not a second later.
  EXPECT_EQ(exception_status_input(v, at("2027-06-29T23:59:59Z"), warning).state, ExceptionState::Active);
  auto gone_in = exception_status_input(v, at("2027-06-30T00:00:00Z"), warning);
  EXPECT_EQ(gone_in.state, ExceptionState::Expired);
  EXPECT_EQ(gone_in.message, "expired at 2027-06-30T00:00:00Z");
  auto gone = desired_exception_status(soon->status, gone_in, "2027-06-30T00:00:00Z");
  ASSERT_TRUE(gone);
  EXPECT_TRUE(gone->expired_now);
  EXPECT_FALSE(gone->expiring_now);
  EXPECT_EQ(trues(gone->status), 1);
  EXPECT_EQ(condition(gone->status, "Expired")["status"], "True");
  EXPECT_EQ(condition(gone->status, "Active")["status"], "False");
  EXPECT_EQ(condition(gone->status, "Active")["lastTransitionTime"], "2027-06-30T00:00:00Z");
  EXPECT_FALSE(desired_exception_status(gone->status, gone_in, "2027-06-30T00:01:00Z"));
}

TEST(ExceptionStatus, InvalidCarriesTheParsersMessageAndIsLeftOutOfTheStore) {
  json bad = exception_object();
  bad["spec"]["reason"] = "";
  policy::ExceptionStore store;
  LiveExceptions live(store);
  live.upsert(bad);
  auto v = live.verdict("monitoring/cni");
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->invalid.empty());
  EXPECT_TRUE(store.get()->exceptions.empty());
  auto in = exception_status_input(*v, at("2027-01-01T00:00:00Z"), 1h);
  EXPECT_EQ(in.state, ExceptionState::Invalid);
  auto status = desired_exception_status(json::object(), in, "t");
  ASSERT_TRUE(status);
  EXPECT_EQ(condition(status->status, "Invalid")["status"], "True");
  EXPECT_THAT(condition(status->status, "Invalid")["message"].get<std::string>(), HasSubstr("reason"));
  EXPECT_EQ(live.counts(at("2027-01-01T00:00:00Z")).at("invalid"), 1u);
}

TEST(ExceptionStatus, OtherNamespacesFromOutsideAnAdminNamespaceAreInvalid) {
  json wide = exception_object();
  wide["spec"]["match"] = {{"namespaces", json::array({"*"})}};
  auto v = verdict_of(wide);
  EXPECT_EQ(exception_state(v, at("2027-01-01T00:00:00Z")), ExceptionState::Invalid);
  EXPECT_THAT(v.invalid, HasSubstr("--exception-namespaces"));
  EXPECT_EQ(exception_state(verdict_of(wide, {"monitoring"}), at("2027-01-01T00:00:00Z")), ExceptionState::Active);
}

TEST(ExceptionStatus, DeadlinesAreTheWarningThenTheExpiry) {
  const auto v = verdict_of(exception_object("2027-06-30T00:00:00Z"));
  EXPECT_TRUE(next_exception_deadline(v, at("2027-06-01T00:00:00Z"), 24h) == at("2027-06-29T00:00:00Z"));
  EXPECT_TRUE(next_exception_deadline(v, at("2027-06-29T00:00:00Z"), 24h) == at("2027-06-30T00:00:00Z"));
  EXPECT_TRUE(next_exception_deadline(v, at("2027-06-29T23:59:59Z"), 24h) == at("2027-06-30T00:00:00Z"));
  EXPECT_FALSE(next_exception_deadline(v, at("2027-06-30T00:00:00Z"), 24h));
  EXPECT_FALSE(next_exception_deadline(verdict_of(exception_object()), at("2027-06-01T00:00:00Z"), 24h));
}

TEST(ExceptionStatus, LastUsedIsWrittenAtMostOnceAMinute) {
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  EXPECT_EQ(last_used_wait(std::nullopt, t0, 1min), 0ms);
  EXPECT_EQ(last_used_wait(t0, t0 + 20s, 1min), 40s);
  EXPECT_EQ(last_used_wait(t0, t0 + 60s, 1min), 0ms);

  ExceptionStatusInput in;
  in.last_used = "2027-01-01T00:00:00Z";
  auto s = desired_exception_status(json::object(), in, "t");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status["lastUsed"], "2027-01-01T00:00:00Z");
  in.last_used.reset();  // not due: what is there stays
  EXPECT_FALSE(desired_exception_status(s->status, in, "t"));
}

TEST(ExceptionUsage, TellsOnceUntilWrittenAndSkipsDryRuns) {
  policy::Seconds clock = at("2027-01-01T00:00:00Z");
  ExceptionUsage usage([&] { return clock; });
  std::vector<std::string> told;
  usage.on_news([&](const std::string& k) { told.push_back(k); });
  policy::Decision d;
  d.excused.push_back({policy::Violation{}, "monitoring/cni"});
  d.excused.push_back({policy::Violation{}, "monitoring/cni"});
  policy::Request dry;
  dry.dry_run = true;
  usage.on_decision(dry, d, 0us);
  EXPECT_TRUE(told.empty());
  EXPECT_FALSE(usage.last_used("monitoring/cni"));

  usage.on_decision(policy::Request{}, d, 0us);
  clock += 5s;
  usage.on_decision(policy::Request{}, d, 0us);
  EXPECT_EQ(told.size(), 1u);
  EXPECT_TRUE(usage.last_used("monitoring/cni") == at("2027-01-01T00:00:05Z"));
  // Written with the first use: a later one is known, so the caller schedules the next write.
  EXPECT_TRUE(usage.written("monitoring/cni", at("2027-01-01T00:00:00Z")));
  EXPECT_FALSE(usage.written("monitoring/cni", at("2027-01-01T00:00:05Z")));
  usage.on_decision(policy::Request{}, d, 0us);
  EXPECT_EQ(told.size(), 2u);
}

TEST(ExceptionUsage, AuditMatchesChangeMatchedObjectsAndCountAsUseHourly) {
  ExceptionUsage usage({}, 1h);
  std::vector<std::string> told;
  usage.on_news([&](const std::string& k) { told.push_back(k); });
  usage.set_matched({{"monitoring/cni", 3}}, at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(usage.matched("monitoring/cni"), 3u);
  EXPECT_TRUE(usage.last_used("monitoring/cni") == at("2027-01-01T00:00:00Z"));
  EXPECT_EQ(told.size(), 1u);
  usage.written("monitoring/cni", at("2027-01-01T00:00:00Z"));
  // The same finding a minute later: nothing new to write.
  usage.set_matched({{"monitoring/cni", 3}}, at("2027-01-01T00:01:00Z"));
  EXPECT_EQ(told.size(), 1u);
  EXPECT_TRUE(usage.last_used("monitoring/cni") == at("2027-01-01T00:00:00Z"));
  // Gone from the audit: the count falls to 0.
  usage.set_matched({}, at("2027-01-01T00:02:00Z"));
  EXPECT_EQ(usage.matched("monitoring/cni"), 0u);
  EXPECT_EQ(told.size(), 2u);
}

TEST(LiveExceptions, StatusOnlyUpdatesStartNoWork) {
  policy::ExceptionStore store;
  LiveExceptions live(store);
  int changes = 0;
  live.on_change([&](const std::string&) { ++changes; });
  json e = exception_object("2027-06-30T00:00:00Z");
  live.upsert(e);
  EXPECT_EQ(changes, 1);
  const auto version = store.get()->version;
  ASSERT_EQ(store.get()->exceptions.size(), 1u);
  e["status"] = {{"lastUsed", "2027-01-01T00:00:00Z"}};
  e["metadata"]["resourceVersion"] = "8";
  live.upsert(e);
  EXPECT_EQ(changes, 1);
  EXPECT_EQ(store.get()->version, version);
  e["spec"]["reason"] = "still needed";
  e["metadata"]["generation"] = 3;
  live.upsert(e);
  EXPECT_EQ(changes, 2);
  EXPECT_EQ(store.get()->exceptions.at(0).reason, "still needed");
  live.remove(e);
  EXPECT_EQ(changes, 3);
  EXPECT_TRUE(store.get()->exceptions.empty());
}

TEST(ExceptionApprovedEvent, NamesTheUserAndTheException) {
  json obj = exception_object();
  policy::Request r;
  r.operation = policy::Operation::Create;
  r.namespace_ = "monitoring";
  r.name = "cni";
  r.username = "alice";
  r.groups = {"sec-admins"};
  r.object = &obj;
  auto e = exception_approved_event(r);
  EXPECT_EQ(e.reason, "ExceptionApproved");
  EXPECT_EQ(e.type, EventType::Normal);
  EXPECT_EQ(e.regarding.kind, "SecurityPolicyException");
  EXPECT_EQ(e.regarding.namespace_, "monitoring");
  EXPECT_THAT(e.note, HasSubstr("alice"));
  EXPECT_THAT(e.note, HasSubstr("sec-admins"));
}

TEST(OwnerLookup, FollowsKnownKindsCachesAnswersAndEndsOnErrors) {
  auto clock = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  int fetches = 0;
  bool fail = false;
  OwnerLookupOptions o;
  o.now = [&] { return clock; };
  o.max_entries = 2;
  OwnerLookup lookup(
      [&](const client::ResourceRef& r, const std::string& ns, const std::string& name) -> client::ApiResult<json> {
        ++fetches;
        if (fail) return client::ApiError{503, "ServiceUnavailable", "down"};
        if (name == "missing") return client::ApiError{404, "NotFound", "not found"};
        EXPECT_EQ(r.plural, "deployments");
        return json{{"metadata", {{"name", name}, {"namespace", ns}, {"uid", "d1"}, {"labels", {{"a", "b"}}}}}};
      },
      o);
  policy::OwnerRef web{"apps/v1", "Deployment", "web", "d1"};
  auto got = lookup.lookup("shop", web);
  ASSERT_TRUE(got);
  EXPECT_EQ((*got)["uid"], "d1");
  EXPECT_FALSE(got->contains("labels"));  // only what the walk reads is kept
  EXPECT_TRUE(lookup.lookup("shop", web));
  EXPECT_EQ(fetches, 1);
  // Not found is cached too.
  policy::OwnerRef missing{"apps/v1", "Deployment", "missing", "x"};
  EXPECT_FALSE(lookup.lookup("shop", missing));
  EXPECT_FALSE(lookup.lookup("shop", missing));
  EXPECT_EQ(fetches, 2);
  // Kinds not followed cost nothing.
  EXPECT_FALSE(lookup.lookup("shop", {"example.com/v1", "Thing", "t", "u"}));
  EXPECT_FALSE(lookup.lookup("shop", {"v1", "Deployment", "web", "d1"}));  // wrong group
  EXPECT_EQ(fetches, 2);
  // After the ttl, asked again; an error ends the walk.
  clock += 31s;
  fail = true;
  EXPECT_FALSE(lookup.lookup("shop", web));
  EXPECT_EQ(lookup.stats().errors, 1u);
}

TEST(OwnerLookup, MapsEveryFollowedKind) {
  EXPECT_EQ(owner_resource("apps/v1", "ReplicaSet")->plural, "replicasets");
  EXPECT_EQ(owner_resource("apps/v1", "DaemonSet")->plural, "daemonsets");
  EXPECT_EQ(owner_resource("apps/v1", "StatefulSet")->plural, "statefulsets");
  EXPECT_EQ(owner_resource("batch/v1", "CronJob")->plural, "cronjobs");
  EXPECT_EQ(owner_resource("batch/v1", "Job")->plural, "jobs");
  EXPECT_EQ(owner_resource("v1", "ReplicationController")->plural, "replicationcontrollers");
  EXPECT_FALSE(owner_resource("v1", "Node"));
}

}  // namespace
}  // namespace kindlyguard::controller
