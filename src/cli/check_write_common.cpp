#include "check_write_common.hpp"

#include "kindlyguard/util/ascii.hpp"

namespace kindlyguard::cli::detail {

std::string lower(policy::Enforcement e) { return ascii_lower(policy::to_string(e)); }

std::string location(const std::string& source, policy::SourcePos pos) {
  if (!pos.known()) return source;
  return source + ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
}

std::string plural(std::size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

std::string summary_line(const CheckReport& report) {
  const auto& s = report.summary;
  std::string line = plural(s.objects, "object", "objects") + " judged: " + std::to_string(s.denied) + " denied, " +
                     std::to_string(s.warned) + " warned, " + std::to_string(s.passed) + " passed";
  if (s.skipped) line += " (" + plural(s.skipped, "object", "objects") + " without a pod spec skipped)";
  if (s.excused) line += " (" + plural(s.excused, "finding", "findings") + " excused by SecurityPolicyExceptions)";
  return line;
}

}  // namespace kindlyguard::cli::detail
