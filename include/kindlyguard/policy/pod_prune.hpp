#pragma once
// Keeping of a pod spec only what kindlyguard reads, for caches that hold every pod of a cluster.
//
// The pod schema (pod_schema.hpp) lists every field a rule or Pod Security Standards check reads;
// everything else (tolerations, affinity, dnsConfig, probes' and env's unread members, volume
// sources' contents...) is dropped (with managedFields and status, controller/pod_cache.hpp: a
// realistic pod parsed costs ~18 KB compact against ~44 KB whole). What is
// kept is untouched, mistyped values included: the pod view refuses them exactly as before, and
// tests/conformance/compact_pod_agreement_test.cpp judges every corpus case full and compact alike.

#include <nlohmann/json.hpp>

namespace kindlyguard::policy {

// Removes from `spec` (a pod spec) every member the pod schema does not list; an object whose
// members nothing reads (a volume source, env[].valueFrom) is kept empty, as its presence counts.
void prune_pod_spec(nlohmann::json& spec);

}  // namespace kindlyguard::policy
