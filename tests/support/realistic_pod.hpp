#pragma once
// A Deployment's pod as the API server serves it (~7 KB of JSON: managedFields of two managers, a
// full status, the projected service-account volume, probes, env), for the scale measurements
// (tests/e2e/pod_cache_memory_e2e_test.cpp, bench/cluster_scale.cpp).

#include <string>

#include <nlohmann/json.hpp>

namespace kindlyguard::testing {

enum class PodFlavour {
  Compliant,            // passes PSS restricted
  RestrictedViolation,  // its proxy container runs as root: fails restricted, passes baseline
  BaselineViolation,    // its proxy container is privileged: fails baseline and restricted
};

// Pod number `i` (names, IPs and node vary with it) in namespace `ns`.
nlohmann::json realistic_pod(int i, const std::string& ns, PodFlavour flavour = PodFlavour::Compliant);

}  // namespace kindlyguard::testing
