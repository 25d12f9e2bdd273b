// Label and field selectors in their query-string form, with the Kubernetes semantics
// (k8s.io/apimachinery/pkg/labels and pkg/fields).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "kindly_test_apiserver/resources.hpp"

namespace kindly::testapi {

class LabelSelector {
 public:
  enum class Op { Equals, NotEquals, In, NotIn, Exists, DoesNotExist, GreaterThan, LessThan };
  struct Requirement {
    std::string key;
    Op op;
    std::vector<std::string> values;
  };

  // Empty selects everything. Throws ApiError 400 on a syntax error.
  static LabelSelector parse(std::string_view text);

  bool empty() const { return reqs_.empty(); }
  bool matches(const nlohmann::json& labels) const;  // labels: object or null
  const std::vector<Requirement>& requirements() const { return reqs_; }

 private:
  std::vector<Requirement> reqs_;
};

class FieldSelector {
 public:
  struct Requirement {
    std::string field;  // metadata.name, spec.nodeName, ...
    bool equals;        // = / ==  versus !=
    std::string value;
  };

  // Throws ApiError 400 on a syntax error or a field the resource does not support
  // ("field label not supported: x").
  static FieldSelector parse(std::string_view text, const ResourceInfo& resource);

  bool empty() const { return reqs_.empty(); }
  bool matches(const nlohmann::json& object) const;
  const std::vector<Requirement>& requirements() const { return reqs_; }

  // The value a field selector compares: strings as they are, booleans as true/false, a missing
  // field as "".
  static std::string field_value(const nlohmann::json& object, const std::string& dotted_path);

 private:
  std::vector<Requirement> reqs_;
};

}  // namespace kindly::testapi
