// `kindlyguard check`: judges manifests offline with the same core the webhook uses.
// Exit codes: 0 all pass (warnings allowed), 1 something is denied, 2 bad input or bad policies.
// SecurityPolicyExceptions among the policy files apply as in the webhook, with the clock at --now;
// what they excuse is listed as excused and fails nothing.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <set>

#include "kindlyguard/cli/commands.hpp"
#include "kindlyguard/cli/flags.hpp"
#include "kindlyguard/cli/inputs.hpp"
#include "kindlyguard/cli/namespace_labels.hpp"
#include "kindlyguard/cli/policy_files.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/util/ascii.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;

struct ObjectResult {
  std::string source;
  int document = 0;
  std::string kind, namespace_, name;
  std::string decision;  // pass | deny | warn | audit
  std::vector<policy::Violation> violations;
  std::vector<policy::ExcusedViolation> excused;
};

// "deny", "warn", "audit": check writes enforcements in lower case.
std::string lower(policy::Enforcement e) { return ascii_lower(policy::to_string(e)); }

// Comma-separated values of a repeatable flag.
std::vector<std::string> split_commas(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& value : values) {
    std::size_t start = 0;
    while (start <= value.size()) {
      auto comma = value.find(',', start);
      if (comma == std::string::npos) comma = value.size();
      if (comma > start) out.push_back(value.substr(start, comma - start));
      start = comma + 1;
    }
  }
  return out;
}

// What the author of an exception would want to know before relying on it in CI: that it can
// never apply, has expired at --now, or names a policy the run does not have.
void exception_warnings(const policy::ExceptionSet& set, const policy::PolicySet& policies, policy::Seconds now,
                        std::vector<std::string>& warnings) {
  for (const auto& e : set.exceptions) {
    std::string name = "SecurityPolicyException " + e.key();
    if (std::string why = policy::invalid_reason(e, set.admin_namespaces); !why.empty())
      warnings.push_back(name + " excuses nothing: " + why);
    else if (policy::expired(e, now))
      warnings.push_back(name + " expired at " + format_k8s_time(e.expires_at->time_since_epoch().count()) +
                         " and excuses nothing (the clock is --now, the system clock unless given)");
    for (const auto& x : e.exceptions)
      if (std::none_of(policies.policies.begin(), policies.policies.end(), [&](const auto& p) { return p.name == x.policy; }))
        warnings.push_back(name + " names SecurityPolicy \"" + x.policy + "\", which is not among the policies given");
  }
}

}  // namespace

