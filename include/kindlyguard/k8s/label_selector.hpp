#pragma once
// metav1.LabelSelector: matchLabels plus matchExpressions (In, NotIn, Exists, DoesNotExist),
// all ANDed. An empty selector matches everything; a null (absent) selector is the caller's case.
//
// As in Kubernetes, NotIn (and "!=") also matches objects that lack the key, and a selector is
// kept in one canonical order: requirements sorted by key, values sorted without duplicates. So
// parse(s.to_string()) == s for every selector, and two selectors that say the same compare equal.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

using Labels = std::map<std::string, std::string, std::less<>>;

struct LabelRequirement {
  enum class Op { In, NotIn, Exists, DoesNotExist };
  std::string key;
  Op op = Op::Exists;
  std::vector<std::string> values;

  friend bool operator==(const LabelRequirement&, const LabelRequirement&) = default;
};

class LabelSelector {
 public:
  LabelSelector() = default;

  // From the JSON form; `path` prefixes error paths ("spec.match.podSelector").
  // Validates like the API server: In/NotIn need values, Exists/DoesNotExist must have none,
  // keys and values must be valid label keys/values. Operators are case-sensitive, and unknown
  // fields are errors (as with strict field validation), so a typo cannot widen a selector.
  // The selector itself must be an object: null means different things in different APIs.
  static Result<LabelSelector> from_json(const nlohmann::json& j, const std::string& path);

  // Parses the string syntax of ?labelSelector= ("app=web,tier!=db,env in (a,b),!legacy,gpu").
  // "=" and "==" become In with one value, "!=" NotIn with one value. The set-based ">" and "<"
  // of field selectors are not label requirements here and are rejected. Errors have no path.
  static Result<LabelSelector> parse(std::string_view text);

  bool empty() const { return requirements_.empty(); }
  bool matches(const Labels& labels) const;
  const std::vector<LabelRequirement>& requirements() const { return requirements_; }
  std::string to_string() const;  // the ?labelSelector= form

  friend bool operator==(const LabelSelector&, const LabelSelector&) = default;

 private:
  void canonicalize();

  std::vector<LabelRequirement> requirements_;
};

// Kubernetes label key ([prefix/]name) and value syntax.
bool is_valid_label_key(std::string_view key);
bool is_valid_label_value(std::string_view value);

// Labels from an object's metadata.labels (absent or null yields an empty map).
Labels labels_of(const nlohmann::json& metadata);

}  // namespace kindlyguard::k8s
