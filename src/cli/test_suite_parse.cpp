// kindlyguard-test.yaml into a TestSuite. Read with yaml-cpp's node API rather than the manifest
// decoder: a suite is our own small file, and every error should point at its line and column,
// which the nodes carry.
#include <algorithm>
#include <filesystem>
#include <set>

#include <yaml-cpp/yaml.h>

#include "kindlyguard/cli/test_suite.hpp"
#include "kindlyguard/k8s/label_selector.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::cli {
namespace fs = std::filesystem;

namespace {

constexpr std::string_view kApiVersion = "kindlyguard.io/v1alpha1";

SuitePosition position_of(const YAML::Node& node) {
  const YAML::Mark m = node.Mark();
  if (m.line < 0) return {};
  return {m.line + 1, m.column + 1};
}

std::string join(const std::vector<std::string_view>& words) {
  std::string out;
  for (std::size_t i = 0; i < words.size(); ++i) out += (i ? ", " : "") + std::string(words[i]);
  return out;
}

// Namespace names are DNS labels (RFC 1123): what the API server accepts as metadata.namespace.
bool is_dns_label(std::string_view s) {
  if (s.empty() || s.size() > 63 || s.front() == '-' || s.back() == '-') return false;
  return std::all_of(s.begin(), s.end(), [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

// Reads one suite, collecting every problem with its position.
class SuiteReader {
 public:
  explicit SuiteReader(TestSuite& suite) : suite_(suite) {}

  std::vector<std::string>& errors() { return errors_; }

  void error(const YAML::Node& at, const std::string& path, const std::string& message) {
    errors_.push_back(suite_location(suite_.file, position_of(at)) + (path.empty() ? "" : path + ": ") + message);
  }

  // A map whose keys must be among `allowed`; unknown and repeated keys are reported at the key.
  bool map_with(const YAML::Node& node, const std::string& path, const std::vector<std::string_view>& allowed) {
    if (!node.IsMap()) {
      error(node, path, "expected a map with the fields " + join(allowed));
      return false;
    }
    std::set<std::string> seen;
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        error(it->first, path, "a field name must be a plain word");
        continue;
      }
      const std::string key = it->first.Scalar();
      const std::string field = path.empty() ? key : path + "." + key;
      if (!seen.insert(key).second) error(it->first, field, "given twice; give each field once");
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end())
        error(it->first, "", "unknown field \"" + field + "\"; the fields " + (path.empty() ? "of a suite" : "of " + path) +
                                 " are " + join(allowed));
    }
    return true;
  }

  // The string at `node`, or nullopt (reported) when it is not one. An absent or null node is "".
  std::optional<std::string> string(const YAML::Node& node, const std::string& path) {
    if (!node.IsDefined() || node.IsNull()) return std::string();
    if (!node.IsScalar()) {
      error(node, path, "expected a string");
      return std::nullopt;
    }
    return node.Scalar();
  }

  // A required non-empty string.
  std::string required(const YAML::Node& parent, const char* key, const std::string& path, const std::string& hint) {
    const YAML::Node node = parent[key];
    auto s = string(node, path);
    if (s && s->empty()) error(node.IsDefined() ? node : parent, path, "is required; " + hint);
    return s.value_or("");
  }

  std::vector<std::string> strings(const YAML::Node& node, const std::string& path, const std::string& example) {
    std::vector<std::string> out;
    if (!node.IsDefined() || node.IsNull()) return out;
    if (!node.IsSequence()) {
      error(node, path, "expected a list, such as " + example);
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
      auto s = string(node[i], path + "[" + std::to_string(i) + "]");
      if (s && s->empty()) error(node[i], path + "[" + std::to_string(i) + "]", "is empty");
      if (s && !s->empty()) out.push_back(std::move(*s));
    }
    return out;
  }

  // Paths relative to the suite's folder.
  std::vector<std::string> paths(const YAML::Node& root, const char* key, const std::string& example) {
    const YAML::Node node = root[key];
    auto list = strings(node, key, example);
    if (!node.IsDefined() || node.IsNull() || (node.IsSequence() && node.size() == 0))
      error(node.IsDefined() ? node : root, key, "is required: name at least one file or folder, such as " + example);
    fs::path base = fs::path(suite_.file).parent_path();
    for (auto& p : list)
      if (fs::path(p).is_relative()) p = (base / p).lexically_normal().string();
    return list;
  }

  void namespace_labels(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) {
      error(node, "namespaceLabels", "expected a map of namespace to labels, such as {prod-shop: {env: prod}}");
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      const std::string ns = it->first.IsScalar() ? it->first.Scalar() : "";
      const std::string path = "namespaceLabels." + ns;
      if (!is_dns_label(ns)) error(it->first, "namespaceLabels", "\"" + ns + "\" is not a namespace name");
      if (!it->second.IsMap()) {
        error(it->second, path, "expected a map of label key to value, such as {env: prod}");
        continue;
      }
      auto& labels = suite_.namespace_labels[ns];
      for (auto label = it->second.begin(); label != it->second.end(); ++label) {
        const std::string key = label->first.IsScalar() ? label->first.Scalar() : "";
        auto value = string(label->second, path + "." + key);
        if (!k8s::is_valid_label_key(key)) error(label->first, path, "\"" + key + "\" is not a valid label key");
        else if (value && !k8s::is_valid_label_value(*value))
          error(label->second, path + "." + key, "\"" + *value + "\" is not a valid label value");
        else if (value) labels[key] = *value;
      }
    }
  }

