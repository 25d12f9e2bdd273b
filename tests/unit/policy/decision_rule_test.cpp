// The rule every edge shares for an object's fate (Deny beats Warn beats Audit) and the
// operation's name as AdmissionReview spells it.
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::policy {
namespace {

Violation with(Enforcement e) { return {"p", "rule", e, "", "", ""}; }

TEST(StrongestEnforcement, NoneWithoutViolations) { EXPECT_EQ(strongest_enforcement({}), std::nullopt); }

TEST(StrongestEnforcement, DenyBeatsWarnBeatsAudit) {
  using E = Enforcement;
  EXPECT_EQ(strongest_enforcement({with(E::Audit)}), E::Audit);
  EXPECT_EQ(strongest_enforcement({with(E::Audit), with(E::Warn), with(E::Audit)}), E::Warn);
  EXPECT_EQ(strongest_enforcement({with(E::Warn), with(E::Audit)}), E::Warn);
  EXPECT_EQ(strongest_enforcement({with(E::Audit), with(E::Deny), with(E::Warn)}), E::Deny);
  EXPECT_EQ(strongest_enforcement({with(E::Deny), with(E::Audit)}), E::Deny);
}

TEST(OperationName, AsAdmissionReviewSpellsIt) {
  EXPECT_STREQ(to_string(Operation::Create), "CREATE");
  EXPECT_STREQ(to_string(Operation::Update), "UPDATE");
  EXPECT_STREQ(to_string(Operation::Delete), "DELETE");
  EXPECT_STREQ(to_string(Operation::Connect), "CONNECT");
}

}  // namespace
}  // namespace kindlyguard::policy
