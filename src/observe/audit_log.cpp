#include "kindlyguard/observe/audit_log.hpp"

#include <nlohmann/json.hpp>

#include "kindlyguard/util/json_write.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::observe {

const char* decision_word(const policy::Decision& d) {
  if (!d.allowed) return "denied";
  const auto strongest = policy::strongest_enforcement(d.violations);
  if (strongest == policy::Enforcement::Warn) return "warned";
  if (strongest == policy::Enforcement::Audit) return "audited";
  return "allowed";
}

// Written directly rather than through an nlohmann object: this runs for every admission request
// and was 13% of the webhook's instructions (bench/bench_hotspots.cpp). Keys in byte order, the
// bytes nlohmann's dump would write (a unit test compares the two).
std::string AuditLog::format(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency) {
  using json_write::string;
  using json_write::strings;
  std::string out;
  out.reserve(256 + d.violations.size() * 256);
  out += "{\"decision\":\"";
  out += decision_word(d);
  out += '"';
  if (r.dry_run) out += ",\"dryRun\":true";
  if (std::string approver = admission::exception_approved_by(r, d); !approver.empty()) {
    out += ",\"exceptionApprovedBy\":";
    string(out, approver);
  }
  if (!d.excused.empty()) {
    out += ",\"exempted\":[";
    for (std::size_t i = 0; i < d.excused.size(); ++i) {
      const auto& x = d.excused[i];
      out += i ? ",{\"container\":" : "{\"container\":";
      string(out, x.violation.container);
      out += ",\"exception\":";
      string(out, x.exception);
      out += ",\"field\":";
      string(out, x.violation.field);
      out += ",\"policy\":";
      string(out, x.violation.policy);
      out += ",\"rule\":";
      string(out, x.violation.rule);
      out += '}';
    }
    out += ']';
  }
  out += ",\"groups\":";
  strings(out, r.groups);
  out += ",\"judged\":";
  out += d.judged ? "true" : "false";
  out += ",\"kind\":";
  string(out, r.kind);
  out += ",\"latencyMicros\":";
  out += std::to_string(latency.count());
  if (!d.allowed && d.violations.empty()) {  // a guard's denial
    out += ",\"message\":";
    string(out, d.message);
  }
  out += ",\"name\":";
  string(out, r.name);
  out += ",\"namespace\":";
  string(out, r.namespace_);
  out += ",\"operation\":\"";
  out += policy::to_string(r.operation);
  out += "\",\"policies\":";
  strings(out, d.matched_policies);
  if (!r.sub_resource.empty()) {
    out += ",\"subResource\":";
    string(out, r.sub_resource);
  }
  out += ",\"time\":";
  string(out, log::now_rfc3339());
  out += ",\"type\":\"admission\",\"uid\":";
  string(out, r.uid);
  out += ",\"user\":";
  string(out, r.username);
  out += ",\"violations\":[";
  for (std::size_t i = 0; i < d.violations.size(); ++i) {
    const auto& v = d.violations[i];
    out += i ? ",{\"container\":" : "{\"container\":";
    string(out, v.container);
    out += ",\"enforcement\":\"";
    out += policy::to_string(v.enforcement);
    out += "\",\"field\":";
    string(out, v.field);
    out += ",\"message\":";
    string(out, v.message);
    out += ",\"policy\":";
    string(out, v.policy);
    out += ",\"rule\":";
    string(out, v.rule);
    out += '}';
  }
  out += "]}";
  return out;
}

void AuditLog::on_decision(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency) {
  std::string line = format(r, d, latency);
  line += '\n';
  std::lock_guard lock(mu_);
  std::fwrite(line.data(), 1, line.size(), out_);
  std::fflush(out_);
}

}  // namespace kindlyguard::observe
