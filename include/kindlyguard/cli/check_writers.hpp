#pragma once
// The output formats of `kindlyguard check`, one writer each (src/cli/check_write_*.cpp), all
// reading the same CheckReport.
//   text    people: grouped by object, then container; one short line per merged finding with
//           its fix on the next line; colour only when asked (the command resolves --color=auto)
//   wide    one full line per finding, as check printed before 0.2 (grep-friendly)
//   json    the stable, versioned document (kCheckJsonSchemaVersion), docs/check-json.md
//   sarif   SARIF 2.1.0, for code-scanning UIs (GitHub, GitLab, VS Code's SARIF viewer)
//   junit   JUnit XML: one testcase per object and policy, for CI test tabs
//   github  GitHub Actions workflow commands (::error file=...,line=...::), annotations on the PR

#include <ostream>
#include <string>

#include "kindlyguard/cli/check_report.hpp"

namespace kindlyguard::cli {

struct WriterOptions {
  bool color = false;            // ANSI colours (text only)
  std::string tool_version;      // "0.2.0", for SARIF's driver and JSON
  bool fail_on_warn = false;     // --fail-on=warn: JUnit reports a warning as a failure
};

void write_check_text(const CheckReport& report, std::ostream& out, const WriterOptions& options);
void write_check_wide(const CheckReport& report, std::ostream& out, const WriterOptions& options);
void write_check_json(const CheckReport& report, std::ostream& out, const WriterOptions& options);
void write_check_sarif(const CheckReport& report, std::ostream& out, const WriterOptions& options);
void write_check_junit(const CheckReport& report, std::ostream& out, const WriterOptions& options);
void write_check_github(const CheckReport& report, std::ostream& out, const WriterOptions& options);

}  // namespace kindlyguard::cli
