// k8s::Quantity: the text syntax (suffixes, exponents, signs, points) and the JSON forms (string
// or number), with the rounding the header promises: milli_rounded_up() and value_rounded_up()
// are the nano count rounded away from zero, never off by a unit or more.
// Input: one quantity per line; the first two are also compared.

#include <limits>

#include <nlohmann/json.hpp>

#include "fuzz_support.hpp"
#include "kindlyguard/k8s/quantity.hpp"

namespace {

using kindlyguard::k8s::Int128;
using kindlyguard::k8s::Quantity;

// `rounded` (in units of `unit` nano) is `nano` rounded away from zero.
bool rounded_away_from_zero(Int128 nano, long long rounded, Int128 unit) {
  Int128 r = static_cast<Int128>(rounded) * unit;
  if (nano >= 0) return r >= nano && r - nano < unit;
  return r <= nano && nano - r < unit;
}

void check(const Quantity& q) {
  FUZZ_CHECK(q == q && (q <=> q) == 0);
  long long milli = q.milli_rounded_up();
  if (milli != std::numeric_limits<long long>::max() && milli != std::numeric_limits<long long>::min())
    FUZZ_CHECK(rounded_away_from_zero(q.nano(), milli, 1'000'000));
  FUZZ_CHECK(rounded_away_from_zero(q.nano(), q.value_rounded_up(), 1'000'000'000));
  // The text it keeps parses to the same amount.
  auto again = Quantity::parse(q.text());
  FUZZ_CHECK(again.ok() && *again == q);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest = kindlyguard::fuzz::as_text(data, size);
  std::vector<Quantity> parsed;
  for (int line = 0; line < 8; ++line) {
    auto [text, next] = kindlyguard::fuzz::split_line(rest);
    auto q = Quantity::parse(text);
    if (q.ok()) {
      check(*q);
      parsed.push_back(*q);
      // The same text as a JSON string gives the same quantity.
      auto from_string = Quantity::from_json(nlohmann::json(std::string(text)), "q");
      FUZZ_CHECK(from_string.ok() && *from_string == *q);
    } else {
      (void)q.error().to_string();
    }
    // A JSON number (or anything else JSON) as the API server may send it.
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_discarded()) {
      auto from_json = Quantity::from_json(j, "spec.rules.resources.maxLimits.cpu");
      if (from_json.ok()) check(*from_json);
    }
    if (next.empty()) break;
    rest = next;
  }
  if (parsed.size() >= 2) {
    const Quantity &a = parsed[0], &b = parsed[1];
    FUZZ_CHECK((a < b) == (a.nano() < b.nano()));
    FUZZ_CHECK((a == b) == (a.nano() == b.nano()));
    check(Quantity::from_milli(a.milli_rounded_up()));
  }
  return 0;
}
