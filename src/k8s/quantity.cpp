#include "kindlyguard/k8s/quantity.hpp"

#include <cmath>
#include <limits>
#include <optional>

#include <nlohmann/json.hpp>

#include "quote.hpp"

namespace kindlyguard::k8s {
namespace {

using i128 = Int128;

// Kubernetes keeps quantities within int64 units; in nano-units that is 28 decimal digits.
constexpr i128 kMaxNano = static_cast<i128>(std::numeric_limits<long long>::max()) * 1'000'000'000;
constexpr std::size_t kMaxNanoDigits = 28;

Error not_a_quantity(std::string_view text) {
  return Error{detail::quote(text) +
                   " is not a Kubernetes quantity (expected a number with an optional suffix such as "
                   "500m, 2, 1.5Gi, 129M, 1e3)",
               ""};
}

Error too_large(std::string_view text) {
  return Error{detail::quote(text) +
                   " is too large for a Kubernetes quantity (the largest magnitude is "
                   "9223372036854775807, just under 8Ei)",
               ""};
}

// The value of a suffix as value * 2^binary * 10^decimal.
struct Scale {
  int binary = 0;
  long long decimal = 0;
};

std::optional<Scale> scale_of(std::string_view suffix) {
  struct Named {
    std::string_view name;
    Scale scale;
  };
  static constexpr Named kSuffixes[] = {
      {"", {0, 0}},    {"n", {0, -9}},  {"u", {0, -6}},  {"m", {0, -3}},  {"k", {0, 3}},
      {"M", {0, 6}},   {"G", {0, 9}},   {"T", {0, 12}},  {"P", {0, 15}},  {"E", {0, 18}},
      {"Ki", {10, 0}}, {"Mi", {20, 0}}, {"Gi", {30, 0}}, {"Ti", {40, 0}}, {"Pi", {50, 0}},
      {"Ei", {60, 0}},
  };
  for (const auto& s : kSuffixes)
    if (s.name == suffix) return s.scale;

  // A decimal exponent: e or E, an optional sign, digits that fit in 64 bits (as Kubernetes
  // requires). "E" alone is exa, matched above; "e" alone is nothing.
  if (suffix.size() < 2 || (suffix[0] != 'e' && suffix[0] != 'E')) return std::nullopt;
  std::string_view digits = suffix.substr(1);
  bool negative = false;
  if (digits[0] == '+' || digits[0] == '-') {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  if (digits.empty()) return std::nullopt;
  i128 e = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    e = e * 10 + (c - '0');
    if (e > static_cast<i128>(std::numeric_limits<long long>::max()) + 1) return std::nullopt;
  }
  if (negative) e = -e;
  if (e > std::numeric_limits<long long>::max()) return std::nullopt;
  return Scale{0, static_cast<long long>(e)};
}

// Multiplies a decimal digit string in place by a small factor.
void multiply(std::string& digits, unsigned factor) {
  unsigned carry = 0;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    const unsigned d = static_cast<unsigned>(*it - '0') * factor + carry;
    *it = static_cast<char>('0' + d % 10);
    carry = d / 10;
  }
  while (carry != 0) {
    digits.insert(digits.begin(), static_cast<char>('0' + carry % 10));
    carry /= 10;
  }
}

i128 to_int(std::string_view digits) {
  i128 v = 0;
  for (char c : digits) v = v * 10 + (c - '0');
  return v;
}

i128 pow10(long long n) {
  i128 v = 1;
  while (n-- > 0) v *= 10;
  return v;
}

// Exact magnitude in nano-units of digits * 2^binary * 10^exp10, rounded up; nullopt when too
// large. Works on the digit string so that no input, however long, loses precision on the way.
std::optional<i128> magnitude_in_nano(std::string digits, int binary, i128 exp10) {
  const auto first = digits.find_first_not_of('0');
  if (first == std::string::npos) return 0;
  digits.erase(0, first);
  while (digits.back() == '0') {  // keeps the string short for inputs like 1000000000000m
    digits.pop_back();
    ++exp10;
  }
  for (int i = 0; i < binary; i += 10) multiply(digits, 1024);

  const i128 whole_digits = static_cast<i128>(digits.size()) + exp10;
  if (whole_digits > static_cast<i128>(kMaxNanoDigits)) return std::nullopt;
  i128 nano;
  if (exp10 >= 0) {
    nano = to_int(digits) * pow10(static_cast<long long>(exp10));
  } else if (whole_digits <= 0) {
    nano = 1;  // all of it is finer than 1n, and it is not zero
  } else {
    const auto keep = static_cast<std::size_t>(whole_digits);
    nano = to_int(std::string_view(digits).substr(0, keep));
    if (digits.find_first_not_of('0', keep) != std::string::npos) ++nano;
  }
  if (nano > kMaxNano) return std::nullopt;
  return nano;
}

i128 divide_away_from_zero(i128 n, i128 d) {
  i128 q = n / d;
  if (n % d != 0) q += n > 0 ? 1 : -1;
  return q;
}

long long saturate(i128 v) {
  if (v > std::numeric_limits<long long>::max()) return std::numeric_limits<long long>::max();
  if (v < std::numeric_limits<long long>::min()) return std::numeric_limits<long long>::min();
  return static_cast<long long>(v);
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

const char* type_name(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::boolean: return "boolean";
    case nlohmann::json::value_t::object: return "map";
    case nlohmann::json::value_t::array: return "list";
    default: return "value of another type";
  }
}

}  // namespace

