#include <regex>

#include "fixture.hpp"

namespace kta_test {
namespace {

class Crud : public ApiTest {};

TEST_F(Crud, CreateStampsUidTimestampGenerationAndResourceVersion) {
  auto c = client();
  const Response r = c.post(kPods, pod("web"));
  ASSERT_EQ(r.code, 201) << r.body;
  const json p = r.js();
  EXPECT_EQ(p["kind"], "Pod");
  EXPECT_EQ(p["apiVersion"], "v1");
  EXPECT_TRUE(std::regex_match(p["metadata"]["uid"].get<std::string>(),
                               std::regex("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")));
  EXPECT_TRUE(std::regex_match(p["metadata"]["creationTimestamp"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  EXPECT_EQ(p["metadata"]["generation"], 1);
  EXPECT_EQ(p["metadata"]["namespace"], "default");
  EXPECT_EQ(p["status"]["phase"], "Pending");  // the pod's status is the server's, not the client's
  EXPECT_EQ(rv_num(p), api->store().resource_version());

  // One global, increasing resourceVersion across resources.
  const json sp = c.post(kSecpols, secpol("p1")).js();
  EXPECT_GT(rv_num(sp), rv_num(p));
  EXPECT_FALSE(sp["metadata"].contains("namespace"));

  const json got = c.get(std::string(kPods) + "/web").js();
  EXPECT_EQ(got, p);
}

TEST_F(Crud, DuplicateCreateIsAlreadyExists) {
  auto c = client();
  ASSERT_EQ(c.post(kSecpols, secpol("dup")).code, 201);
  const Response r = c.post(kSecpols, secpol("dup"));
  EXPECT_EQ(r.code, 409);
  const json s = r.js();
  EXPECT_EQ(s["kind"], "Status");
  EXPECT_EQ(s["status"], "Failure");
  EXPECT_EQ(s["reason"], "AlreadyExists");
  EXPECT_EQ(s["message"], "securitypolicies.kindlyguard.io \"dup\" already exists");
  EXPECT_EQ(s["details"], json({{"name", "dup"}, {"group", "kindlyguard.io"}, {"kind", "securitypolicies"}}));
  EXPECT_EQ(s["code"], 409);
}

TEST_F(Crud, GetMissingIsNotFound) {
  auto c = client();
  const Response r = c.get(std::string(kPods) + "/ghost");
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(r.js()["reason"], "NotFound");
  EXPECT_EQ(r.js()["message"], "pods \"ghost\" not found");
  EXPECT_EQ(r.js()["details"], json({{"name", "ghost"}, {"kind", "pods"}}));
}

TEST_F(Crud, CreateNeedsAnExistingNamespaceAndAValidName) {
  auto c = client();
  Response r = c.post("/api/v1/namespaces/nowhere/pods", pod("x", "nowhere"));
  EXPECT_EQ(r.code, 404);
  EXPECT_EQ(r.js()["message"], "namespaces \"nowhere\" not found");

  r = c.post(kPods, pod("Bad_Name"));
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.js()["reason"], "Invalid");
  EXPECT_EQ(r.js()["details"]["causes"][0]["field"], "metadata.name");
  EXPECT_NE(r.js()["message"].get<std::string>().find("Pod \"Bad_Name\" is invalid: metadata.name: Invalid value"),
            std::string::npos);

  json bad_label = pod("ok");
  bad_label["metadata"]["labels"] = {{"app", "has space"}};
  r = c.post(kPods, bad_label);
  EXPECT_EQ(r.code, 422);
  EXPECT_EQ(r.js()["details"]["causes"][0]["field"], "metadata.labels");

  json no_name = pod("");
  no_name["metadata"].erase("name");
  r = c.post(kPods, no_name);
  EXPECT_EQ(r.code, 422);

  json generated = pod("");
  generated["metadata"].erase("name");
  generated["metadata"]["generateName"] = "web-";
  r = c.post(kPods, generated);
  ASSERT_EQ(r.code, 201);
  EXPECT_TRUE(std::regex_match(r.js()["metadata"]["name"].get<std::string>(), std::regex("web-[a-z0-9]{5}")));

  json with_rv = pod("rv");
  with_rv["metadata"]["resourceVersion"] = "5";
  EXPECT_EQ(c.post(kPods, with_rv).code, 500);  // as kube-apiserver answers it

  // Namespace in the body must match the URL; kind must match the resource.
  EXPECT_EQ(c.post(kPods, pod("other", "kube-system")).code, 400);
  json wrong_kind = pod("k");
  wrong_kind["kind"] = "Service";
  EXPECT_EQ(c.post(kPods, wrong_kind).code, 400);
}

TEST_F(Crud, UpdateWithStaleResourceVersionIsConflict) {
  auto c = client();
  const json created = c.post(kSecpols, secpol("p")).js();
  json first = created;
  first["spec"]["enforcement"] = "Warn";
  const Response ok = c.put(std::string(kSecpols) + "/p", first);
  ASSERT_EQ(ok.code, 200) << ok.body;
  EXPECT_GT(rv_num(ok.js()), rv_num(created));

  json stale = created;  // still carries the old resourceVersion
  stale["spec"]["enforcement"] = "Audit";
  const Response r = c.put(std::string(kSecpols) + "/p", stale);
  EXPECT_EQ(r.code, 409);
  EXPECT_EQ(r.js()["reason"], "Conflict");
  EXPECT_EQ(r.js()["message"],
            "Operation cannot be fulfilled on securitypolicies.kindlyguard.io \"p\": the object has been modified; "
            "please apply your changes to the latest version and try again");
  EXPECT_EQ(r.js()["details"]["name"], "p");
  EXPECT_EQ(r.js()["details"]["kind"], "securitypolicies");

  // Without a resourceVersion the update is unconditional.
  stale["metadata"].erase("resourceVersion");
  const Response forced = c.put(std::string(kSecpols) + "/p", stale);
  EXPECT_EQ(forced.code, 200);
  EXPECT_EQ(forced.js()["spec"]["enforcement"], "Audit");

  // PUT of a missing object, or with a name that differs from the URL.
  EXPECT_EQ(c.put(std::string(kSecpols) + "/missing", secpol("missing")).code, 404);
  EXPECT_EQ(c.put(std::string(kSecpols) + "/p", secpol("q")).code, 400);
}

TEST_F(Crud, GenerationCountsSpecChangesOnly) {
  auto c = client();
  json p = c.post(kSecpols, secpol("g")).js();
  EXPECT_EQ(p["metadata"]["generation"], 1);
  p["metadata"]["labels"] = {{"a", "b"}};
  p = c.put(std::string(kSecpols) + "/g", p).js();
  EXPECT_EQ(p["metadata"]["generation"], 1);  // metadata only
  p["spec"]["enforcement"] = "Warn";
  p = c.put(std::string(kSecpols) + "/g", p).js();
  EXPECT_EQ(p["metadata"]["generation"], 2);
  // The client cannot set generation, uid or creationTimestamp.
  json tampered = p;
  tampered["metadata"]["generation"] = 99;
  tampered["metadata"]["creationTimestamp"] = "2000-01-01T00:00:00Z";
  tampered["spec"]["enforcement"] = "Audit";
  const json after = c.put(std::string(kSecpols) + "/g", tampered).js();
  EXPECT_EQ(after["metadata"]["generation"], 3);
  EXPECT_EQ(after["metadata"]["creationTimestamp"], p["metadata"]["creationTimestamp"]);
  json wrong_uid = after;
  wrong_uid["metadata"]["uid"] = "00000000-0000-4000-8000-000000000000";
  EXPECT_EQ(c.put(std::string(kSecpols) + "/g", wrong_uid).code, 409);
}

TEST_F(Crud, NoOpUpdateKeepsResourceVersionAndSendsNoEvent) {
  auto c = client();
  const json p = c.post(kSecpols, secpol("same")).js();
  const auto before = api->store().resource_version();
  const json again = c.put(std::string(kSecpols) + "/same", p).js();
  EXPECT_EQ(rv_of(again), rv_of(p));
  EXPECT_EQ(api->store().resource_version(), before);
}

TEST_F(Crud, StatusSubresourceSplitsSpecAndStatus) {
  auto c = client();
  json sp = secpol("s");
  sp["status"] = {{"violations", 7}};
  json created = c.post(kSecpols, sp).js();
  EXPECT_FALSE(created.contains("status"));  // create drops status where status has its own endpoint

  // /status takes only status: a spec change there is ignored, generation unchanged.
  json st = created;
  st["status"] = {{"observedGeneration", 1}, {"violations", 3}};
  st["spec"]["enforcement"] = "Audit";
  Response r = c.put(std::string(kSecpols) + "/s/status", st);
  ASSERT_EQ(r.code, 200) << r.body;
  json after = r.js();
  EXPECT_EQ(after["status"]["violations"], 3);
  EXPECT_EQ(after["spec"]["enforcement"], "Deny");
  EXPECT_EQ(after["metadata"]["generation"], 1);

  // The main endpoint ignores status.
  json main = after;
  main["status"]["violations"] = 100;
  main["spec"]["enforcement"] = "Warn";
  r = c.put(std::string(kSecpols) + "/s", main);
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.js()["status"]["violations"], 3);
  EXPECT_EQ(r.js()["spec"]["enforcement"], "Warn");
  EXPECT_EQ(r.js()["metadata"]["generation"], 2);

  // Status with a stale resourceVersion conflicts too; GET on /status answers the object.
  EXPECT_EQ(c.put(std::string(kSecpols) + "/s/status", after).code, 409);
  EXPECT_EQ(c.get(std::string(kSecpols) + "/s/status").js()["status"]["violations"], 3);
  // Merge patch on /status.
  r = c.patch(std::string(kSecpols) + "/s/status", {{"status", {{"violations", 4}}}});
  EXPECT_EQ(r.js()["status"]["violations"], 4);
  // Resources without a status subresource keep status in the main object (and count it).
  json report = {{"apiVersion", "wgpolicyk8s.io/v1alpha2"}, {"kind", "PolicyReport"},
                 {"metadata", {{"name", "r"}}}, {"summary", {{"pass", 1}}}};
  r = c.post("/apis/wgpolicyk8s.io/v1alpha2/namespaces/default/policyreports", report);
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(r.js()["summary"]["pass"], 1);
}

TEST_F(Crud, DeleteAnswersObjectOrStatusAndHonoursPreconditions) {
  auto c = client();
  const json p = c.post(kPods, pod("d")).js();
  Response r = c.del(std::string(kPods) + "/d", {{"preconditions", {{"resourceVersion", "1"}}}});
  EXPECT_EQ(r.code, 409);
  EXPECT_NE(r.js()["message"].get<std::string>().find("Precondition failed: ResourceVersion in precondition: 1"),
            std::string::npos);
  r = c.del(std::string(kPods) + "/d", {{"preconditions", {{"uid", "nope"}}}});
  EXPECT_EQ(r.code, 409);
  r = c.del(std::string(kPods) + "/d", {{"kind", "DeleteOptions"}, {"apiVersion", "v1"},
                                        {"preconditions", {{"resourceVersion", rv_of(p)}, {"uid", p["metadata"]["uid"]}}}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(r.js()["kind"], "Pod");  // pods answer the deleted object
  EXPECT_GT(rv_num(r.js()), rv_num(p));
  EXPECT_EQ(c.get(std::string(kPods) + "/d").code, 404);
  EXPECT_EQ(c.del(std::string(kPods) + "/d").code, 404);

  const json sp = c.post(kSecpols, secpol("x")).js();
  r = c.del(std::string(kSecpols) + "/x");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(r.js()["kind"], "Status");  // custom resources answer a Status
  EXPECT_EQ(r.js()["status"], "Success");
  EXPECT_EQ(r.js()["details"]["uid"], sp["metadata"]["uid"]);
}

TEST_F(Crud, FinalizersHoldDeletionUntilRemoved) {
  auto c = client();
  json sp = secpol("f");
  sp["metadata"]["finalizers"] = {"kindlyguard.io/cleanup"};
  ASSERT_EQ(c.post(kSecpols, sp).code, 201);
  Response r = c.del(std::string(kSecpols) + "/f");
  ASSERT_EQ(r.code, 200);
  EXPECT_TRUE(r.js()["metadata"].contains("deletionTimestamp"));
  json pending = c.get(std::string(kSecpols) + "/f").js();
  EXPECT_TRUE(pending["metadata"].contains("deletionTimestamp"));
  // No new finalizers while deleting.
  json more = pending;
  more["metadata"]["finalizers"].push_back("other/x");
  EXPECT_EQ(c.put(std::string(kSecpols) + "/f", more).code, 422);
  r = c.patch(std::string(kSecpols) + "/f", {{"metadata", {{"finalizers", nullptr}}}});
  ASSERT_EQ(r.code, 200) << r.body;
  EXPECT_EQ(c.get(std::string(kSecpols) + "/f").code, 404);
}

TEST_F(Crud, DeletingANamespaceDeletesItsObjects) {
  auto c = client();
  ASSERT_EQ(c.post("/api/v1/namespaces", ns_obj("team")).code, 201);
  ASSERT_EQ(c.post("/api/v1/namespaces/team/pods", pod("a", "team")).code, 201);
  ASSERT_EQ(c.post("/api/v1/namespaces/team/configmaps",
                   {{"apiVersion", "v1"}, {"kind", "ConfigMap"}, {"metadata", {{"name", "c"}}}, {"data", {{"k", "v"}}}})
                .code,
            201);
  ASSERT_EQ(c.post(kPods, pod("keep")).code, 201);
  const json ns = c.get("/api/v1/namespaces/team").js();
  EXPECT_EQ(ns["status"]["phase"], "Active");
  const Response r = c.del("/api/v1/namespaces/team");
  ASSERT_EQ(r.code, 200);
  EXPECT_EQ(c.get("/api/v1/namespaces/team").code, 404);
  EXPECT_EQ(c.get("/api/v1/namespaces/team/pods/a").code, 404);
  EXPECT_EQ(c.get("/api/v1/namespaces/team/configmaps/c").code, 404);
  EXPECT_EQ(c.get(std::string(kPods) + "/keep").code, 200);
}

TEST_F(Crud, SecretStringDataIsFoldedIntoData) {
  auto c = client();
  const json s = {{"apiVersion", "v1"}, {"kind", "Secret"}, {"metadata", {{"name", "s"}}},
                  {"stringData", {{"user", "admin"}}}, {"type", "Opaque"}};
  const json got = c.post("/api/v1/namespaces/default/secrets", s).js();
  EXPECT_EQ(got["data"]["user"], "YWRtaW4=");
  EXPECT_FALSE(got.contains("stringData"));
}

// Length-delimited protobuf field (field numbers < 16, lengths < 128 are enough here).
std::string pb(int field, const std::string& bytes) {
  return std::string(1, static_cast<char>((field << 3) | 2)) + std::string(1, static_cast<char>(bytes.size())) + bytes;
}

TEST_F(Crud, ProtobufBodiesOfSimpleKindsAreRead) {
  const std::string meta = pb(1, "pb-secret") + pb(11, pb(1, "app") + pb(2, "web"));
  const std::string secret = pb(1, meta) + pb(2, pb(1, "token") + pb(2, "s3cr3t"));
  const std::string body = std::string("k8s\0", 4) + pb(1, pb(1, "v1") + pb(2, "Secret")) + pb(2, secret);
  auto c = client();
  Response r = c.request("POST", "/api/v1/namespaces/default/secrets", body, "application/vnd.kubernetes.protobuf");
  ASSERT_EQ(r.code, 201) << r.body;
  EXPECT_EQ(r.js()["metadata"]["name"], "pb-secret");
  EXPECT_EQ(r.js()["metadata"]["labels"]["app"], "web");
  EXPECT_EQ(r.js()["data"]["token"], "czNjcjN0");
  EXPECT_EQ(r.js()["type"], "Opaque");
  // Kinds it cannot read are refused, not misread.
  const std::string pod_body = std::string("k8s\0", 4) + pb(1, pb(1, "v1") + pb(2, "Pod")) + pb(2, pb(1, pb(1, "p")));
  r = c.request("POST", kPods, pod_body, "application/vnd.kubernetes.protobuf");
  EXPECT_EQ(r.code, 415);
  EXPECT_EQ(c.request("POST", kPods, "k8s", "application/vnd.kubernetes.protobuf").code, 400);
}

TEST_F(Crud, DryRunLeavesNoTrace) {
  auto c = client();
  const auto before = api->store().resource_version();
  const Response r = c.post(std::string(kSecpols) + "?dryRun=All", secpol("dry"));
  EXPECT_EQ(r.code, 201);
  EXPECT_EQ(c.get(std::string(kSecpols) + "/dry").code, 404);
  EXPECT_EQ(api->store().resource_version(), before);
}

TEST_F(Crud, LeasesSupportLeaderElectionStyleUpdates) {
  auto c = client();
  const std::string base = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases";
  const json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                      {"kind", "Lease"},
                      {"metadata", {{"name", "kindlyguard"}, {"namespace", "kube-system"}}},
                      {"spec", {{"holderIdentity", "a"}, {"leaseDurationSeconds", 15},
                                {"renewTime", "2025-01-01T00:00:00.000000Z"}}}};
  json a = c.post(base, lease).js();
  json b = a;  // two candidates read the same version
  a["spec"]["renewTime"] = "2025-01-01T00:00:05.000000Z";
  b["spec"]["holderIdentity"] = "b";
  EXPECT_EQ(c.put(base + "/kindlyguard", a).code, 200);
  EXPECT_EQ(c.put(base + "/kindlyguard", b).code, 409);  // only one wins
  EXPECT_EQ(c.get(base + "/kindlyguard").js()["spec"]["holderIdentity"], "a");
}

}  // namespace
}  // namespace kta_test
