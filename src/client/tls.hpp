#pragma once
// TLS for the API client: what cpprestsdk's ssl_context_callback does to each new connection's
// boost::asio::ssl::context. With a cluster CA, the context trusts that CA alone (cpprestsdk
// has already loaded the system's roots by then; they are replaced, not added to). A client
// certificate chain and key are loaded for mTLS. TLS 1.2 is the minimum.

#include <functional>

#include <boost/asio/ssl/context.hpp>

#include "kindlyguard/client/kube_config.hpp"
#include "kindlyguard/util/result.hpp"

namespace kindlyguard::client::detail {

using TlsSetup = std::function<void(boost::asio::ssl::context&)>;

// Parses every PEM block once, so that a bad CA or key is a configuration error now rather than
// an exception inside cpprestsdk on the first connection.
Result<TlsSetup> make_tls_setup(const ClusterConfig& config);

}  // namespace kindlyguard::client::detail
