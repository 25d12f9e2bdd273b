// Running a `kindlyguard test` suite. Everything is loaded and every expectation resolved before
// anything is judged, so a bad suite reports all its problems at once and judges nothing.
#include "kindlyguard/cli/test_suite_run.hpp"

#include <algorithm>
#include <chrono>

#include "kindlyguard/cli/inputs.hpp"
#include "kindlyguard/cli/namespace_labels.hpp"
#include "kindlyguard/cli/policy_files.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "kindlyguard/policy/pss.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::cli {
namespace {

using nlohmann::json;

struct Document {
  std::string source;
  int index = 0;
  json value;
};

// One object among the suite's resources.
struct Resource {
  TestedResource id;
  std::optional<policy::PodView> view;  // set for pods and workloads: what gets judged
  std::vector<policy::Violation> violations;
  std::vector<policy::ExcusedViolation> excused;
};

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? ", " : "") + words[i];
  return out;
}

std::string results_at(const Expectation& e) { return "results[" + std::to_string(e.index) + "]"; }

// Why `policy` can never report `rule` ("" when it can): an expectation on such a rule would pass
// whatever the resource, which is a mistake in the suite rather than a test.
std::string unreportable(const policy::SecurityPolicy& p, const std::string& rule) {
  const auto& known = policy::known_rule_ids();
  auto is_known = [&](const std::string& id) { return std::find(known.begin(), known.end(), id) != known.end(); };
  // runAsNonRoot is both a rule and a PSS check: a restricted PSS policy reports pss/runAsNonRoot.
  const bool pss_twin = !rule.starts_with("pss/") && is_known("pss/" + rule) && unreportable(p, "pss/" + rule).empty();
  const std::string hint = pss_twin ? " (did you mean pss/" + rule + "?)" : "";
  if (!is_known(rule))
    return "\"" + rule + "\" is not a rule id; write it as denials name it, such as runAsNonRoot or pss/privileged" + hint;
  if (rule.starts_with("pss/")) {
    if (!p.pod_security_standard) return "policy \"" + p.name + "\" has no podSecurityStandard, so it never reports " + rule;
    if (p.pod_security_standard->level == policy::PssLevel::Baseline)
      for (const auto& c : policy::pss::checks())
        if ("pss/" + c.id == rule && c.level == policy::PssLevel::Restricted)
          return "policy \"" + p.name + "\" judges the baseline level, which never reports " + rule + " (a restricted check)";
    return "";
  }
  for (const auto& r : policy::rule_registry())
    if (r.id == rule && !r.enabled(p.rules))
      return "policy \"" + p.name + "\" does not set spec.rules." + rule + ", so it never reports it" + hint;
  return "";
}

// Which part of the policy's match leaves the resource out, each part tried alone with the core's
// own policy_matches so the explanation cannot disagree with the verdict.
std::string why_not_selected(const policy::SecurityPolicy& p, const std::string& ns, const policy::PodView& view,
                             const policy::NamespaceLabelsFn& labels) {
  const policy::Match& m = p.match;
  policy::SecurityPolicy probe = p;
  auto selects_with = [&](auto keep) {
    probe.match = {};
    keep(probe.match);
    return policy::policy_matches(probe, ns, view, labels);
  };
  if (!selects_with([&](policy::Match& x) { x.namespaces = m.namespaces; }))
    return "its match.namespaces (" + join(m.namespaces) + ") leave out namespace \"" + ns + "\"";
  if (!selects_with([&](policy::Match& x) { x.excluded_namespaces = m.excluded_namespaces; }))
    return "namespace \"" + ns + "\" is in its match.excludedNamespaces (" + join(m.excluded_namespaces) + ")";
  if (!selects_with([&](policy::Match& x) { x.namespace_selector = m.namespace_selector; }))
    return "the labels of namespace \"" + ns + "\" do not match its match.namespaceSelector (" +
           m.namespace_selector->to_string() + "); give them in namespaceLabels or as a Namespace among the resources";
  if (m.pod_selector) return "the pod labels do not match its match.podSelector (" + m.pod_selector->to_string() + ")";
  return "its match leaves it out";
}

TestResult result_of(bool selected, const std::vector<policy::Violation>& findings,
                     const std::vector<policy::ExcusedViolation>& excused) {
  if (!selected) return TestResult::Skip;
  if (auto strongest = policy::strongest_enforcement(findings)) {
    switch (*strongest) {
      case policy::Enforcement::Deny: return TestResult::Deny;
      case policy::Enforcement::Warn: return TestResult::Warn;
      case policy::Enforcement::Audit: return TestResult::Audit;
    }
  }
  return excused.empty() ? TestResult::Pass : TestResult::Excused;
}

bool names(const ResourceName& n, const TestedResource& r) {
  return n.name == r.name && (n.kind.empty() || n.kind == r.kind) && (!n.namespace_ || *n.namespace_ == r.namespace_);
}

