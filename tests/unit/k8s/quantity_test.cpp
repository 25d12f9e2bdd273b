#include "kindlyguard/k8s/quantity.hpp"

#include <limits>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace kindlyguard::k8s {
namespace {

using nlohmann::json;

std::string str(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  std::string out;
  while (v != 0) {
    const int digit = static_cast<int>(v % 10);
    out.insert(out.begin(), static_cast<char>('0' + (negative ? -digit : digit)));
    v /= 10;
  }
  return negative ? "-" + out : out;
}

constexpr Int128 kUnit = 1'000'000'000;  // nano-units per unit
constexpr Int128 kKi = 1024;
constexpr Int128 kLLMax = std::numeric_limits<long long>::max();

struct ValueCase {
  const char* text;
  Int128 nano;
};

// Values from the Kubernetes documentation and the edge cases of its parser.
const ValueCase kValues[] = {
    {"0", 0},
    {"1", kUnit},
    {"2", 2 * kUnit},
    {"500m", 500'000'000},
    {"1.5", 1'500'000'000},
    {"1500m", 1'500'000'000},
    {"0.1", 100'000'000},
    {"100m", 100'000'000},
    {"0.1m", 100'000},
    {"1m", 1'000'000},
    {"1u", 1'000},
    {"1n", 1},
    {"250000000n", 250'000'000},
    {"1k", 1000 * kUnit},
    {"1e3", 1000 * kUnit},
    {"1E3", 1000 * kUnit},
    {"1e+3", 1000 * kUnit},
    {"1e-3", 1'000'000},
    {"1E-3", 1'000'000},
    {"1.5e3", 1500 * kUnit},
    {"12e-1", 1'200'000'000},
    {"1e0", kUnit},
    {"1e0003", 1000 * kUnit},
    {"1000", 1000 * kUnit},
    {"1M", 1'000'000 * kUnit},
    {"129M", 129'000'000 * kUnit},
    {"128974848", 128'974'848 * kUnit},
    {"123Mi", 123 * kKi * kKi * kUnit},
    {"1G", 1'000'000'000 * kUnit},
    {"1T", Int128{1'000'000'000'000} * kUnit},
    {"1P", Int128{1'000'000'000'000'000} * kUnit},
    {"1E", Int128{1'000'000'000'000'000'000} * kUnit},
    {"9E", Int128{9'000'000'000'000'000'000ULL} * kUnit},
    {"1Ki", kKi * kUnit},
    {"1Mi", kKi * kKi * kUnit},
    {"2Gi", 2 * kKi * kKi * kKi * kUnit},
    {"0.5Gi", 536'870'912 * kUnit},
    {"512Mi", 536'870'912 * kUnit},
    {"536870912", 536'870'912 * kUnit},
    {"1Ti", kKi * kKi * kKi * kKi * kUnit},
    {"1Pi", kKi * kKi * kKi * kKi * kKi * kUnit},
    {"1Ei", kKi * kKi * kKi * kKi * kKi * kKi * kUnit},
    {"7Ei", 7 * kKi * kKi * kKi * kKi * kKi * kKi * kUnit},
    {"1.1Ki", Int128{1'126'400'000'000}},                 // 1126.4 exactly
    {"0.3Gi", Int128{322'122'547'200'000'000}},           // 322122547.2 exactly
    {"1.0000000001Ki", Int128{1'024'000'000'103}},       // 1024.0000001024: 102.4n rounds up
    {"1.Gi", kKi * kKi * kKi * kUnit},                    // Kubernetes allows a bare trailing point
    {"5.", 5 * kUnit},
    {".5", 500'000'000},
    {"+1", kUnit},
    {"+.5", 500'000'000},
    {"-1", -kUnit},
    {"-500m", -500'000'000},
    {"-1.5Gi", -1536 * kKi * kKi * kUnit},
    {"-0", 0},
    {"0.0", 0},
    {"0Gi", 0},
    {"0e400", 0},
    {"-0.000000000001", -1},  // rounds away from zero, like Kubernetes
    {"007", 7 * kUnit},
    {"0.000000001", 1},
    {"1e-9", 1},
    // Finer than 1n rounds up to 1n: a request for "some" never becomes zero.
    {"0.1n", 1},
    {"0.0000000001", 1},
    {"1e-10", 1},
    {"1e-400", 1},
    {"1e-9223372036854775808", 1},
    {"1.5n", 2},
    {"1.0001n", 2},
    {"-0.1n", -1},
    {"-1.5n", -2},
    {"0.30000000000000004", 300'000'001},
    // At the edge of what fits.
    {"9223372036854775807", kLLMax * kUnit},
    {"-9223372036854775807", -kLLMax * kUnit},
    {"9223372036854775806.9999999999", kLLMax * kUnit},
    {"9223372036854775807000m", kLLMax * kUnit},
    {"1000000000000000000000m", Int128{1'000'000'000'000'000'000} * kUnit},
};

TEST(QuantityParse, ValuesAreExactInNanoUnits) {
  for (const auto& c : kValues) {
    SCOPED_TRACE(c.text);
    const auto q = Quantity::parse(c.text);
    ASSERT_TRUE(q.ok()) << q.error().message;
    EXPECT_EQ(str(q->nano()), str(c.nano));
    EXPECT_EQ(q->text(), c.text);
  }
}

TEST(QuantityParse, LongInputsStayExact) {
  // 0.<1000 zeros>1 is finer than 1n and rounds up to it.
  EXPECT_EQ(Quantity::parse("0." + std::string(1000, '0') + "1")->nano(), 1);
  // Ten thousand trailing zeros cancelled by the exponent.
  EXPECT_EQ(str(Quantity::parse("1" + std::string(10000, '0') + "e-10000")->nano()), str(kUnit));
  EXPECT_EQ(str(Quantity::parse(std::string(5000, '0') + "2Ki")->nano()), str(2048 * kUnit));
  EXPECT_EQ(str(Quantity::parse("1." + std::string(3000, '0') + "Mi")->nano()), str(kKi * kKi * kUnit));
}

TEST(QuantityParse, RejectsGarbageWithActionableMessage) {
  const char* kGarbage[] = {
      "12Qi", "1.2.3", "", " 1", "1 ", "Mi", "--1", "1e", "0x10", "-", "+", ".", "-.", "+-1", "1ki",
      "1K", "1i", "1 Gi", "1e3.5", "1ee3", "1e+", "1e-", "1Gi3", "1mi", "1MI", "abc", "1,5", "1_000",
      "1e1e1", "Inf", "NaN", "1GiB", "1b", "1.5.Gi", ".Gi", "e3", "1E+", "1\t", "\n1", "1/2", "½",
      "1e99999999999999999999",  // the exponent must fit in 64 bits, as in Kubernetes
  };
  for (const char* text : kGarbage) {
    SCOPED_TRACE(text);
    const auto q = Quantity::parse(text);
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.error().message.find("is not a Kubernetes quantity"), std::string::npos) << q.error().message;
    EXPECT_NE(q.error().message.find("500m, 2, 1.5Gi, 129M, 1e3"), std::string::npos);
    EXPECT_TRUE(q.error().path.empty());
  }
  EXPECT_EQ(Quantity::parse("12Qi").error().message,
            "\"12Qi\" is not a Kubernetes quantity (expected a number with an optional suffix such as 500m, "
            "2, 1.5Gi, 129M, 1e3)");
}

TEST(QuantityParse, RejectsNulByteInsteadOfStoppingAtIt) {
  const auto q = Quantity::parse(std::string_view("1\0Gi", 4));
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.error().message.find("\"1\\x00Gi\""), std::string::npos) << q.error().message;
}

TEST(QuantityParse, RejectsWhatDoesNotFit) {
  const char* kTooLarge[] = {
      "9223372036854775808", "-9223372036854775808", "9223372036854775807.5", "8Ei", "-8Ei", "10E",
      "1e19", "1e400", "9223372036854775807001m", "100000000000000000000000000000000000000000000000",
      "1e9223372036854775807",
  };
  for (const char* text : kTooLarge) {
    SCOPED_TRACE(text);
    const auto q = Quantity::parse(text);
    ASSERT_FALSE(q.ok());
    EXPECT_NE(q.error().message.find("is too large for a Kubernetes quantity"), std::string::npos)
        << q.error().message;
  }
}

TEST(QuantityParse, HostileInputGivesAShortMessage) {
  const std::string huge(1 << 20, 'x');
  const auto q = Quantity::parse(huge);
  ASSERT_FALSE(q.ok());
  EXPECT_LT(q.error().message.size(), 300u);
  EXPECT_FALSE(Quantity::parse(std::string(1 << 20, '9')).ok());  // a million digits: too large
}

struct OrderCase {
  const char* a;
  const char* b;
  std::strong_ordering order;
};

const OrderCase kOrder[] = {
    {"500m", "1", std::strong_ordering::less},
    {"1", "1000m", std::strong_ordering::equal},
    {"1.5", "1500m", std::strong_ordering::equal},
    {"1e3", "1k", std::strong_ordering::equal},
    {"1k", "1000", std::strong_ordering::equal},
    {"0.5Gi", "512Mi", std::strong_ordering::equal},
    {"512Mi", "536870912", std::strong_ordering::equal},
    {"1Mi", "1024Ki", std::strong_ordering::equal},
    {"123Mi", "128974848", std::strong_ordering::equal},
    {"129M", "123Mi", std::strong_ordering::greater},
    {"1Gi", "1G", std::strong_ordering::greater},
    {"1Ki", "1k", std::strong_ordering::greater},
    {"1E", "1Ei", std::strong_ordering::less},
    {"-1", "0", std::strong_ordering::less},
    {"-1Gi", "-1G", std::strong_ordering::less},
    {"1n", "0", std::strong_ordering::greater},
    {"0.1n", "1n", std::strong_ordering::equal},
    {"1m", "999999n", std::strong_ordering::greater},
    {"2", "1999m", std::strong_ordering::greater},
    {"0", "-0", std::strong_ordering::equal},
    {"9223372036854775807", "7Ei", std::strong_ordering::greater},
};

TEST(QuantityCompare, OrdersByValueNotText) {
  for (const auto& c : kOrder) {
    SCOPED_TRACE(std::string(c.a) + " vs " + c.b);
    const auto a = Quantity::parse(c.a);
    const auto b = Quantity::parse(c.b);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_TRUE((*a <=> *b) == c.order);
    EXPECT_TRUE((*b <=> *a) == (0 <=> (*a <=> *b)));
    EXPECT_EQ(*a == *b, c.order == std::strong_ordering::equal);
  }
}

TEST(QuantityCompare, DefaultIsZero) {
  EXPECT_EQ(Quantity{}, *Quantity::parse("0"));
  EXPECT_EQ(Quantity{}.text(), "0");
}

struct RoundCase {
  const char* text;
  long long milli;
  long long value;
};

const RoundCase kRounding[] = {
    {"0", 0, 0},
    {"1", 1000, 1},
    {"1.5", 1500, 2},
    {"100m", 100, 1},
    {"1001m", 1001, 2},
    {"1n", 1, 1},
    {"999999n", 1, 1},
    {"1000001n", 2, 1},
    {"-1n", -1, -1},
    {"-1.5", -1500, -2},
    {"-100m", -100, -1},
    {"2Gi", 2147483648000, 2147483648},
    {"7Ei", std::numeric_limits<long long>::max(), 8070450532247928832},
    {"-7Ei", std::numeric_limits<long long>::min(), -8070450532247928832},
    {"9223372036854775807", std::numeric_limits<long long>::max(), std::numeric_limits<long long>::max()},
};

TEST(QuantityRounding, RoundsAwayFromZeroLikeKubernetes) {
  for (const auto& c : kRounding) {
    SCOPED_TRACE(c.text);
    const auto q = Quantity::parse(c.text);
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->milli_rounded_up(), c.milli);
    EXPECT_EQ(q->value_rounded_up(), c.value);
  }
}

TEST(QuantityFromMilli, CountsMilliUnits) {
  struct Case {
    long long milli;
    const char* equals;
    const char* text;
  };
  const Case kCases[] = {
      {1500, "1.5", "1500m"}, {2000, "2", "2"},         {0, "0", "0"},
      {-250, "-250m", "-250m"}, {-3000, "-3", "-3"},    {1, "1m", "1m"},
      {std::numeric_limits<long long>::max(), "9223372036854775.807", "9223372036854775807m"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.milli);
    const Quantity q = Quantity::from_milli(c.milli);
    EXPECT_EQ(q, *Quantity::parse(c.equals));
    EXPECT_EQ(q.text(), c.text);
    EXPECT_EQ(q.milli_rounded_up(), c.milli);
    EXPECT_EQ(*Quantity::parse(q.text()), q);  // its text reads back as the same value
  }
}

TEST(QuantityFromJson, AcceptsStringsAndNumbers) {
  struct Case {
    json value;
    const char* equals;
  };
  const Case kCases[] = {
      {json("2Gi"), "2Gi"},  {json(2), "2"},        {json(-3), "-3"},    {json(1.5), "1500m"},
      {json(0.1), "100m"},   {json(0.25), "250m"},  {json(1e3), "1k"},   {json(0), "0"},
      {json(std::uint64_t{42}), "42"},              {json(1e-12), "1n"},
  };
  for (const auto& c : kCases) {
    SCOPED_TRACE(c.value.dump());
    const auto q = Quantity::from_json(c.value, "spec.rules.resources.maxLimits.cpu");
    ASSERT_TRUE(q.ok()) << q.error().to_string();
    EXPECT_EQ(*q, *Quantity::parse(c.equals));
  }
}

TEST(QuantityFromJson, ErrorsCarryThePath) {
  const char* kPath = "spec.rules.resources.maxLimits.memory";
  const json kBad[] = {json(nullptr), json(true), json::object(), json::array(), json("12Qi"),
                       json(1e20), json(std::numeric_limits<std::uint64_t>::max()), json(""),
                       json(std::numeric_limits<double>::infinity())};
  for (const auto& v : kBad) {
    SCOPED_TRACE(v.dump());
    const auto q = Quantity::from_json(v, kPath);
    ASSERT_FALSE(q.ok());
    EXPECT_EQ(q.error().path, kPath);
    EXPECT_FALSE(q.error().message.empty());
  }
  EXPECT_EQ(Quantity::from_json(json("12Qi"), kPath).error().to_string(),
            std::string(kPath) +
                ": \"12Qi\" is not a Kubernetes quantity (expected a number with an optional suffix such as "
                "500m, 2, 1.5Gi, 129M, 1e3)");
  EXPECT_NE(Quantity::from_json(json(true), kPath).error().message.find("not a boolean"), std::string::npos);
}

}  // namespace
}  // namespace kindlyguard::k8s
