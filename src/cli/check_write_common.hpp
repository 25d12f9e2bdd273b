#pragma once
// Private to the check writers: the few phrasings every human-readable format shares.

#include <string>

#include "kindlyguard/cli/check_report.hpp"

namespace kindlyguard::cli::detail {

// "deny", "warn", "audit".
std::string lower(policy::Enforcement e);
// "path:line:column", or the path alone when the position is unknown.
std::string location(const std::string& source, policy::SourcePos pos);
// "1 object judged: 1 denied, 0 warned, 0 passed (2 objects without a pod spec skipped)".
std::string summary_line(const CheckReport& report);
// "2 objects" / "1 object".
std::string plural(std::size_t n, const std::string& one, const std::string& many);

}  // namespace kindlyguard::cli::detail