class SuiteRun {
 public:
  SuiteRun(const TestSuite& suite, SuiteOutcome& out) : suite_(suite), out_(out) {}

  void run() {
    load_policies();
    load_resources();
    if (!out_.errors.empty()) return;
    judge_resources();
    std::vector<std::pair<const Expectation*, std::vector<Resource*>>> resolved;
    for (const auto& e : suite_.results) resolved.emplace_back(&e, resolve(e));
    if (!out_.errors.empty()) return;
    for (const auto& [e, resources] : resolved)
      for (std::size_t i = 0; i < resources.size(); ++i) out_.outcomes.push_back(outcome(*e, e->resources[i], *resources[i]));
  }

 private:
  void load_policies() {
    auto loaded = load_policy_files(suite_.policies);
    for (const auto& e : loaded.errors) out_.errors.push_back(suite_.file + ": policies: " + e);
    policies_.policies = std::move(loaded.policies);
    exceptions_.exceptions = std::move(loaded.exceptions);
    exceptions_.admin_namespaces = suite_.exception_namespaces;
    if (out_.errors.empty() && policies_.policies.empty())
      out_.errors.push_back(suite_.file + ": policies: no SecurityPolicy in " + join(suite_.policies));
  }

  void load_resources() {
    for (const auto& path : suite_.resources) {
      auto files = read_inputs(path);
      if (!files.ok()) {
        out_.errors.push_back(suite_.file + ": resources: " + files.error().to_string());
        continue;
      }
      for (const auto& f : *files) {
        auto docs = policy::decode_documents(f.text, f.name);
        if (!docs.ok()) {
          out_.errors.push_back(suite_.file + ": resources: " + docs.error().to_string());
          continue;
        }
        for (std::size_t d = 0; d < docs->size(); ++d)
          documents_.push_back({f.name, static_cast<int>(d), std::move((*docs)[d])});
      }
    }
    // Pointers into documents_ from here on: it no longer grows.
    for (const auto& [ns, labels] : suite_.namespace_labels) {
      json object = {{"kind", "Namespace"}, {"metadata", {{"name", ns}, {"labels", labels}}}};
      namespaces_.add_object(object);
    }
    for (const auto& doc : documents_) {
      std::vector<const json*> objects;
      flatten_lists(doc.value, objects);
      for (const json* object : objects) add_resource(doc, *object);
    }
    if (out_.errors.empty() && std::none_of(resources_.begin(), resources_.end(), [](const Resource& r) { return r.view; }))
      out_.errors.push_back(suite_.file + ": resources: no pod or workload in " + join(suite_.resources));
  }

  void add_resource(const Document& doc, const json& object) {
    namespaces_.add_object(object);
    all_objects_.push_back(&object);
    const json& metadata = policy::member_at(object, "metadata");
    Resource r;
    r.id = {std::string(policy::string_at(object, "kind").value_or("")),
            std::string(policy::string_at(metadata, "namespace").value_or(suite_.namespace_)),
            std::string(policy::string_at(metadata, "name").value_or("")), doc.source, doc.index};
    if (r.id.namespace_.empty()) r.id.namespace_ = suite_.namespace_;
    const std::string place = doc.source + " (document " + std::to_string(doc.index + 1) + ")";
    if (r.id.kind == "SecurityPolicyException" || r.id.kind == "SecurityPolicy") {
      out_.errors.push_back(suite_.file + ": resources: " + place + " holds a " + r.id.kind +
                            "; list its file under policies, where it applies");
      return;
    }
    if (policy::PodView::claims_pod(object)) {
      auto view = policy::PodView::from_object(object);
      if (!view.ok()) {
        out_.errors.push_back(suite_.file + ": resources: " + place + ": " + view.error().to_string());
        return;
      }
      r.id.name = view->name();
      r.view = std::move(*view);
    }
    resources_.push_back(std::move(r));
  }

  void judge_resources() {
    for (auto& w : selector_warnings(policies_, namespaces_, "namespaceLabels in the suite or Namespace objects among its resources"))
      out_.warnings.push_back(suite_.file + ": " + w);
    policy::Seconds now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
    if (suite_.now) now = policy::Seconds(std::chrono::seconds(*suite_.now));
    const policy::ExceptionScope scope{&exceptions_, now, owner_lookup(all_objects_, suite_.namespace_)};
    labels_ = namespaces_.fn();
    for (auto& r : resources_) {
      if (!r.view) continue;
      try {
        r.violations = policy::judge_all(policies_, r.id.namespace_, *r.view, labels_, scope, &r.excused);
      } catch (const std::exception& e) {
        out_.errors.push_back(suite_.file + ": " + r.id.source + ": " + r.view->describe() +
                              " could not be judged (internal error: " + e.what() + "); please report it");
      }
    }
  }

