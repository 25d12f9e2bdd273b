#include "kindlyguard/controller/pod_cache.hpp"

#include "kindlyguard/client/resources.hpp"
#include "kindlyguard/policy/pod_prune.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

json without_managed_fields(json object) {
  if (auto md = object.find("metadata"); md != object.end() && md->is_object()) md->erase("managedFields");
  return object;
}

json compact_pod(json pod) {
  pod = without_managed_fields(std::move(pod));
  // Only a Pod's spec is a pod spec (a workload's holds it under template).
  if (auto spec = pod.find("spec"); spec != pod.end() && pod.value("kind", json()) == "Pod") policy::prune_pod_spec(*spec);
  auto status = pod.find("status");
  if (status == pod.end()) return pod;
  json kept = json::object();
  if (status->is_object())
    if (auto phase = status->find("phase"); phase != status->end()) kept["phase"] = std::move(*phase);
  *status = std::move(kept);
  return pod;
}

client::InformerOptions pod_cache_options() {
  client::InformerOptions o;
  o.resource = client::resources::pods;
  o.transform = compact_pod;
  return o;
}

client::InformerOptions quarantined_pods_options(const std::string& label_key, const std::string& label_value) {
  client::InformerOptions o;
  o.resource = client::resources::pods;
  o.label_selector = label_key + "=" + label_value;
  o.transform = without_managed_fields;
  return o;
}

}  // namespace kindlyguard::controller
