#pragma once
// SecurityPolicy documents (YAML, multi-document, or JSON) into the model. Every error names the
// document (source and index or metadata.name), the field path and what is expected.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/policy/model.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy {

// One SecurityPolicy object already decoded to JSON (from the API server or a file).
// On error: the first problem found (fields are checked in the order of the API), with
// " (and N more problems)" appended when there are others; validate_policy lists them all.
//
// What is checked, beyond types and unknown fields (both reported with the full field path, and a
// did-you-mean for near misses such as runAsNonroot):
//   apiVersion kindlyguard.io/v1alpha1, kind SecurityPolicy; metadata.name a DNS subdomain;
//   metadata.namespace accepted and ignored (cluster-scoped, the API server drops it too), other
//   ObjectMeta fields accepted; status accepted and ignored; spec required and checking something
//   (podSecurityStandard or at least one rule). podSecurityStandard.level baseline|restricted
//   ("privileged" is refused: it enforces nothing); version latest|v1.<0..99>. Capabilities in
//   pod-spec spelling (NET_BIND_SERVICE, ALL): "CAP_..." and lower case are refused with the
//   right spelling, unknown names with a did-you-mean. Explicit empty lists that would check
//   nothing (requiredDrop: [], allowedRegistries: [], ...) are refused; allowedAdd: [] is fine
//   (nothing may be added).
Result<SecurityPolicy> parse_policy(const nlohmann::json& object);

// Every problem with one SecurityPolicy object; empty when parse_policy would succeed.
std::vector<Error> validate_policy(const nlohmann::json& object);

struct PolicyParseError {
  std::string source;  // file name or "<stdin>"
  int document = 0;    // 0-based index among the non-empty documents of the source
  std::string name;    // metadata.name when known
  Error error;         // path is prefixed "items[3]." for an item of a `kind: List`
  // "policies.yaml (document 2, \"strict\"): spec.rules...: ..."; the document is shown counting
  // from 1, as a reader counts them.
  std::string to_string() const;
};

struct ParsedPolicies {
  std::vector<SecurityPolicy> policies;
  // SecurityPolicyExceptions found among the documents (`check` and --policy-dir read both kinds
  // from the same files); namespace/name used twice is an error on the second.
  std::vector<SecurityPolicyException> exceptions;
  std::vector<PolicyParseError> errors;
};

// Every SecurityPolicy and SecurityPolicyException in a YAML or JSON text (JSON is YAML, but JSON input gets JSON's error
// positions). Documents of other kinds are errors; `kind: List` (and SecurityPolicyList,
// SecurityPolicyExceptionList) is unpacked. Every problem of every document is reported (at most 20 per document), each document
// on its own: one broken policy does not hide the valid ones, and the caller decides whether a
// partial set may apply. A YAML syntax error ends the stream there (what came before is kept).
// A name used twice is an error on the second. Empty or comment-only text is zero policies.
ParsedPolicies parse_policies(std::string_view text, const std::string& source);

// Bounds that keep hostile input from exhausting memory or stack. Exceeding one is an error,
// never a truncation.
struct DecodeLimits {
  std::size_t max_bytes = 32 * 1024 * 1024;  // whole input; the API server caps requests at 3 MiB
  int max_depth = 100;                       // nested maps/sequences (a document's root is depth 1)
  // Values copied for YAML anchors and aliases (`&a` ... `*a`, merge keys) over the whole input:
  // what an alias bomb ("billion laughs") inflates. Values written out are bounded by max_bytes.
  std::size_t max_alias_values = 1'000'000;
};

// Decodes YAML or JSON text to JSON documents (multi-document YAML, `kind: List` not unpacked).
// YAML scalars are typed the way Kubernetes' sigs.k8s.io/yaml (go-yaml v2, YAML 1.1) does for an
// untyped target, which is what `kubectl apply` sends:
//   plain (unquoted) scalars: "" ~ null Null NULL -> null;
//     true/True/TRUE, yes/Yes/YES, y/Y, on/On/ON -> true; the same for false, no, n, off -> false;
//     integers in Go syntax (1_000, +5, -3, 0x1F, 0o17, 017 octal, 0b101) -> integer
//       (beyond int64 but within uint64 -> unsigned); floats (1.5, .5, 1e3, 08) -> float;
//     .inf/.nan (and other values JSON cannot hold) -> error; everything else -> string.
//   quoted, block (| >), `!!str` and custom-tagged scalars -> string; `!!int` and friends must
//   match their value. Map keys become strings (123 -> "123", yes -> "true"); null and
//   collection keys are errors. Merge keys (`<<: *base`) are honoured; explicit keys win.
//   Duplicate keys in one map are errors (kubectl's strict field validation rejects them too).
// Empty and null documents are skipped. Input whose first non-blank character is '{' or '['
// is parsed as one JSON value. Errors read "source:line:column: ..." (1-based; JSON adds the
// byte offset).
Result<std::vector<nlohmann::json>> decode_documents(std::string_view text, const std::string& source,
                                                     const DecodeLimits& limits = DecodeLimits{});

// decode_documents, with the 1-based line each document starts on (its `---`, or its first token):
// what `check` needs to find a document's text again (source_map.hpp) without a second full parse.
struct LineDocument {
  nlohmann::json value;
  int line = 1;
};
Result<std::vector<LineDocument>> decode_documents_with_lines(std::string_view text, const std::string& source,
                                                             const DecodeLimits& limits = DecodeLimits{});

}  // namespace kindlyguard::policy
