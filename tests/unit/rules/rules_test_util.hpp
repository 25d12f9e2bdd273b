#pragma once
// What the rule tests share: a policy holding given rules, and judging a JSON object with it.
#include <gtest/gtest.h>

#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::policy::rules_test {

inline SecurityPolicy policy_with(Rules rules) {
  SecurityPolicy p;
  p.name = "strict";
  p.rules = std::move(rules);
  return p;
}

inline std::vector<Violation> judge_json(const SecurityPolicy& p, const nlohmann::json& obj) {
  auto view = PodView::from_object(obj);
  EXPECT_TRUE(view.ok()) << view.error().to_string();
  return judge(p, *view);
}

}  // namespace kindlyguard::policy::rules_test
