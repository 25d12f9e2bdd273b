// metav1.LabelSelector in both forms. Line 1: the ?labelSelector= string syntax; the rest: the
// JSON form. The header promises a canonical form: parse(s.to_string()) == s for every selector,
// whichever way it was built; matches() must agree before and after that round trip, and on the
// labels the selector itself names.

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/k8s/glob.hpp"
#include "kindlyguard/k8s/label_selector.hpp"

namespace {

using kindlyguard::k8s::LabelRequirement;
using kindlyguard::k8s::Labels;
using kindlyguard::k8s::LabelSelector;

// Label sets to match against: empty, fixed ones, and ones built from the selector's own keys
// and values (so In/NotIn/Exists are exercised on both sides).
std::vector<Labels> probes(const LabelSelector& s) {
  std::vector<Labels> out{{}, {{"app", "web"}, {"tier", "front"}}};
  Labels first, all_keys;
  for (const auto& r : s.requirements()) {
    if (!r.values.empty()) first[r.key] = r.values.front();
    all_keys[r.key] = r.values.empty() ? "" : r.values.back();
  }
  out.push_back(std::move(first));
  out.push_back(std::move(all_keys));
  return out;
}

void check(const LabelSelector& s) {
  std::string text = s.to_string();
  auto again = LabelSelector::parse(text);
  FUZZ_CHECK(again.ok());
  FUZZ_CHECK(*again == s);
  FUZZ_CHECK(again->to_string() == text);
  for (const auto& labels : probes(s)) FUZZ_CHECK(s.matches(labels) == again->matches(labels));
  if (s.empty()) FUZZ_CHECK(s.matches({}));
  for (const auto& r : s.requirements()) {
    FUZZ_CHECK(kindlyguard::k8s::is_valid_label_key(r.key));
    for (const auto& v : r.values) FUZZ_CHECK(kindlyguard::k8s::is_valid_label_value(v));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [line, rest] = kindlyguard::fuzz::split_line(kindlyguard::fuzz::as_text(data, size));

  auto parsed = LabelSelector::parse(line);
  if (parsed.ok()) check(*parsed);
  else (void)parsed.error().to_string();

  auto j = nlohmann::json::parse(rest, nullptr, false);
  if (!j.is_discarded()) {
    auto from_json = LabelSelector::from_json(j, "spec.match.podSelector");
    if (from_json.ok()) check(*from_json);
    else (void)from_json.error().to_string();
    (void)kindlyguard::k8s::labels_of(j);
  }

  // Globs share the namespace matching path: pattern on line 1, text on line 2.
  auto [text, unused] = kindlyguard::fuzz::split_line(rest);
  (void)unused;
  (void)kindlyguard::k8s::glob_match(line, text);
  return 0;
}