  std::optional<ResourceName> resource_name(const YAML::Node& node, const std::string& path) {
    auto text = string(node, path);
    if (!text) return std::nullopt;
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      auto slash = text->find('/', start);
      parts.push_back(text->substr(start, slash - start));
      if (slash == std::string::npos) break;
      start = slash + 1;
    }
    ResourceName r{*text, "", std::nullopt, "", position_of(node)};
    // Kinds are CamelCase and namespaces DNS labels, so two parts read one way only.
    const bool kind_first = parts.size() > 1 && parts[0].size() && parts[0][0] >= 'A' && parts[0][0] <= 'Z';
    if (parts.size() == 1) r.name = parts[0];
    else if (parts.size() == 2 && kind_first) r.kind = parts[0], r.name = parts[1];
    else if (parts.size() == 2) r.namespace_ = parts[0], r.name = parts[1];
    else if (parts.size() == 3 && kind_first) r.kind = parts[0], r.namespace_ = parts[1], r.name = parts[2];
    bool bad = r.name.empty() || (r.namespace_ && !is_dns_label(*r.namespace_));
    if (bad) {
      error(node, path, "\"" + *text + "\" is not a resource name; write name, namespace/name, Kind/name or Kind/namespace/name");
      return std::nullopt;
    }
    return r;
  }

  void result(const YAML::Node& node, std::size_t index) {
    const std::string path = "results[" + std::to_string(index) + "]";
    if (!map_with(node, path, {"policy", "rule", "kind", "resources", "result"})) return;
    Expectation e;
    e.index = index;
    e.at = position_of(node);
    e.policy = required(node, "policy", path + ".policy", "name the SecurityPolicy (metadata.name)");
    e.rule = string(node["rule"], path + ".rule").value_or("");
    e.kind = string(node["kind"], path + ".kind").value_or("");
    const YAML::Node resources = node["resources"];
    if (!resources.IsDefined() || resources.IsNull() || (resources.IsSequence() && resources.size() == 0))
      error(resources.IsDefined() ? resources : node, path + ".resources",
            "is required: name at least one resource, such as [web] or [Deployment/prod-shop/web]");
    else if (!resources.IsSequence())
      error(resources, path + ".resources", "expected a list of resource names, such as [web, prod-shop/api]");
    else
      for (std::size_t i = 0; i < resources.size(); ++i)
        if (auto r = resource_name(resources[i], path + ".resources[" + std::to_string(i) + "]")) {
          if (!e.kind.empty() && !r->kind.empty() && r->kind != e.kind)
            error(resources[i], path + ".resources[" + std::to_string(i) + "]",
                  "names kind " + r->kind + " but the result's kind is " + e.kind);
          if (r->kind.empty()) r->kind = e.kind;
          e.resources.push_back(std::move(*r));
        }
    const YAML::Node result_node = node["result"];
    std::string value = required(node, "result", path + ".result", "one of pass, deny, warn, audit, skip, excused");
    if (!value.empty()) {
      if (auto r = parse_test_result(value)) e.result = *r;
      else error(result_node, path + ".result", "\"" + value + "\" is not a result; write one of pass, deny, warn, audit, skip, excused");
    }
    suite_.results.push_back(std::move(e));
  }

  void read(const YAML::Node& root) {
    if (!map_with(root, "", {"apiVersion", "kind", "metadata", "policies", "resources", "namespace", "namespaceLabels",
                             "exceptionNamespaces", "now", "results"}))
      return;
    if (auto v = string(root["apiVersion"], "apiVersion"); v && *v != kApiVersion)
      error(root["apiVersion"].IsDefined() ? root["apiVersion"] : root, "apiVersion",
            "expected " + std::string(kApiVersion) + (v->empty() ? "" : ", got \"" + *v + "\""));
    if (auto v = string(root["kind"], "kind"); v && *v != "Test")
      error(root["kind"].IsDefined() ? root["kind"] : root, "kind", "expected Test" + (v->empty() ? "" : ", got \"" + *v + "\""));
    const YAML::Node metadata = root["metadata"];
    if (!metadata.IsDefined()) error(root, "metadata", "is required: give metadata.name, the suite's name");
    else if (map_with(metadata, "metadata", {"name", "labels", "annotations"}))
      suite_.name = required(metadata, "name", "metadata.name", "the suite's name");
    if (auto ns = string(root["namespace"], "namespace"); ns && !ns->empty()) {
      if (!is_dns_label(*ns)) error(root["namespace"], "namespace", "\"" + *ns + "\" is not a namespace name");
      suite_.namespace_ = *ns;
    }
    namespace_labels(root["namespaceLabels"]);
    suite_.exception_namespaces = strings(root["exceptionNamespaces"], "exceptionNamespaces", "[kindlyguard]");
    if (auto now = string(root["now"], "now"); now && !now->empty()) {
      suite_.now = parse_k8s_time(*now);
      if (!suite_.now) error(root["now"], "now", "\"" + *now + "\" is not an RFC 3339 time such as 2027-06-30T00:00:00Z");
    }
    suite_.policies = paths(root, "policies", "[../../policies/baseline-deny.yaml]");
    suite_.resources = paths(root, "resources", "[resources.yaml]");
    const YAML::Node results = root["results"];
    if (!results.IsDefined() || results.IsNull() || (results.IsSequence() && results.size() == 0))
      error(results.IsDefined() ? results : root, "results",
            "is required: a suite that expects nothing tests nothing; list the expected results");
    else if (!results.IsSequence())
      error(results, "results", "expected a list of {policy, rule, resources, result}");
    else
      for (std::size_t i = 0; i < results.size(); ++i) result(results[i], i);
  }

 private:
  TestSuite& suite_;
  std::vector<std::string> errors_;
};

}  // namespace

