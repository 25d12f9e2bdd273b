// run_check: every input read before anything is judged (a Namespace object anywhere gives its
// labels to every object in that namespace), every object judged by the core, and an honest
// account of what was not judged: policies that selected nothing, inputs without anything to
// judge, custom kinds judged by their pod template. Positions (line, column) come from a second,
// position-only pass over the files that have something to point at.
#include "kindlyguard/cli/check_run.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>

#include "check_write_common.hpp"
#include "kindlyguard/cli/inputs.hpp"
#include "kindlyguard/cli/namespace_labels.hpp"
#include "kindlyguard/cli/policy_files.hpp"
#include "kindlyguard/policy/evaluate.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/source_map.hpp"
#include "kindlyguard/util/ascii.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;
using detail::plural;

std::string lower(policy::Enforcement e) { return ascii_lower(policy::to_string(e)); }

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

// kind: List (and the typed *Lists) flattened, each object with its JSON pointer in the document.
void flatten_at(const json& doc, const std::string& pointer, std::vector<std::pair<const json*, std::string>>& out) {
  const json& items = policy::member_at(doc, "items");
  if (items.is_array() && policy::string_at(doc, "kind").value_or("").ends_with("List")) {
    for (std::size_t i = 0; i < items.size(); ++i) flatten_at(items[i], pointer + "/items/" + std::to_string(i), out);
    return;
  }
  out.emplace_back(&doc, pointer);
}

// A Helm chart's templates are not YAML until rendered: say so instead of a parser's complaint
// about `{{ .Values.x }}` being "a map key that is a map".
std::string with_template_hint(std::string message, const std::string& text) {
  if (text.find("{{") != std::string::npos)
    message += " (this looks like a Helm or Go template: render it first, e.g. `helm template RELEASE CHART | "
               "kindlyguard check -p POLICIES -f -`)";
  return message;
}

bool namespace_scoped(const policy::SecurityPolicy& p) {
  return !p.match.namespaces.empty() || !p.match.excluded_namespaces.empty() ||
         (p.match.namespace_selector && !p.match.namespace_selector->empty());
}

std::string describe_scope(const policy::SecurityPolicy& p) {
  std::vector<std::string> parts;
  auto join = [](const std::vector<std::string>& v) {
    std::string s;
    for (const auto& x : v) s += (s.empty() ? "" : ", ") + x;
    return s;
  };
  if (!p.match.namespaces.empty()) parts.push_back("namespaces " + join(p.match.namespaces));
  if (!p.match.excluded_namespaces.empty()) parts.push_back("not namespaces " + join(p.match.excluded_namespaces));
  if (p.match.namespace_selector && !p.match.namespace_selector->empty())
    parts.push_back("namespaces labelled " + p.match.namespace_selector->to_string());
  if (p.match.pod_selector && !p.match.pod_selector->empty())
    parts.push_back("pods labelled " + p.match.pod_selector->to_string());
  return join(parts);
}

struct Input {
  std::string source;
  std::string text;
  std::vector<json> documents;
  std::vector<int> lines;  // where each document starts
  // Line offsets, made on first use: only once `inputs` is complete (it borrows `text`).
  std::optional<policy::SourceText> source_text;
  std::size_t cached_document = SIZE_MAX;  // objects come in document order: one map at a time
  policy::SourceMap cached_map;

  const policy::SourceMap* map(std::size_t document) {
    if (document >= lines.size()) return nullptr;
    if (document != cached_document) {
      if (!source_text) source_text.emplace(text);
      cached_map = source_text->map_document(lines[document], document + 1 < lines.size() ? lines[document + 1] : 0);
      cached_document = document;
    }
    return &cached_map;
  }
};

struct Located {
  std::size_t input = 0, document = 0;
  const json* object = nullptr;
  std::string pointer;
};

Finding make_finding(policy::Violation v) {
  auto parts = split_message(v.message);
  return Finding{std::move(v), {}, std::move(parts.what), std::move(parts.fix)};
}

