// SecurityPolicy objects as JSON, the way the operator receives them from the API server (watch
// events decoded to JSON, then parse_policy) and the way `check` reads .json files (JSON branch of
// decode_documents). parse_policy and validate_policy must agree: parse succeeds exactly when
// validate finds no problem.

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/k8s/image_ref.hpp"
#include "kindlyguard/policy/parse.hpp"

using namespace kindlyguard;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = kindlyguard::fuzz::as_text(data, size);

  // The file path: JSON text through the document decoder and the policy parser.
  auto parsed = policy::parse_policies(text, "fuzz.json");
  for (const auto& e : parsed.errors) (void)e.to_string();

  // The API path: one already-decoded object.
  auto object = nlohmann::json::parse(text, nullptr, false);
  if (object.is_discarded()) return 0;
  auto policy = policy::parse_policy(object);
  auto problems = policy::validate_policy(object);
  FUZZ_CHECK(policy.ok() == problems.empty());
  if (!policy.ok()) {
    (void)policy.error().to_string();
    return 0;
  }
  if (policy->rules.images)
    for (const auto& r : policy->rules.images->allowed_registries) FUZZ_CHECK(k8s::ImagePrefix::parse(r).ok());
  return 0;
}