const char* to_string(TestResult r) {
  switch (r) {
    case TestResult::Pass: return "pass";
    case TestResult::Deny: return "deny";
    case TestResult::Warn: return "warn";
    case TestResult::Audit: return "audit";
    case TestResult::Skip: return "skip";
    case TestResult::Excused: return "excused";
  }
  return "pass";
}

std::optional<TestResult> parse_test_result(std::string_view text) {
  for (auto r : {TestResult::Pass, TestResult::Deny, TestResult::Warn, TestResult::Audit, TestResult::Skip, TestResult::Excused})
    if (text == to_string(r)) return r;
  return std::nullopt;
}

std::string suite_location(const std::string& file, SuitePosition at) {
  if (at.line <= 0) return file + ": ";
  return file + ":" + std::to_string(at.line) + ":" + std::to_string(at.column) + ": ";
}

Result<TestSuite, std::vector<std::string>> parse_test_suite(std::string_view text, const std::string& file) {
  TestSuite suite;
  suite.file = file;
  SuiteReader reader(suite);
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    SuitePosition at{e.mark.line + 1, e.mark.column + 1};
    return std::vector<std::string>{suite_location(file, e.mark.line < 0 ? SuitePosition{} : at) + e.msg};
  }
  std::erase_if(documents, [](const YAML::Node& d) { return d.IsNull(); });
  if (documents.size() != 1)
    return std::vector<std::string>{suite_location(file, {}) + (documents.empty() ? "is empty" : "holds " + std::to_string(documents.size()) + " documents") +
                                    "; a suite file holds one Test (put other suites in their own folders)"};
  reader.read(documents.front());
  if (!reader.errors().empty()) return std::move(reader.errors());
  return suite;
}

Result<std::vector<std::string>> find_test_suites(const std::string& path) {
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (ec || !fs::exists(st)) return Error{path + ": no such file or directory", ""};
  if (!fs::is_directory(st)) return std::vector<std::string>{path};
  std::vector<fs::path> found;
  for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->path().filename().string().starts_with(".")) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && it->path().filename() == kTestSuiteFileName) found.push_back(it->path());
  }
  if (ec) return Error{"cannot list " + path + ": " + ec.message(), ""};
  if (found.empty()) return Error{path + ": no " + std::string(kTestSuiteFileName) + " in this folder or below it", ""};
  // Path by path, as read_inputs orders files: a/ before a-b/ (as strings '-' sorts before '/').
  std::sort(found.begin(), found.end());
  return std::vector<std::string>(found.begin(), found.end());
}

}  // namespace kindlyguard::cli