  // The resources an expectation names, one per name; problems go to the suite's errors.
  std::vector<Resource*> resolve(const Expectation& e) {
    std::vector<Resource*> out;
    const auto policy = std::find_if(policies_.policies.begin(), policies_.policies.end(),
                                     [&](const auto& p) { return p.name == e.policy; });
    if (policy == policies_.policies.end()) {
      std::vector<std::string> loaded;
      for (const auto& p : policies_.policies) loaded.push_back(p.name);
      error(e.at, results_at(e) + ".policy: SecurityPolicy \"" + e.policy + "\" is not among the policies loaded (" +
                      join(loaded) + ")");
    } else if (!e.rule.empty()) {
      if (std::string why = unreportable(*policy, e.rule); !why.empty()) error(e.at, results_at(e) + ".rule: " + why);
    }
    for (std::size_t i = 0; i < e.resources.size(); ++i) {
      const ResourceName& n = e.resources[i];
      std::vector<Resource*> judged, other;
      for (auto& r : resources_)
        if (names(n, r.id)) (r.view ? judged : other).push_back(&r);
      const std::string field = results_at(e) + ".resources[" + std::to_string(i) + "]";
      if (judged.size() == 1) {
        out.push_back(judged.front());
      } else if (judged.size() > 1) {
        std::vector<std::string> candidates;
        for (const auto* r : judged)
          candidates.push_back(r->id.kind + "/" + r->id.namespace_ + "/" + r->id.name + " in " + r->id.source);
        error(n.at, field + ": \"" + n.text + "\" matches " + std::to_string(judged.size()) + " resources (" +
                        join(candidates) + "); write Kind/namespace/name" +
                        (n.namespace_ && !n.kind.empty() ? ", and give each object once" : ""));
      } else if (!other.empty()) {
        error(n.at, field + ": resource \"" + n.text + "\" is a " + other.front()->id.kind +
                        ", which has no pod spec; only pods and workloads are judged");
      } else {
        error(n.at, "resource \"" + n.text + "\" named by " + results_at(e) + " is not among the resources (" +
                        join(suite_.resources) + ")" + (n.namespace_ ? "" : "; objects without a namespace are in \"" + suite_.namespace_ + "\""));
      }
    }
    return out;
  }

  ExpectationOutcome outcome(const Expectation& e, const ResourceName& n, const Resource& r) {
    ExpectationOutcome o;
    o.result_index = e.index;
    o.at = n.at;
    o.resource = r.id;
    o.policy = e.policy;
    o.rule = e.rule;
    o.expected = e.result;
    auto mine = [&](const policy::Violation& v) { return v.policy == e.policy && (e.rule.empty() || v.rule == e.rule); };
    for (const auto& v : r.violations)
      if (mine(v)) o.findings.push_back(v);
    for (const auto& x : r.excused)
      if (mine(x.violation)) o.excused.push_back(x);
    const auto& p = *std::find_if(policies_.policies.begin(), policies_.policies.end(),
                                  [&](const auto& candidate) { return candidate.name == e.policy; });
    const bool selected = policy::policy_matches(p, r.id.namespace_, *r.view, labels_);
    o.got = result_of(selected, o.findings, o.excused);
    if ((o.expected == TestResult::Skip) != (o.got == TestResult::Skip))
      o.selection = selected ? "policy \"" + p.name + "\" selects it (namespace \"" + r.id.namespace_ + "\")"
                             : "policy \"" + p.name + "\" does not select it: " +
                                   why_not_selected(p, r.id.namespace_, *r.view, labels_);
    return o;
  }

  void error(SuitePosition at, const std::string& message) { out_.errors.push_back(suite_location(suite_.file, at) + message); }

  const TestSuite& suite_;
  SuiteOutcome& out_;
  policy::PolicySet policies_;
  policy::ExceptionSet exceptions_;
  std::vector<Document> documents_;
  std::vector<const json*> all_objects_;
  std::vector<Resource> resources_;
  NamespaceLabelTable namespaces_;
  policy::NamespaceLabelsFn labels_;
};

}  // namespace

std::size_t SuiteOutcome::met() const {
  return static_cast<std::size_t>(std::count_if(outcomes.begin(), outcomes.end(), [](const auto& o) { return o.met(); }));
}

SuiteOutcome run_test_suite(const TestSuite& suite) {
  SuiteOutcome out;
  out.file = suite.file;
  out.name = suite.name;
  SuiteRun(suite, out).run();
  if (!out.errors.empty()) out.outcomes.clear();
  return out;
}

SuiteOutcome run_test_suite_file(const std::string& file) {
  auto files = read_inputs(file);
  if (!files.ok() || files->size() != 1) {
    SuiteOutcome out;
    out.file = file;
    out.errors.push_back(files.ok() ? file + ": not a file" : files.error().to_string());
    return out;
  }
  auto suite = parse_test_suite(files->front().text, file);
  if (!suite.ok()) {
    SuiteOutcome out;
    out.file = file;
    out.errors = suite.error();
    return out;
  }
  return run_test_suite(*suite);
}

}  // namespace kindlyguard::cli