int check_command(int argc, char** argv) {
  Flags flags("check", "Judges pods and workloads in YAML or JSON files against SecurityPolicies, offline.",
              {{"policy", "SecurityPolicy file or directory (repeatable)", "", false, true, 'p'},
               {"filename", "manifest file or directory to judge, or - for stdin (repeatable)", "", false, true, 'f'},
               {"output", "text or json", "text", false, false, 'o'},
               {"namespace", "namespace for objects that name none", "default", false, false, 'n'},
               {"namespace-labels",
                "labels of a namespace, for policies with a namespaceSelector: NAME=KEY=VALUE (repeatable, or "
                "comma-separated); Namespace objects among the inputs count too",
                "", false, true, 0},
               {"exception-namespaces",
                "admin namespaces whose SecurityPolicyExceptions may cover other namespaces, as serve's flag "
                "(repeatable, or comma-separated)",
                "", false, true, 0},
               {"now", "the time that decides whether an exception has expired (RFC 3339, e.g. 2027-06-30T00:00:00Z)",
                "", false, false, 0}});
  if (auto exit_code = flags.parse_command_line(argc, argv, 2)) return *exit_code;
  std::string output = flags.get("output");
  if (output != "text" && output != "json") {
    std::cerr << "error: --output must be text or json, got \"" << output << "\"\n";
    return 2;
  }
  auto policy_paths = flags.get_all("policy");
  auto inputs = flags.get_all("filename");
  for (const auto& p : flags.positional()) inputs.push_back(p);
  if (policy_paths.empty() || inputs.empty()) {
    std::cerr << "error: need --policy and -f (see 'kindlyguard check --help')\n";
    return 2;
  }

  auto loaded = load_policy_files(policy_paths);
  for (const auto& e : loaded.errors) std::cerr << "error: " << e << "\n";
  if (!loaded.errors.empty()) return 2;
  policy::PolicySet set{std::move(loaded.policies), 1};
  policy::ExceptionSet exception_set{std::move(loaded.exceptions), split_commas(flags.get_all("exception-namespaces")), 1};
  policy::Seconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  if (flags.is_set("now")) {
    auto t = parse_k8s_time(flags.get("now"));
    if (!t) {
      std::cerr << "error: --now must be an RFC 3339 time such as 2027-06-30T00:00:00Z, got \"" << flags.get("now") << "\"\n";
      return 2;
    }
    now = policy::Seconds(std::chrono::seconds(*t));
  }

  bool bad_input = false;
  NamespaceLabelTable namespaces;
  for (const auto& item : split_commas(flags.get_all("namespace-labels")))
    if (auto added = namespaces.add_flag_item(item); !added.ok()) {
      std::cerr << "error: " << added.error().message << "\n";
      return 2;
    }

  // Every input is read before anything is judged, so a Namespace object anywhere in them gives
  // its labels to every object in that namespace, whatever the order of files.
  struct Document {
    std::string source;
    std::size_t index;
    json doc;
  };
  std::vector<Document> documents;
  for (const auto& input : inputs) {
    auto files = read_inputs(input);
    if (!files.ok()) {
      std::cerr << "error: " << files.error().to_string() << "\n";
      bad_input = true;
      continue;
    }
    for (const auto& f : *files) {
      auto docs = policy::decode_documents(f.text, f.name);
      if (!docs.ok()) {
        std::cerr << "error: " << docs.error().to_string() << "\n";
        bad_input = true;
        continue;
      }
      for (std::size_t d = 0; d < docs->size(); ++d) {
        std::vector<const json*> objects;
        flatten_lists((*docs)[d], objects);
        for (const json* obj : objects) namespaces.add_object(*obj);
        documents.push_back({f.name, d, std::move((*docs)[d])});
      }
    }
  }

  std::vector<std::string> warnings =
      selector_warnings(set, namespaces, "--namespace-labels NAME=KEY=VALUE or Namespace objects among the inputs");
  exception_warnings(exception_set, set, now, warnings);
  std::vector<const json*> all_objects;
  for (const auto& document : documents) flatten_lists(document.doc, all_objects);
  const policy::ExceptionScope exceptions{&exception_set, now, owner_lookup(all_objects, flags.get("namespace"))};
  bool any_needs_labels = false;
  for (const auto& p : set.policies) any_needs_labels |= needs_namespace_labels(p);
  std::set<std::string> unknown_namespaces;

  std::vector<ObjectResult> results;
  std::size_t skipped = 0;
  auto ns_labels = namespaces.fn();
  for (const auto& document : documents) {
    std::vector<const json*> objects;
    flatten_lists(document.doc, objects);
    for (const json* obj : objects) {
      // kind: 5 is no kind to skip: from_object names the field (value() would throw here).
      std::string kind(policy::string_at(*obj, "kind").value_or(""));
      if (!policy::PodView::claims_pod(*obj)) {
        if (kind == "SecurityPolicyException")
          warnings.push_back(document.source + ": a SecurityPolicyException among the inputs to judge is not applied; "
                             "give it with --policy");
        ++skipped;  // Services, ConfigMaps, ...: nothing runs from them
        continue;
      }
      auto view = policy::PodView::from_object(*obj);
      if (!view.ok()) {
        std::cerr << "error: " << document.source << " (document " << document.index << "): " << view.error().to_string() << "\n";
        bad_input = true;
        continue;
      }
      ObjectResult r{document.source, static_cast<int>(document.index), kind, view->namespace_(), view->name(), "pass", {}};
      if (r.namespace_.empty()) r.namespace_ = flags.get("namespace");
      if (any_needs_labels && !namespaces.empty() && !namespaces.knows(r.namespace_) &&
          unknown_namespaces.insert(r.namespace_).second)
        warnings.push_back("namespace \"" + r.namespace_ +
                           "\" has no known labels, so policies that select namespaces by label were judged against "
                           "its name label alone; give --namespace-labels " + r.namespace_ +
                           "=KEY=VALUE or its Namespace object");
      try {
        r.violations = policy::judge_all(set, r.namespace_, *view, ns_labels, exceptions, &r.excused);
      } catch (const std::exception& e) {
        // Last resort: the view has checked every field a rule reads, so this is a bug; name the
        // object rather than abort the whole run.
        std::cerr << "error: " << document.source << " (document " << document.index << "): " << view->describe()
                  << " could not be judged (internal error: " << e.what() << "); please report it\n";
        bad_input = true;
        continue;
      }
      if (auto strongest = policy::strongest_enforcement(r.violations)) r.decision = lower(*strongest);
      results.push_back(std::move(r));
    }
  }
  for (const auto& w : warnings) std::cerr << "warning: " << w << "\n";

  std::size_t denied = 0, warned = 0, passed = 0, excused = 0;
  for (const auto& r : results) {
    excused += r.excused.size();
    denied += r.decision == "deny";
    warned += r.decision == "warn";
    passed += r.decision == "pass" || r.decision == "audit";
  }
  if (output == "json") {
    json out = {{"results", json::array()}};
    for (const auto& r : results) {
      json vs = json::array();
      for (const auto& v : r.violations)
        vs.push_back({{"policy", v.policy}, {"rule", v.rule}, {"enforcement", lower(v.enforcement)},
                      {"container", v.container}, {"field", v.field}, {"message", v.message}});
      json result = {{"source", r.source}, {"document", r.document}, {"kind", r.kind},
                     {"namespace", r.namespace_}, {"name", r.name}, {"decision", r.decision},
                     {"violations", std::move(vs)}};
      // Present whenever exceptions were given, so a report's shape does not depend on the object.
      if (!exception_set.exceptions.empty()) {
        json xs = json::array();
        for (const auto& x : r.excused)
          xs.push_back({{"policy", x.violation.policy}, {"rule", x.violation.rule},
                        {"enforcement", lower(x.violation.enforcement)}, {"container", x.violation.container},
                        {"field", x.violation.field}, {"message", x.violation.message}, {"exception", x.exception}});
        result["exempted"] = std::move(xs);
      }
      out["results"].push_back(std::move(result));
    }
    out["summary"] = {{"objects", results.size()}, {"denied", denied}, {"warned", warned}, {"passed", passed},
                      {"skipped", skipped}, {"inputErrors", bad_input}};
    if (!exception_set.exceptions.empty()) out["summary"]["excused"] = excused;
    out["warnings"] = warnings;
    std::cout << out.dump(2) << "\n";
  } else {
    for (const auto& r : results) {
      for (const auto& v : r.violations)
        std::cout << r.source << ": " << r.kind << " " << r.namespace_ << "/" << r.name << ": " << lower(v.enforcement)
                  << " " << v.policy << "/" << v.rule << (v.container.empty() ? "" : " container=" + v.container)
                  << " " << v.field << ": " << v.message << "\n";
      for (const auto& x : r.excused)
        std::cout << r.source << ": " << r.kind << " " << r.namespace_ << "/" << r.name << ": excused "
                  << x.violation.policy << "/" << x.violation.rule
                  << (x.violation.container.empty() ? "" : " container=" + x.violation.container) << " "
                  << x.violation.field << ": excused by SecurityPolicyException " << x.exception << "\n";
    }
    std::cout << results.size() << " objects judged: " << denied << " denied, " << warned << " warned, " << passed
              << " passed";
    if (skipped) std::cout << " (" << skipped << " objects without a pod spec skipped)";
    if (excused) std::cout << " (" << excused << " findings excused by SecurityPolicyExceptions)";
    std::cout << "\n";
  }
  if (bad_input) return 2;
  return denied ? 1 : 0;
}

}  // namespace kindlyguard::cli
