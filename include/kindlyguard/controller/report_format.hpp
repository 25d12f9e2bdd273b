#pragma once
// The format of the background audit's per-namespace reports (--report-format):
// - policyreport: wgpolicyk8s.io/v1alpha2 PolicyReport, what Policy Reporter and most dashboards
//   read today;
// - openreports: openreports.io/v1alpha1 Report, its successor (Kyverno 1.15, Kubewarden).
// Both carry the same results, bounds and no-churn rule; only the envelope differs.
#include <optional>
#include <string_view>

#include "kindlyguard/client/resources.hpp"

namespace kindlyguard::controller {

enum class ReportFormat { PolicyReport, OpenReports };

const char* to_string(ReportFormat f);                              // "policyreport", "openreports"
std::optional<ReportFormat> parse_report_format(std::string_view);  // the same words
const client::ResourceRef& report_resource(ReportFormat f);

}  // namespace kindlyguard::controller
