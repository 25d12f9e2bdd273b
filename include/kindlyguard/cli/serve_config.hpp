#pragma once
// `kindlyguard serve`'s flags, turned into one typed configuration and validated once: the
// webhook's own settings, the quarantine guard's, and, in cluster mode (no --policy-dir), the
// operator's (controller::OperatorConfig). Nothing here talks to the API server or opens a port,
// so every flag error is found, and tested, without one. Errors name the flag and say what to give.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kindlyguard/admission/quarantine_guard.hpp"
#include "kindlyguard/admission/resource_validation.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/controller/operator.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::cli {

struct Endpoint {
  std::string host;  // "0.0.0.0" when the flag gave none
  uint16_t port = 0;
};

struct LogSettings {
  log::Level level = log::Level::Info;
  log::Format format = log::Format::Json;
};

struct ServeConfig {
  LogSettings log;
  Endpoint listen;
  std::string tls_cert_file, tls_key_file;
  std::string client_ca_file;                 // "": no client certificates asked for
  std::optional<Endpoint> probe_listen;       // loopback only
  std::string metrics_listen;                 // "": no /metrics
  bool audit_log = true;
  std::chrono::milliseconds shutdown_grace{1000};
  unsigned threads = 0;                       // 0: one per core
  // Standalone mode: the policy directory and the Namespace objects' file. Empty policy_dir:
  // cluster mode, and `cluster` holds the operator's configuration.
  std::string policy_dir;
  std::string namespaces_file;
  std::optional<controller::OperatorConfig> cluster;
  admission::QuarantineGuardConfig quarantine_guard;  // pod_lookup is the caller's to set
  admission::ExceptionApproval exception_approval;    // both modes
};

// Every flag of `serve`, in the order --help lists them.
std::vector<FlagSpec> serve_flags();
Result<ServeConfig> serve_config(const Flags& flags);
// --log-level and --log-format alone, so that logging is set up before anything else is said.
Result<LogSettings> log_settings(const Flags& flags);

// The quarantine flags (part of serve_flags()) and what they configure, for the controller and
// for the webhook's guard.
std::vector<FlagSpec> quarantine_flags();
struct QuarantineSettings {
  controller::QuarantineConfig controller;
  admission::QuarantineGuardConfig guard;
};
Result<QuarantineSettings> quarantine_settings(const Flags& flags);

}  // namespace kindlyguard::cli
