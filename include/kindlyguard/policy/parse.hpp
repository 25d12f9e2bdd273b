#pragma once
// SecurityPolicy documents (YAML, multi-document, or JSON) into the model. Every error names the
// document (source and index or metadata.name), the field path and what is expected.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy {

// One SecurityPolicy object already decoded to JSON (from the API server or a file).
Result<SecurityPolicy> parse_policy(const nlohmann::json& object);

struct PolicyParseError {
  std::string source;  // file name or "<stdin>"
  int document = 0;    // 0-based document index in the source
  std::string name;    // metadata.name when known
  Error error;
  std::string to_string() const;  // "policies.yaml (document 2, \"strict\"): spec.rules...: ..."
};

struct ParsedPolicies {
  std::vector<SecurityPolicy> policies;
  std::vector<PolicyParseError> errors;
};

// Every SecurityPolicy in a YAML or JSON text (JSON is YAML, but JSON input gets JSON's error
// positions). Documents of other kinds are errors; `kind: List` is unpacked.
ParsedPolicies parse_policies(std::string_view text, const std::string& source);

// Decodes YAML or JSON text to JSON documents (multi-document YAML, `kind: List` not unpacked).
// YAML scalars are typed the way Kubernetes' sigs.k8s.io/yaml does (YAML 1.1 ints/bools/floats).
Result<std::vector<nlohmann::json>> decode_documents(std::string_view text, const std::string& source);

}  // namespace kindlyguard::policy
