#include "kindlyguard/cli/namespace_labels.hpp"

#include "kindlyguard/cli/inputs.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/policy/parse.hpp"

namespace kindlyguard::cli {
namespace {

constexpr const char* kNameLabel = "kubernetes.io/metadata.name";

}  // namespace

bool NamespaceLabelTable::add_object(const nlohmann::json& object) {
  if (!object.is_object()) return false;
  auto kind = object.find("kind");
  if (kind == object.end() || !kind->is_string() || *kind != "Namespace") return false;
  const k8s::Meta meta(object);
  const std::string name = meta.name();
  if (name.empty()) return false;
  auto& labels = labels_[name];
  for (auto& [k, v] : meta.labels()) labels[k] = v;
  return true;
}

Status NamespaceLabelTable::add_flag_item(const std::string& item) {
  const auto first = item.find('=');
  const auto second = first == std::string::npos ? std::string::npos : item.find('=', first + 1);
  if (first == std::string::npos || second == std::string::npos || first == 0)
    return Error{"--namespace-labels \"" + item + "\" must be NAME=KEY=VALUE, such as prod=environment=production", ""};
  std::string ns = item.substr(0, first);
  std::string key = item.substr(first + 1, second - first - 1);
  std::string value = item.substr(second + 1);
  if (!k8s::is_valid_label_key(key))
    return Error{"--namespace-labels \"" + item + "\": \"" + key + "\" is not a valid label key", ""};
  if (!k8s::is_valid_label_value(value))
    return Error{"--namespace-labels \"" + item + "\": \"" + value + "\" is not a valid label value", ""};
  labels_[ns][key] = value;
  return {};
}

Result<std::size_t> NamespaceLabelTable::add_file(const std::string& path) {
  auto files = read_inputs(path);
  if (!files.ok()) return files.error();
  std::size_t count = 0;
  for (const auto& f : *files) {
    auto docs = policy::decode_documents(f.text, f.name);
    if (!docs.ok()) return docs.error();
    for (const auto& doc : *docs) {
      std::vector<const nlohmann::json*> objects;
      flatten_lists(doc, objects);
      for (const auto* o : objects) count += add_object(*o) ? 1 : 0;
    }
  }
  return count;
}

k8s::Labels NamespaceLabelTable::labels(const std::string& ns) const {
  k8s::Labels out;
  if (auto it = labels_.find(ns); it != labels_.end()) out = it->second;
  out[kNameLabel] = ns;  // the API server sets it on every namespace and nobody can change it
  return out;
}

policy::NamespaceLabelsFn NamespaceLabelTable::fn() const {
  return [table = *this](const std::string& ns) -> std::optional<k8s::Labels> { return table.labels(ns); };
}

bool needs_namespace_labels(const policy::SecurityPolicy& policy) {
  const auto& selector = policy.match.namespace_selector;
  if (!selector || selector->empty()) return false;
  for (const auto& r : selector->requirements())
    if (r.key != kNameLabel) return true;
  return false;
}

std::vector<std::string> selector_warnings(const policy::PolicySet& set, const NamespaceLabelTable& table,
                                           const std::string& how) {
  std::vector<std::string> out;
  if (!table.empty()) return out;
  for (const auto& p : set.policies)
    if (needs_namespace_labels(p))
      out.push_back("policy \"" + p.name + "\" selects namespaces by label (" + p.match.namespace_selector->to_string() +
                    ") but no namespace labels were given, so it applies only where its selector matches the name "
                    "label alone; give " + how);
  return out;
}

}  // namespace kindlyguard::cli
