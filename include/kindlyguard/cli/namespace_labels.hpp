#pragma once
// Namespace labels for the edges that have no API server to ask (`check`, standalone `serve
// --policy-dir`): a policy's match.namespaceSelector can only be evaluated against labels someone
// gave. They come from Namespace objects (in the judged inputs, or a namespaces file) and from
// --namespace-labels NAME=KEY=VALUE flags. A namespace nobody described has only the label the API
// server always sets, kubernetes.io/metadata.name; policies whose selector needs more are reported
// (selector_warnings) instead of silently never applying.

#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::cli {

class NamespaceLabelTable {
 public:
  // A Namespace object (kind: Namespace); other objects are ignored and return false.
  bool add_object(const nlohmann::json& object);
  // One "NAME=KEY=VALUE" item of --namespace-labels; errors name the item and what to write.
  Status add_flag_item(const std::string& item);
  // Every Namespace object in a file of YAML or JSON documents (Lists flattened); counts them.
  Result<std::size_t> add_file(const std::string& path);

  bool knows(const std::string& ns) const { return labels_.count(ns) != 0; }
  bool empty() const { return labels_.empty(); }
  std::size_t size() const { return labels_.size(); }
  // Labels of a namespace: what was given plus kubernetes.io/metadata.name, or that label alone.
  k8s::Labels labels(const std::string& ns) const;
  policy::NamespaceLabelsFn fn() const;  // a copy of the table, safe to keep

 private:
  std::map<std::string, k8s::Labels, std::less<>> labels_;
};

// True when a policy's namespaceSelector asks for more than the name label, so judging it needs
// the namespace's real labels.
bool needs_namespace_labels(const policy::SecurityPolicy& policy);

// One warning per policy whose namespaceSelector cannot be evaluated because `table` is empty,
// naming the selector and how to give labels (`how`: "--namespace-labels or Namespace objects").
std::vector<std::string> selector_warnings(const policy::PolicySet& set, const NamespaceLabelTable& table,
                                           const std::string& how);

}  // namespace kindlyguard::cli