// Findings of different policies on the same container and field are one group (two findings of
// one policy on one field say different things: an image from an untrusted registry, and tagged
// :latest). In a group the strongest come first and, among equals, a policy's own rules before
// the Pod Security Standards' (their message says what to set).
std::vector<FindingGroup> group_findings(const std::vector<Finding>& findings) {
  std::vector<FindingGroup> groups;
  for (std::size_t i = 0; i < findings.size(); ++i) {
    const Finding& f = findings[i];
    auto it = std::find_if(groups.begin(), groups.end(), [&](const FindingGroup& g) {
      return g.container == f.violation.container && g.field == f.violation.field &&
             std::none_of(g.findings.begin(), g.findings.end(),
                          [&](std::size_t j) { return findings[j].violation.policy == f.violation.policy; });
    });
    if (it == groups.end()) {
      groups.push_back(FindingGroup{f.violation.container, f.violation.field, f.pos, f.violation.enforcement, {}});
      it = std::prev(groups.end());
    }
    it->findings.push_back(i);
    it->enforcement = std::min(it->enforcement, f.violation.enforcement);  // Deny < Warn < Audit
  }
  auto rank = [&](std::size_t i) {
    return std::pair{findings[i].violation.enforcement, findings[i].violation.rule.rfind("pss/", 0) == 0};
  };
  for (auto& g : groups)
    std::stable_sort(g.findings.begin(), g.findings.end(), [&](std::size_t a, std::size_t b) { return rank(a) < rank(b); });
  // In the order of the text, so a reader walks the file once.
  std::stable_sort(groups.begin(), groups.end(), [](const FindingGroup& a, const FindingGroup& b) {
    if (a.pos.known() != b.pos.known()) return a.pos.known();
    return std::pair{a.pos.line, a.pos.column} < std::pair{b.pos.line, b.pos.column};
  });
  return groups;
}

}  // namespace

MessageParts split_message(const std::string& message) {
  // PSS: violates PodSecurity "baseline:latest": privileged (container "app" must not set ...).
  // The detail in parentheses is a fix only when it says what must be ("must set", "must not
  // include"); otherwise ("hostPID=true", "volume \"d\"") it belongs to what is wrong.
  static const std::string kPss = "violates PodSecurity \"";
  if (message.rfind(kPss, 0) == 0) {
    auto level_end = message.find("\": ", kPss.size());
    if (level_end != std::string::npos) {
      std::string level = " (PodSecurity " + message.substr(kPss.size(), level_end - kPss.size()) + ")";
      std::string rest = message.substr(level_end + 3);
      auto open = rest.find(" (");
      if (open != std::string::npos && rest.back() == ')') {
        std::string check = rest.substr(0, open), detail = rest.substr(open + 2, rest.size() - open - 3);
        if (detail.find(" must ") != std::string::npos) return {check + level, detail};
        return {check + ": " + detail + level, ""};
      }
      return {rest + level, ""};
    }
  }
  // Rules: the first ": " outside double quotes (image references and paths are quoted).
  bool quoted = false;
  for (std::size_t i = 0; i + 1 < message.size(); ++i) {
    if (message[i] == '"') quoted = !quoted;
    else if (!quoted && message[i] == ':' && message[i + 1] == ' ')
      return {message.substr(0, i), message.substr(i + 2)};
  }
  return {message, ""};
}

