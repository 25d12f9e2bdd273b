#pragma once
// The pieces of the distribution/reference grammar, shared by image references and allow-list
// prefixes. Each check returns an empty string when the input is valid, else the reason, phrased
// to follow "<input> is not a valid ...: ".

#include <string>
#include <string_view>

namespace kindlyguard::k8s::detail {

inline constexpr std::string_view kDockerHub = "docker.io";
inline constexpr std::string_view kLegacyDockerHub = "index.docker.io";
inline constexpr std::size_t kMaxNameLength = 255;  // registry + "/" + repository

// Whether the first '/'-separated segment of a name is a registry host rather than a path.
bool looks_like_host(std::string_view segment);

// host[:port], where host is a DNS-like name, an IPv4 address or a bracketed IPv6 address.
std::string host_problem(std::string_view host);

// One or more '/'-separated lower-case components: [a-z0-9]+ joined by '.', '_', '__' or '-'+.
std::string path_problem(std::string_view path);

// [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
std::string tag_problem(std::string_view tag);

// algorithm:hex with an algorithm the runtimes verify and its exact hex length.
std::string digest_problem(std::string_view digest);

}  // namespace kindlyguard::k8s::detail
