#pragma once
// Standard base64 (RFC 4648): how Kubernetes carries bytes in JSON (Secret data, caBundle,
// kubeconfig *-data fields). Decoding accepts missing padding and ignores whitespace.

#include <optional>
#include <string>
#include <string_view>

namespace kindlyguard {

std::string base64_encode(std::string_view in);
std::optional<std::string> base64_decode(std::string_view in);

}  // namespace kindlyguard
