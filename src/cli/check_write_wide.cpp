// `check -o wide`: one full line per finding, "file:line:column: Kind ns/name: deny policy/rule
// container=c field: message", the shape compilers use, so editors and grep take it as it is.
#include <iostream>

#include "check_write_common.hpp"
#include "kindlyguard/cli/check_writers.hpp"

namespace kindlyguard::cli {

void write_check_wide(const CheckReport& report, std::ostream& out, const WriterOptions&) {
  for (const auto& r : report.objects) {
    for (const auto& f : r.findings) {
      const auto& v = f.violation;
      out << detail::location(r.source, f.pos) << ": " << r.kind << " " << r.namespace_ << "/" << r.name << ": "
          << detail::lower(v.enforcement) << " " << v.policy << "/" << v.rule
          << (v.container.empty() ? "" : " container=" + v.container) << " " << v.field << ": " << v.message << "\n";
    }
    for (const auto& x : r.excused) {
      const auto& v = x.finding.violation;
      out << detail::location(r.source, x.finding.pos) << ": " << r.kind << " " << r.namespace_ << "/" << r.name
          << ": excused " << v.policy << "/" << v.rule << (v.container.empty() ? "" : " container=" + v.container)
          << " " << v.field << ": excused by SecurityPolicyException " << x.exception << "\n";
    }
  }
  out << detail::summary_line(report) << "\n";
}

}  // namespace kindlyguard::cli
