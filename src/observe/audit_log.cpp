#include "kindlyguard/observe/audit_log.hpp"

#include <nlohmann/json.hpp>

#include "kindlyguard/util/log.hpp"

namespace kindlyguard::observe {

const char* decision_word(const policy::Decision& d) {
  if (!d.allowed) return "denied";
  bool warned = false, audited = false;
  for (const auto& v : d.violations) {
    warned = warned || v.enforcement == policy::Enforcement::Warn;
    audited = audited || v.enforcement == policy::Enforcement::Audit;
  }
  return warned ? "warned" : audited ? "audited" : "allowed";
}

namespace {
const char* operation_word(policy::Operation op) {
  switch (op) {
    case policy::Operation::Create: return "CREATE";
    case policy::Operation::Update: return "UPDATE";
    case policy::Operation::Delete: return "DELETE";
    case policy::Operation::Connect: return "CONNECT";
  }
  return "CREATE";
}
}  // namespace

std::string AuditLog::format(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency) {
  nlohmann::json j;
  j["time"] = log::now_rfc3339();
  j["type"] = "admission";
  j["uid"] = r.uid;
  j["operation"] = operation_word(r.operation);
  j["user"] = r.username;
  j["groups"] = r.groups;
  j["namespace"] = r.namespace_;
  j["kind"] = r.kind;
  j["name"] = r.name;
  if (!r.sub_resource.empty()) j["subResource"] = r.sub_resource;
  j["decision"] = decision_word(d);
  j["judged"] = d.judged;
  if (r.dry_run) j["dryRun"] = true;
  j["policies"] = d.matched_policies;
  auto& vs = j["violations"] = nlohmann::json::array();
  for (const auto& v : d.violations)
    vs.push_back({{"policy", v.policy}, {"rule", v.rule}, {"enforcement", policy::to_string(v.enforcement)},
                  {"container", v.container}, {"field", v.field}, {"message", v.message}});
  if (!d.allowed && d.violations.empty()) j["message"] = d.message;  // a guard's denial
  j["latencyMicros"] = latency.count();
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void AuditLog::on_decision(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency) {
  std::string line = format(r, d, latency);
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace kindlyguard::observe
