#pragma once
// Small shared pieces of rule wording, so every rule phrases containers the same way.

#include <string>

#include "kindlyguard/policy/pod_view.hpp"
#include "kindlyguard/policy/rules.hpp"

namespace kindlyguard::policy::rules {

// `container "app"` / `init container "setup"` / `ephemeral container "debugger"`.
inline std::string describe(const ContainerView& c) {
  const char* kind = c.kind() == ContainerKind::InitContainer        ? "init container"
                     : c.kind() == ContainerKind::EphemeralContainer ? "ephemeral container"
                                                                     : "container";
  std::string name = c.name();
  return std::string(kind) + " \"" + (name.empty() ? "#" + std::to_string(c.index()) : name) + "\"";
}

inline std::string quote(const std::string& s) { return "\"" + s + "\""; }

}  // namespace kindlyguard::policy::rules
