#pragma once
// resource.Quantity with Kubernetes semantics: "500m", "1.5", "2Gi", "1e3", "129M", "123Mi".
// Values are held exactly as a count of nano-units (10^-9), so 0.5Gi == 512Mi == 536870912 and
// comparisons never go through floating point. Like Kubernetes, precision finer than 1n rounds up
// (away from zero: "0.1n" is 1n, "-0.1n" is -1n), so asking for a tiny amount never yields zero.
//
// Where we differ from the API server on purpose: it silently caps binary-suffixed magnitudes above
// 2^63-1 units and keeps larger decimal ones; we reject both, so that value_rounded_up() always
// fits in 64 bits, sums of many quantities cannot overflow the nano count, and no cap quietly
// changes what a policy says. The largest accepted magnitude is 9223372036854775807 (just under 8Ei).

#include <compare>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

// A signed 128-bit count; __extension__ keeps -Wpedantic quiet about the GCC/Clang builtin.
__extension__ typedef __int128 Int128;

class Quantity {
 public:
  Quantity() = default;

  // Parses the canonical Kubernetes syntax: <signedNumber><suffix>, suffix one of
  // m "" k M G T P E, Ki Mi Gi Ti Pi Ei, or a decimal exponent e<n>/E<n>.
  // The error says what was given and what is expected.
  // Also accepted, as Kubernetes does: the suffixes n and u (metrics report CPU as "12345n"),
  // "+" signs, signed exponents ("1e-3"), and a bare leading or trailing point (".5", "5.").
  static Result<Quantity> parse(std::string_view text);

  // From a JSON/YAML value that is either a string or a plain number (Kubernetes accepts both).
  // Non-integral numbers are read from their shortest round-trip decimal form, so 1.5 is 1500m.
  // `path` becomes the error's field path.
  static Result<Quantity> from_json(const nlohmann::json& j, const std::string& path);

  // From a count of milli-units: from_milli(1500) == parse("1500m") == parse("1.5").
  // Its text() is "1500m", or "2" for whole units (from_milli(2000)).
  static Quantity from_milli(long long milli);

  Int128 nano() const { return nano_; }
  // Rounded away from zero, like Kubernetes. Only milli can leave the range of long long (beyond
  // about 9.2e15 units); it saturates there.
  long long milli_rounded_up() const;  // like Quantity.MilliValue()
  long long value_rounded_up() const;  // like Quantity.Value()
  const std::string& text() const { return text_; }  // as written, for messages

  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) { return a.nano_ <=> b.nano_; }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nano_ == b.nano_; }

 private:
  Int128 nano_ = 0;
  std::string text_ = "0";
};

}  // namespace kindlyguard::k8s
