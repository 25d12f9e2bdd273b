#pragma once
// Times as Kubernetes writes them in objects (metav1.Time): RFC 3339, UTC, whole seconds.

#include <ctime>
#include <string>

namespace kindlyguard {

// 2026-12-02T09:15:04Z
std::string format_k8s_time(std::time_t t);
std::string k8s_time_now();

}  // namespace kindlyguard
