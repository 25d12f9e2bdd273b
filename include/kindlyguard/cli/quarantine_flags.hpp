#pragma once
// The quarantine flags of `serve` (--quarantine-label, --quarantine-release-users,
// --quarantine-release-groups, --quarantine-delete-users, --quarantine-forensics-namespace, --quarantine-allow-dns,
// --quarantine-adminnetworkpolicy), what they configure, and the wiring of the quarantine
// controller into cluster mode and of the label guard into the webhook.

#include <chrono>
#include <vector>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/admission/quarantine_guard.hpp"
#include "kindlyguard/cli/cluster_mode.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/observe/metrics.hpp"

namespace kindlyguard::cli {

std::vector<FlagSpec> quarantine_flags();

struct QuarantineSettings {
  controller::QuarantineConfig controller;
  admission::QuarantineGuardConfig guard;
};

// Errors name the flag and say what is expected.
Result<QuarantineSettings> quarantine_settings(const Flags& flags);

// The webhook's quarantine guard from the flags. With `cluster` (not started yet), evictions are
// judged against its pod informer; without (standalone), evictions are not guarded.
Result<admission::RequestGuard> quarantine_guard_from_flags(const Flags& flags, ClusterMode* cluster = nullptr);

// Adds the quarantine controller to cluster.op (which must not be started yet), writing Events
// through cluster.events and the gauges to `metrics`.
Result<bool> add_quarantine_controller(const Flags& flags, ClusterMode& cluster, observe::Metrics& metrics,
                                       std::chrono::milliseconds resync);

}  // namespace kindlyguard::cli
