#pragma once
// Distinctive secrets planted in a pod's env, and the search that no output carries any of them
// (whole, or any 8-character piece of its secret part: every longer piece contains one). Shared by
// the webhook/check no-echo test and the operator's (Events, PolicyReports, status) one.
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "support/fixtures.hpp"

namespace kindlyguard::testing {

struct PlantedSecret {
  std::string name;    // the env var
  std::string value;   // the literal in the pod
  std::string secret;  // the part that must never be shown (the value, or its password)
  std::string kind;    // what the finding says it is
};

inline const std::vector<PlantedSecret>& planted() {
  static const std::vector<PlantedSecret> s = [] {
    const std::string pem_body = "MIIEpQIBAAKCAQEAq7BFUpkGp3LQmlQKzpe9NcDqtsEWq3KeYdJy0QhmQ";
    const std::string url_password = "Vk8qZm2LwPx9Hd";
    std::vector<PlantedSecret> v = {
        {"TLS_KEY", "-----BEGIN RSA PRIVATE KEY-----\n" + pem_body + "\n-----END RSA PRIVATE KEY-----\n", pem_body,
         "a PEM private key"},
        {"UPLOAD_ID", "AKIAZQ7XW3Y5VB2NMK4P", "", "an AWS access key ID"},
        {"CI_NOTIFY", "ghp_Zr8pQ2vX9mK4tL7wN3bY6cF1hJ5sD0gA2eRu", "", "a GitHub token"},
        {"MIRROR", "glpat-Xq9vB7mZ2kL4pW8rT6yN", "", "a GitLab token"},
        {"CHAT", "xoxb-918273645012-5647382910-QwErTyUiOpAsDfGh", "", "a Slack token"},
        {"AUTH_HEADER", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJub2VjaG8tdGVzdCJ9.Zm9vYmFyYmF6cXV4cXV1eA",
         "eyJzdWIiOiJub2VjaG8tdGVzdCJ9.Zm9vYmFyYmF6cXV4cXV1eA", "a JSON Web Token"},
        {"DATABASE_URL", "postgres://svc:" + url_password + "@db.internal:5432/app", url_password, "a URL with a password"},
        {"DB_PASSWORD", "Tr0ub4dor-unique-e2e-pw", "", "a password by its name"},
    };
    for (auto& p : v)
      if (p.secret.empty()) p.secret = p.value;
    return v;
  }();
  return s;
}

inline nlohmann::json secret_pod(const std::string& name, const std::string& ns) {
  nlohmann::json pod = compliant_pod(name, ns);
  nlohmann::json env = nlohmann::json::array();
  for (const auto& s : planted()) env.push_back({{"name", s.name}, {"value", s.value}});
  pod["spec"]["containers"][0]["env"] = env;
  nlohmann::json init = pod["spec"]["containers"][0];
  init["name"] = "setup";
  pod["spec"]["initContainers"] = nlohmann::json::array({init});
  return pod;
}

// Every secret value, and every 8-character piece of its secret part, absent from `output`.
inline void expect_no_secret(const std::string& output, const std::string& where) {
  EXPECT_FALSE(output.empty()) << where << " produced nothing to search";
  for (const auto& s : planted()) {
    EXPECT_EQ(output.find(s.value), std::string::npos) << where << " echoes " << s.name << ":\n" << output;
    for (std::size_t i = 0; i + 8 <= s.secret.size(); ++i) {
      const std::string piece = s.secret.substr(i, 8);
      ASSERT_EQ(output.find(piece), std::string::npos)
          << where << " echoes a piece of " << s.name << " (" << piece << "):\n" << output;
    }
  }
}

}  // namespace kindlyguard::testing