Result<Quantity> Quantity::parse(std::string_view text) {
  std::size_t pos = 0;
  bool negative = false;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) negative = text[pos++] == '-';

  const std::size_t int_start = pos;
  while (pos < text.size() && is_digit(text[pos])) ++pos;
  const std::string_view int_part = text.substr(int_start, pos - int_start);
  std::string_view frac_part;
  if (pos < text.size() && text[pos] == '.') {
    const std::size_t frac_start = ++pos;
    while (pos < text.size() && is_digit(text[pos])) ++pos;
    frac_part = text.substr(frac_start, pos - frac_start);
  }
  if (int_part.empty() && frac_part.empty()) return not_a_quantity(text);

  const auto scale = scale_of(text.substr(pos));
  if (!scale) return not_a_quantity(text);

  std::string digits(int_part);
  digits += frac_part;
  const i128 exp10 = static_cast<i128>(scale->decimal) - static_cast<i128>(frac_part.size()) + 9;
  const auto magnitude = magnitude_in_nano(std::move(digits), scale->binary, exp10);
  if (!magnitude) return too_large(text);

  Quantity q;
  q.nano_ = negative ? -*magnitude : *magnitude;
  q.text_ = std::string(text);
  return q;
}

Result<Quantity> Quantity::from_json(const nlohmann::json& j, const std::string& path) {
  std::string text;
  if (j.is_string()) {
    text = j.get<std::string>();
  } else if (j.is_number_integer()) {
    text = j.dump();
  } else if (j.is_number_float()) {
    if (!std::isfinite(j.get<double>())) return Error{"must be a finite quantity such as \"500m\" or \"2Gi\"", path};
    text = j.dump();  // shortest form that reads back as the same double: 1.5, 1e+20
  } else {
    return Error{std::string("must be a quantity such as \"500m\", \"2\" or \"1.5Gi\", not a ") + type_name(j), path};
  }
  auto q = parse(text);
  if (!q) return Error{q.error().message, path};
  return q;
}

Quantity Quantity::from_milli(long long milli) {
  Quantity q;
  q.nano_ = static_cast<i128>(milli) * 1'000'000;
  q.text_ = milli % 1000 == 0 ? std::to_string(milli / 1000) : std::to_string(milli) + "m";
  return q;
}

long long Quantity::milli_rounded_up() const { return saturate(divide_away_from_zero(nano_, 1'000'000)); }

long long Quantity::value_rounded_up() const { return saturate(divide_away_from_zero(nano_, 1'000'000'000)); }

}  // namespace kindlyguard::k8s
