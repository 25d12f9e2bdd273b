#pragma once
// What the controllers keep of the cluster's pods, and who keeps it.
//
// - The pod cache (the background audit's and the quarantine controller's, shared) runs only on
//   the replica that leads, and keeps each pod in a compact form: the transform on ingest drops
//   metadata.managedFields, every status field but phase, and every spec field no rule or check
//   reads (policy/pod_prune.hpp). As parsed JSON a realistic pod costs ~44 KB whole and ~18 KB
//   compact (tests/e2e/pod_cache_memory_e2e_test.cpp): still ~1.8 GB for 100,000 pods, so the
//   next step is a packed form (bench/RESULTS.md, "Cluster scale"). Enough, because what reads a
//   cached pod reads only:
//     policy::audit_pods: kind, metadata and spec (through PodView, which reads nothing else of
//       the object) and status.phase (Succeeded and Failed pods are skipped);
//     the exceptions' owner lookup: metadata.ownerReferences;
//     the quarantine controller and the audit's onViolation.quarantine: apiVersion, kind,
//       metadata (labels, annotations, uid, resourceVersion, deletionTimestamp);
//   and the webhook judges objects without managedFields already (admission/review_json.cpp).
//   tests/conformance/compact_pod_agreement_test.cpp checks that every corpus case gets the same verdict
//   and messages from its full and its compact form.
// - The quarantined pods (the label selector of the quarantine label), on every replica: the
//   quarantine guard looks up the pod of an eviction there (absent = not quarantined), so a
//   follower never lists nor watches the cluster's other pods.

#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/informer.hpp"

namespace kindlyguard::controller {

// The object without metadata.managedFields: written by the API server for server-side apply,
// read by nothing here, and often half of an object's size.
nlohmann::json without_managed_fields(nlohmann::json object);

// A pod as the pod cache keeps it (see above): without managedFields, status reduced to phase,
// the spec pruned to what the checks read.
nlohmann::json compact_pod(nlohmann::json pod);

// Every pod of the cluster, compact: the informer the controllers share (leader only).
client::InformerOptions pod_cache_options();

// Only the pods labeled label_key=label_value, without managedFields (every replica).
client::InformerOptions quarantined_pods_options(const std::string& label_key, const std::string& label_value);

}  // namespace kindlyguard::controller
