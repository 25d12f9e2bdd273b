#pragma once
// Standard base64 (RFC 4648, with or without padding; whitespace ignored), as kubeconfig *-data
// fields carry PEM.

#include <optional>
#include <string>
#include <string_view>

namespace kindlyguard::client::detail {

std::optional<std::string> base64_decode(std::string_view in);

}  // namespace kindlyguard::client::detail