CheckReport run_check(const CheckOptions& options) {
  CheckReport report;
  auto loaded = load_policy_files(options.policy_paths);
  for (auto& e : loaded.errors) report.errors.push_back(std::move(e));
  if (!report.errors.empty()) return report;
  policy::PolicySet set{std::move(loaded.policies), 1};
  policy::ExceptionSet exception_set{std::move(loaded.exceptions), options.exception_namespaces, 1};
  report.exceptions_given = !exception_set.exceptions.empty();
  for (const auto& p : set.policies) report.policies.push_back(PolicySummary{p.name, p.enforcement, 0, 0, 0});

  NamespaceLabelTable namespaces;
  for (const auto& item : options.namespace_labels)
    if (auto added = namespaces.add_flag_item(item); !added.ok()) {
      report.errors.push_back(added.error().message);
      return report;
    }

  std::vector<Input> inputs;
  std::vector<Located> objects;
  for (const auto& path : options.inputs) {
    auto files = read_inputs(path);
    if (!files.ok()) {
      report.errors.push_back(files.error().to_string());
      continue;
    }
    for (auto& f : *files) {
      auto docs = policy::decode_documents_with_lines(f.text, f.name);
      InputSummary summary{f.name, 0, 0, 0};
      if (!docs.ok()) {
        report.errors.push_back(with_template_hint(docs.error().to_string(), f.text));
        report.inputs.push_back(std::move(summary));
        continue;
      }
      const std::size_t index = inputs.size();
      Input in;
      in.source = f.name;
      in.text = std::move(f.text);
      for (auto& d : *docs) {
        in.documents.push_back(std::move(d.value));
        in.lines.push_back(d.line);
      }
      inputs.push_back(std::move(in));
      summary.documents = inputs.back().documents.size();
      report.inputs.push_back(std::move(summary));
      for (std::size_t d = 0; d < inputs.back().documents.size(); ++d) {
        std::vector<std::pair<const json*, std::string>> found;
        flatten_at(inputs.back().documents[d], "", found);
        for (auto& [obj, pointer] : found) {
          // A file of Namespace objects has done its job when it gave their labels.
          if (namespaces.add_object(*obj)) ++report.inputs.back().namespaces;
          objects.push_back(Located{index, d, obj, std::move(pointer)});
        }
      }
    }
  }
  // report.inputs has one entry per file, inputs only the decodable ones: map between them.
  std::map<std::string, InputSummary*> summary_of;
  for (auto& s : report.inputs) summary_of[s.source] = &s;

  if (set.policies.empty())
    report.warnings.push_back("no SecurityPolicy was found in the --policy paths, so nothing was checked");
  for (auto& w : selector_warnings(set, namespaces, "--namespace-labels NAME=KEY=VALUE or Namespace objects among the inputs"))
    report.warnings.push_back(std::move(w));
  exception_warnings(exception_set, set, options.now, report.warnings);

  std::vector<const json*> all_objects;
  for (const auto& o : objects) all_objects.push_back(o.object);
  const policy::ExceptionScope exceptions{&exception_set, options.now, owner_lookup(all_objects, options.default_namespace)};
  bool any_needs_labels = false;
  for (const auto& p : set.policies) any_needs_labels |= needs_namespace_labels(p);
  std::set<std::string> unknown_namespaces;
  auto ns_labels = namespaces.fn();
  std::size_t defaulted = 0;

  auto where = [&](const Located& o, const std::string& field) {
    Input& in = inputs[o.input];
    std::string s = in.source;
    if (const auto* map = in.map(o.document)) {
      auto pos = field.empty() ? map->at_pointer(o.pointer) : map->at_field(o.pointer, field);
      if (pos.known()) s += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
    }
    return s + " (document " + std::to_string(o.document) + ")";
  };

  for (const auto& o : objects) {
    const json& obj = *o.object;
    InputSummary& summary = *summary_of[inputs[o.input].source];
    std::string kind(policy::string_at(obj, "kind").value_or(""));
    bool as_template = false;
    if (!policy::PodView::claims_pod(obj)) {
      as_template = policy::PodView::has_pod_template(obj);
      if (!as_template) {
        if (kind == "SecurityPolicyException")
          report.warnings.push_back(where(o, "") + ": a SecurityPolicyException among the inputs to judge is not "
                                    "applied; give it with --policy");
        ++summary.skipped;  // Services, ConfigMaps, ...: nothing runs from them
        ++report.summary.skipped;
        continue;
      }
    }
    auto view = as_template ? policy::PodView::from_pod_template(obj) : policy::PodView::from_object(obj);
    if (!view.ok()) {
      report.errors.push_back(where(o, view.error().path) + ": " + view.error().to_string());
      continue;
    }
    ObjectReport r;
    r.source = inputs[o.input].source;
    r.document = static_cast<int>(o.document);
    r.pointer = o.pointer;
    r.kind = kind;
    r.namespace_ = view->namespace_();
    r.name = view->name();
    r.judged_as_template = as_template;
    if (r.namespace_.empty()) {
      r.namespace_ = options.default_namespace;
      r.namespace_defaulted = true;
      ++defaulted;
    }
    if (as_template)
      report.warnings.push_back(where(o, "") + ": kind " + kind + " is not one kindlyguard knows, but " + kind + " " +
                                r.namespace_ + "/" + r.name + " has a pod template at spec.template: judged as one");
    if (any_needs_labels && !namespaces.empty() && !namespaces.knows(r.namespace_) &&
        unknown_namespaces.insert(r.namespace_).second)
      report.warnings.push_back("namespace \"" + r.namespace_ +
                                "\" has no known labels, so policies that select namespaces by label were judged "
                                "against its name label alone; give --namespace-labels " + r.namespace_ +
                                "=KEY=VALUE or its Namespace object");
    std::vector<policy::Violation> violations;
    std::vector<policy::ExcusedViolation> excused;
    try {
      for (std::size_t i = 0; i < set.policies.size(); ++i)
        if (policy::policy_matches(set.policies[i], r.namespace_, *view, ns_labels)) {
          r.matched_policies.push_back(set.policies[i].name);
          ++report.policies[i].matched;
        }
      violations = policy::judge_all(set, r.namespace_, *view, ns_labels, exceptions, &excused);
    } catch (const std::exception& e) {
      // Last resort: the view has checked every field a rule reads, so this is a bug; name the
      // object rather than abort the whole run.
      report.errors.push_back(where(o, "") + ": " + view->describe() + " could not be judged (internal error: " +
                              e.what() + "); please report it");
      continue;
    }
    ++summary.judged;
    r.decision = "pass";
    if (auto strongest = policy::strongest_enforcement(violations)) r.decision = lower(*strongest);
    std::set<std::pair<std::string, policy::Enforcement>> faulted;  // (policy, enforcement) once per object
    for (auto& v : violations) {
      faulted.insert({v.policy, v.enforcement});
      r.findings.push_back(make_finding(std::move(v)));
    }
    for (auto& x : excused) r.excused.push_back(ExcusedFinding{make_finding(std::move(x.violation)), std::move(x.exception)});
    for (auto& p : report.policies) {
      p.denied += faulted.count({p.name, policy::Enforcement::Deny});
      p.warned += faulted.count({p.name, policy::Enforcement::Warn});
    }
    if (!r.findings.empty() || !r.excused.empty() || as_template) {
      if (const auto* map = inputs[o.input].map(o.document)) {
        r.pos = map->at_pointer(o.pointer);
        for (auto& f : r.findings) f.pos = map->at_field(o.pointer, f.violation.field);
        for (auto& x : r.excused) x.finding.pos = map->at_field(o.pointer, x.finding.violation.field);
      }
    }
    r.groups = group_findings(r.findings);
    report.objects.push_back(std::move(r));
  }

  // The honest part of the summary.
  const std::size_t judged = report.objects.size();
  if (judged > 0)
    for (std::size_t i = 0; i < set.policies.size(); ++i) {
      if (report.policies[i].matched > 0) continue;
      const auto& p = set.policies[i];
      std::string w = "SecurityPolicy \"" + p.name + "\" selected none of the " + plural(judged, "object", "objects") +
                      " judged";
      if (std::string scope = describe_scope(p); !scope.empty()) w += " (it selects " + scope + ")";
      if (defaulted > 0 && !options.namespace_given && namespace_scoped(p))
        w += "; " + plural(defaulted, "object names", "objects name") + " no namespace and " +
             (defaulted == 1 ? "was" : "were") + " judged in \"" + options.default_namespace +
             "\": give -n NAMESPACE, the namespace they will be deployed to";
      report.warnings.push_back(std::move(w));
    }
  for (const auto& s : report.inputs) {
    bool failed = std::none_of(inputs.begin(), inputs.end(), [&](const Input& in) { return in.source == s.source; });
    if (failed || s.judged > 0 || s.namespaces > 0) continue;
    if (s.documents == 0)
      report.warnings.push_back(s.source + ": empty: no YAML or JSON documents, nothing to judge");
    else
      report.warnings.push_back(s.source + ": nothing to judge: no Pod or workload with a pod template among its " +
                                plural(s.documents, "document", "documents"));
  }

  auto& sum = report.summary;
  sum.objects = judged;
  for (const auto& r : report.objects) {
    sum.excused += r.excused.size();
    sum.findings += r.findings.size();
    sum.denied += r.decision == "deny";
    sum.warned += r.decision == "warn";
    sum.passed += r.decision == "pass" || r.decision == "audit";
  }
  return report;
}

}  // namespace kindlyguard::cli
