#pragma once
// resource.Quantity with Kubernetes semantics: "500m", "1.5", "2Gi", "1e3", "129M", "123Mi".
// Values are held exactly as a count of nano-units (10^-9), so 0.5Gi == 512Mi == 536870912 and
// comparisons never go through floating point. Like Kubernetes, precision finer than 1n rounds up.

#include <compare>
#include <string>
#include <string_view>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::k8s {

class Quantity {
 public:
  Quantity() = default;

  // Parses the canonical Kubernetes syntax: <signedNumber><suffix>, suffix one of
  // m "" k M G T P E, Ki Mi Gi Ti Pi Ei, or a decimal exponent e<n>/E<n>.
  // The error says what was given and what is expected.
  static Result<Quantity> parse(std::string_view text);

  // From a JSON/YAML value that is either a string or a plain number (Kubernetes accepts both).
  static Quantity from_milli(long long milli);

  __int128 nano() const { return nano_; }
  long long milli_rounded_up() const;  // like Quantity.MilliValue()
  long long value_rounded_up() const;  // like Quantity.Value()
  const std::string& text() const { return text_; }  // as written, for messages

  friend std::strong_ordering operator<=>(const Quantity& a, const Quantity& b) { return a.nano_ <=> b.nano_; }
  friend bool operator==(const Quantity& a, const Quantity& b) { return a.nano_ == b.nano_; }

 private:
  __int128 nano_ = 0;
  std::string text_ = "0";
};

}  // namespace kindlyguard::k8s
