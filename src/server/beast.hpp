#pragma once
// Private to src/server: the short names the server and the client both use for Boost.Beast and
// Boost.Asio, and the header lookup both answer (HttpRequest::header, ClientResponse::header).

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/field.hpp>

namespace kindlyguard::server {
namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace detail {
// The first header called `name` (case-insensitive) in a list kept as received, "" when absent.
inline std::string_view find_header(const std::vector<std::pair<std::string, std::string>>& headers,
                                    std::string_view name) {
  for (const auto& [k, v] : headers)
    if (beast::iequals(k, name)) return v;
  return {};
}
}  // namespace detail

}  // namespace kindlyguard::server
