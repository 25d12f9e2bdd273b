#pragma once
// Label key and value syntax (k8s.io/apimachinery validation), returning the reason an admin
// needs instead of a bare yes/no. Empty string means valid.

#include <string>
#include <string_view>

namespace kindlyguard::k8s::detail {

std::string label_key_problem(std::string_view key);
std::string label_value_problem(std::string_view value);

}  // namespace kindlyguard::k8s::detail
