// A sample of the Kubernetes PSA fixtures through the running webhook: every row at the newest
// version, as a Pod CREATE in a namespace whose policy enforces that row's level. The whole corpus
// runs through the core in tests/conformance; this proves the served path agrees too.
#include <fstream>
#include <sstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "support/webhook_process.hpp"

namespace kindlyguard::testing {
namespace {

std::string policy_for(const std::string& level) {
  return "apiVersion: kindlyguard.io/v1alpha1\nkind: SecurityPolicy\nmetadata: {name: pss-" + level +
         "}\nspec:\n  enforcement: Deny\n  match: {namespaces: [" + level + "]}\n"
         "  podSecurityStandard: {level: " + level + ", version: latest}\n";
}

TEST(PsaThroughWebhook, LatestVersionRowsAgree) {
  const std::string dir = std::string(KINDLY_CONFORMANCE_DIR) + "/psa/";
  std::ifstream manifest(dir + "MANIFEST.tsv");
  ASSERT_TRUE(manifest) << "missing " << dir << "MANIFEST.tsv";
  const std::string latest = "v1." + std::to_string(policy::pss::latest_minor());
  WebhookProcess hook({{"baseline.yaml", policy_for("baseline")}, {"restricted.yaml", policy_for("restricted")}},
                      {"--audit-log=false"});
  auto conn = server::ClientConnection::open(hook.url("/"), hook.tls());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();

  std::string line;
  std::getline(manifest, line);  // header
  int judged = 0, agreed = 0;
  while (std::getline(manifest, line)) {
    std::vector<std::string> col;
    std::stringstream ss(line);
    for (std::string c; std::getline(ss, c, '\t');) col.push_back(c);
    ASSERT_GE(col.size(), 9u) << line;
    const std::string& file = col[1];
    const std::string& expected = col[5];
    const std::string& level = col[7];
    if (col[8] != latest) continue;
    std::ifstream in(dir + file);
    std::stringstream text;
    text << in.rdbuf();
    auto docs = policy::decode_documents(text.str(), file);
    ASSERT_TRUE(docs.ok()) << docs.error().to_string();
    nlohmann::json pod = docs->at(0);
    pod["metadata"]["namespace"] = level;
    auto r = conn->request("POST", "/validate", review_json(pod.dump(), "CREATE", "psa-" + std::to_string(judged)),
                           {{"Content-Type", "application/json"}});
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, 200) << r->body;
    auto resp = nlohmann::json::parse(r->body)["response"];
    bool allowed = resp["allowed"];
    ++judged;
    bool ok = allowed == (expected == "allow");
    if (ok && !allowed && col.size() > 11 && col[11].rfind("expect_error_substring=", 0) == 0) {
      std::string want = col[11].substr(std::string("expect_error_substring=").size());
      want = want.substr(0, want.find(';'));
      ok = resp["status"]["message"].get<std::string>().find(want) != std::string::npos;
    }
    EXPECT_TRUE(ok) << col[0] << ": expected " << expected << ", webhook said " << resp.dump();
    agreed += ok;
  }
  EXPECT_GT(judged, 100) << "the sample must not be empty";
  EXPECT_EQ(agreed, judged);
  std::cout << "PSA rows at " << latest << " through the webhook: " << agreed << "/" << judged << " agree\n";
}

}  // namespace
}  // namespace kindlyguard::testing
