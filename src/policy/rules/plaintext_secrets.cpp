// Rule plaintextSecrets (spec.rules.plaintextSecrets: {deny: true, allowedNames})
//
// Restricted fields: spec.containers[*].env[*].value, spec.initContainers[*].env[*].value,
//                    spec.ephemeralContainers[*].env[*].value
// Refused: a literal value that is a secret, which anyone who can read the pod (get pods, the
// workload, `kubectl describe`, audit logs, backups of etcd) can read too:
//   - by its value, whatever the name: a PEM private key block, an AWS access key ID (AKIA/ASIA),
//     a GitHub token (ghp_ gho_ ghu_ ghs_ ghr_ github_pat_), a GitLab token (glpat-), a Slack token
//     (xoxb- xoxp- xoxa- xoxr- xoxs-), a JSON Web Token (a base64url header that is JSON with
//     "alg"), a URL with a password (scheme://user:password@host);
//   - by its name: a word of the name (split on '_', '-', '.' and camelCase: DB_PASSWORD,
//     dbPassword) is PASSWORD, PASSWD, SECRET, TOKEN, CREDENTIAL(S), API_KEY/APIKEY, PRIVATE_KEY
//     or ACCESS_KEY. Whole words only: TOKENIZERS_PARALLELISM and SECRETARY_NAME are not secrets.
//     A word after the secret word that makes the variable about the secret rather than the
//     secret (FILE, PATH, DIR, NAME, ENABLED, LENGTH, TTL, URL, ... see secret_patterns.cpp)
//     exempts it: DB_PASSWORD_FILE=/run/secrets/db, TLS_SECRET_NAME, PASSWORD_MIN_LENGTH. So do
//     values that cannot be the secret: booleans (true, false, yes, no, on, off) and absolute
//     paths (GOOGLE_APPLICATION_CREDENTIALS=/var/secrets/key.json names a mounted file).
// Not literals: values that are only references ($(OTHER_VAR), which the kubelet expands from
// another variable; ${VAR} and $VAR, which the program expands), and valueFrom.
// Exempt: names matching spec.rules.plaintextSecrets.allowedNames (exact or globs, case-insensitive).
// Left out: command/args and envFrom (the rule reads env values only); free text such as
// JAVA_OPTS=-Dpassword=... is flagged only when it holds one of the formats above.
// The value is never echoed: a finding names the variable and the kind of secret only.
// The policy: deny: true (false would check nothing and is refused); allowedNames non-empty names
// without '='.
#include <algorithm>
#include <cctype>

#include "kindlyguard/k8s/glob.hpp"
#include "rule_helpers.hpp"
#include "rule_parse.hpp"
#include "secret_patterns.hpp"

namespace kindlyguard::policy::rules {
namespace {

std::string upper_case(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool allowed(const PlaintextSecretsRule& rule, std::string_view name) {
  const std::string n = upper_case(name);
  return std::any_of(rule.allowed_names.begin(), rule.allowed_names.end(),
                     [&](const std::string& g) { return k8s::glob_match(upper_case(g), n); });
}

// A value its name calls a secret but that cannot be one.
bool not_a_secret_value(std::string_view v) {
  const std::string u = upper_case(v);
  for (std::string_view b : {"TRUE", "FALSE", "YES", "NO", "ON", "OFF"})
    if (u == b) return true;
  return v.front() == '/' && v.find_first_of(" \t\r\n") == std::string_view::npos;
}

// The kind of secret the variable holds, or "" when it holds none.
std::string secret_kind(std::string_view name, std::string_view value) {
  if (value.empty() || only_references(value)) return "";
  if (auto kind = secret_by_value(value); !kind.empty()) return kind;
  if (not_a_secret_value(value)) return "";
  if (auto kind = secret_by_name(name); !kind.empty()) return kind + " by its name";
  return "";
}

}  // namespace

void check_plaintext_secrets(const RuleInput& in, std::vector<Finding>& out) {
  const PlaintextSecretsRule& rule = *in.rules().plaintext_secrets;
  for (const ContainerView* c : in.judged_containers()) {
    const json& env = member_at(c->raw(), "env");
    if (!env.is_array()) continue;
    for (std::size_t i = 0; i < env.size(); ++i) {
      auto value = string_at(env[i], "value");
      if (!value) continue;
      const std::string name(string_at(env[i], "name").value_or(""));
      if (allowed(rule, name)) continue;
      const std::string kind = secret_kind(name, *value);
      if (kind.empty()) continue;
      out.push_back({c->name(), c->field("env[" + std::to_string(i) + "].value"),
                     describe(*c) + " sets env " + detail::quote(name, 64) + " to a literal value that is " + kind +
                         ", which anyone who can read the pod can read: take it from a Secret with " +
                         "valueFrom: {secretKeyRef: {name: <secret>, key: <key>}}, or mount the Secret as a file"});
    }
  }
}

namespace {

std::string allowed_name_problem(const std::string& name) {
  if (name.empty()) return "must not be empty";
  if (name.find('=') != std::string::npos) return detail::quote(name) + " is not an environment variable name ('=' ends a name)";
  return "";
}

}  // namespace

void parse_plaintext_secrets(ObjectReader& spec_rules, std::string_view id, Rules& out) {
  RuleFields r(spec_rules, id);
  PlaintextSecretsRule rule;
  if (r.required("deny", "deny: true")) {
    auto deny = r.boolean("deny");
    if (deny == false)
      r.errors().add(r.path("deny"), "false checks nothing; did you mean true? (remove plaintextSecrets to leave it unchecked)");
  }
  read_entries(r, "allowedNames", "the names of variables that hold no secret", allowed_name_problem,
               rule.allowed_names);
  if (r.finish_rule()) out.plaintext_secrets = std::move(rule);
}

}  // namespace kindlyguard::policy::rules
