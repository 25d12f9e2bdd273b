#pragma once
// Reading the files the CLI is pointed at: a file, a directory (its *.yaml, *.yml and *.json,
// recursively, in name order) or "-" for standard input.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/policy/exception.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

struct InputFile {
  std::string name;  // path, or "<stdin>"
  std::string text;
};

// Files larger than this are refused rather than read into memory.
inline constexpr std::size_t kMaxInputBytes = 64u << 20;

Result<std::vector<InputFile>> read_inputs(const std::string& path);

// The objects of one decoded document: `kind: List` (and the typed *List kinds kubectl prints)
// flattened into their items, recursively; anything else is itself.
void flatten_lists(const nlohmann::json& doc, std::vector<const nlohmann::json*>& out);

// ownerReferences followed among the input objects themselves (`check` has no API server): the
// owner is the object with the reference's namespace, kind, name and uid. An object without a uid
// never matches (nor does a reference without one), so in practice a Deployment is judged as
// itself and a pod as itself, unless the inputs are a cluster's objects exported with their uids.
// Objects without a namespace are in `default_namespace`. The objects must outlive the lookup.
policy::OwnerLookupFn owner_lookup(const std::vector<const nlohmann::json*>& objects, const std::string& default_namespace);

}  // namespace kindlyguard::cli
