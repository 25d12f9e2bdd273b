#pragma once
// The JSON types of the pod fields kindlyguard reads, checked once when a pod view is built.
//
// Why at decode time rather than in each rule: a rule that meets `privileged: "true"`,
// `hostNetwork: 1` or `runAsNonRoot: "false"` can only guess, and every guess ("unset", "false")
// is a silent pass for that rule. The API server decodes objects into typed Go structs before
// admission, so it never sends such a value; one only comes from a forged review or a hand-written
// manifest given to `check`, which the API server would refuse
// ("json: cannot unmarshal string into Go struct field SecurityContext.privileged of type bool").
// Refusing it here, naming the field, is what the API server does, and it lets every rule and
// Pod Security Standards check rely on the types below instead of re-checking them.
//
// The schema covers every field any rule or check reads (and the structure around them), with
// Kubernetes' types: string, boolean, int32/int64 (integers only, in range), int-or-string,
// quantity (string or number), and maps of those. null counts as absent everywhere, as Go decodes
// it to the zero value. Fields the schema does not list are not read by kindlyguard; the pod view's
// accessors still never throw on them.

#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy {

// The pod spec at `path` ("spec", "spec.template.spec", ...): nullopt when every field kindlyguard
// reads has its Kubernetes type, else the first field that does not, e.g.
// {"expected a string, got number 5", "spec.containers[0].volumeMounts[0].name"}.
std::optional<Error> check_pod_spec_types(const nlohmann::json& spec, std::string_view path);

// The same for object metadata at `path` ("metadata", "spec.template.metadata"): name,
// generateName, namespace, uid are strings; labels and annotations map strings to strings.
std::optional<Error> check_metadata_types(const nlohmann::json& metadata, std::string_view path);

}  // namespace kindlyguard::policy
