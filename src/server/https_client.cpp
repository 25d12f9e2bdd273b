// Blocking client built from Beast's asynchronous operations on a private io_context: the
// tcp_stream deadline gives every step a timeout, which Asio's blocking calls lack.

#include "kindlyguard/server/https_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "beast.hpp"
#include "kindlyguard/certs/openssl_errors.hpp"
#include "tls.hpp"

namespace kindlyguard::server {

std::string_view ClientResponse::header(std::string_view name) const { return detail::find_header(headers, name); }

namespace {

struct Url {
  bool tls = true;
  std::string host;  // without brackets
  std::string port;
  std::string target = "/";
  std::string authority;  // for the Host header
};

Result<Url> parse_url(std::string_view url) {
  Url u;
  if (url.substr(0, 8) == "https://") {
    url.remove_prefix(8);
  } else if (url.substr(0, 7) == "http://") {
    u.tls = false;
    url.remove_prefix(7);
  } else {
    return Error{"unsupported URL \"" + std::string(url) + "\": expected http://host:port/path or https://...", ""};
  }
  auto slash = url.find_first_of("/?");
  std::string_view authority = url.substr(0, slash);
  if (slash != std::string_view::npos) {
    u.target = std::string(url.substr(slash));
    if (u.target.front() == '?') u.target.insert(0, "/");
  }
  u.authority = std::string(authority);
  std::string_view host = authority, port;
  if (!authority.empty() && authority.front() == '[') {
    auto close = authority.find(']');
    if (close == std::string_view::npos) return Error{"invalid IPv6 host in URL", ""};
    host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Error{"invalid URL authority \"" + u.authority + "\"", ""};
      port = authority.substr(close + 2);
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
  }
  if (host.empty()) return Error{"URL without a host", ""};
  u.host = std::string(host);
  u.port = port.empty() ? (u.tls ? "443" : "80") : std::string(port);
  return u;
}

int openssl_version(TlsVersion v) {
  switch (v) {
    case TlsVersion::Tls1_0: return TLS1_VERSION;
    case TlsVersion::Tls1_1: return TLS1_1_VERSION;
    case TlsVersion::Tls1_2: return TLS1_2_VERSION;
    case TlsVersion::Tls1_3: return TLS1_3_VERSION;
    case TlsVersion::Default: break;
  }
  return 0;
}

bool is_ip(const std::string& host) {
  boost::system::error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

// Completion handler that records the outcome of whichever operation it is given to.
struct Done {
  beast::error_code* ec;
  std::size_t* n;
  void operator()(beast::error_code e) const { *ec = e; }
  void operator()(beast::error_code e, std::size_t k) const {
    *ec = e;
    *n = k;
  }
  void operator()(beast::error_code e, const tcp::endpoint&) const { *ec = e; }
};

}  // namespace

struct ClientConnection::Impl {
  ClientOptions opts;
  Url url;
  net::io_context ioc{1};
  ssl::context ctx{ssl::context::tls_client};
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;  // after ctx: destroyed before it
  std::unique_ptr<beast::tcp_stream> plain;
  beast::flat_buffer buffer;
  bool open = false;
  bool last_was_head = false;

  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *plain; }

  // Starts one asynchronous operation and runs the private io_context until it completes.
  template <class Start>
  std::pair<beast::error_code, std::size_t> run(Start start) {
    beast::error_code ec;
    std::size_t n = 0;
    lowest().expires_after(opts.timeout);
    start(Done{&ec, &n});
    ioc.restart();
    ioc.run();
    return {ec, n};
  }

  Error fail(const std::string& what, const beast::error_code& ec) {
    close();
    std::string msg = url.authority + ": " + what + ": " + ec.message();
    if (ec == beast::error::timeout) msg = url.authority + ": " + what + ": timed out after " +
                                           std::to_string(opts.timeout.count()) + " ms";
    return Error{msg, ""};
  }

  void close() {
    if (!open && !tls && !plain) return;
    open = false;
    boost::system::error_code ignored;
    if (tls || plain) {
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close();
    }
  }

  Status configure_tls() {
    SSL_CTX* h = ctx.native_handle();
    bool exact = opts.min_version != TlsVersion::Default || opts.max_version != TlsVersion::Default ||
                 !opts.cipher_list.empty();
    if (exact) SSL_CTX_set_security_level(h, 0);
    if (int v = openssl_version(opts.min_version); v && SSL_CTX_set_min_proto_version(h, v) != 1)
      return Error{"cannot set the minimum TLS version", ""};
    if (int v = openssl_version(opts.max_version); v && SSL_CTX_set_max_proto_version(h, v) != 1)
      return Error{"cannot set the maximum TLS version", ""};
    if (!opts.cipher_list.empty() && SSL_CTX_set_cipher_list(h, opts.cipher_list.c_str()) != 1)
      return certs::openssl_error("invalid cipher list \"" + opts.cipher_list + "\"");
    boost::system::error_code ec;
    if (opts.insecure_skip_verify) {
      ctx.set_verify_mode(ssl::verify_none);
    } else {
      ctx.set_verify_mode(ssl::verify_peer);
      if (!opts.ca_file.empty()) ctx.load_verify_file(opts.ca_file, ec);
      else ctx.set_default_verify_paths(ec);
      if (ec) return Error{"cannot load CA file " + opts.ca_file + ": " + ec.message(), ""};
    }
    if (!opts.cert_file.empty() || !opts.key_file.empty()) {
      ctx.use_certificate_chain_file(opts.cert_file, ec);
      if (!ec) ctx.use_private_key_file(opts.key_file, ssl::context::pem, ec);
      if (ec) return Error{"cannot load client certificate " + opts.cert_file + " / key " + opts.key_file + ": " + ec.message(), ""};
    }
    return {};
  }

  Status connect() {
    if (url.tls) {
      auto c = configure_tls();
      if (!c) return c.error();
    }
    boost::system::error_code ec;
    tcp::resolver resolver(ioc);
    auto endpoints = resolver.resolve(url.host, url.port, ec);
    if (ec) return Error{"cannot resolve " + url.host + ": " + ec.message(), ""};
    beast::tcp_stream stream(ioc);
    plain = std::make_unique<beast::tcp_stream>(std::move(stream));
    auto [cec, _] = run([&](Done d) { plain->async_connect(endpoints, d); });
    if (cec) return fail("cannot connect", cec);
    plain->socket().set_option(tcp::no_delay(true), ec);
    open = true;
    if (!url.tls) return {};

    tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(std::move(*plain), ctx);
    plain.reset();
    SSL* s = tls->native_handle();
    std::string name = opts.server_name.empty() ? url.host : opts.server_name;
    if (!is_ip(name)) SSL_set_tlsext_host_name(s, name.c_str());
    if (!opts.insecure_skip_verify) {
      if (is_ip(name)) X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(s), name.c_str());
      else SSL_set1_host(s, name.c_str());
    }
    auto [hec, __] = run([&](Done d) { tls->async_handshake(ssl::stream_base::client, d); });
    if (hec) return fail("TLS handshake failed", hec);
    return {};
  }

  Result<size_t> send_raw(std::string_view bytes) {
    if (!open) return Error{url.authority + ": connection is closed", ""};
    auto buf = net::buffer(bytes.data(), bytes.size());
    auto [ec, n] = tls ? run([&](Done d) { net::async_write(*tls, buf, d); })
                       : run([&](Done d) { net::async_write(*plain, buf, d); });
    if (ec) return fail("write failed", ec);
    return n;
  }

  Result<ClientResponse> read_response() {
    if (!open) return Error{url.authority + ": connection is closed", ""};
    http::response_parser<http::string_body> parser;
    parser.body_limit(opts.max_response_bytes);
    parser.header_limit(64 * 1024);
    if (last_was_head) parser.skip(true);
    last_was_head = false;
    auto [ec, _] = tls ? run([&](Done d) { http::async_read(*tls, buffer, parser, d); })
                       : run([&](Done d) { http::async_read(*plain, buffer, parser, d); });
    if (ec) return fail("reading the response failed", ec);
    auto res = parser.release();
    ClientResponse out;
    out.status = static_cast<int>(res.result_int());
    for (const auto& f : res) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(res.body());
    out.keep_alive = res.keep_alive();
    if (!out.keep_alive) close();
    return out;
  }

  Result<ClientResponse> request(std::string_view method, std::string_view target, std::string_view body,
                                 const ClientHeaders& headers) {
    if (!open) return Error{url.authority + ": connection is closed", ""};
    http::request<http::string_body> req;
    req.method_string(method);
    req.target(target.empty() ? std::string_view("/") : target);
    req.version(11);
    req.set(http::field::host, url.authority);
    bool has_type = false;
    for (const auto& [k, v] : headers) {
      if (beast::iequals(k, "content-type")) has_type = true;
      req.insert(k, v);
    }
    if (!body.empty() && !has_type) req.set(http::field::content_type, "application/json");
    req.body() = std::string(body);
    req.prepare_payload();
    last_was_head = req.method() == http::verb::head;
    auto [ec, _] = tls ? run([&](Done d) { http::async_write(*tls, req, d); })
                       : run([&](Done d) { http::async_write(*plain, req, d); });
    if (ec) return fail("writing the request failed", ec);
    return read_response();
  }
};

ClientConnection::ClientConnection(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ClientConnection::ClientConnection(ClientConnection&&) noexcept = default;
ClientConnection& ClientConnection::operator=(ClientConnection&&) noexcept = default;
ClientConnection::~ClientConnection() {
  if (impl_) impl_->close();
}

Result<ClientConnection> ClientConnection::open(std::string_view url, const ClientOptions& options) {
  auto u = parse_url(url);
  if (!u) return u.error();
  auto impl = std::make_unique<Impl>();
  impl->opts = options;
  impl->url = std::move(*u);
  auto c = impl->connect();
  if (!c) return c.error();
  return ClientConnection(std::move(impl));
}

Result<ClientResponse> ClientConnection::request(std::string_view method, std::string_view target,
                                                 std::string_view body, const ClientHeaders& headers) {
  return impl_->request(method, target, body, headers);
}

Result<size_t> ClientConnection::send_raw(std::string_view bytes) { return impl_->send_raw(bytes); }
Result<ClientResponse> ClientConnection::read_response() { return impl_->read_response(); }
bool ClientConnection::is_open() const { return impl_ && impl_->open; }
void ClientConnection::close() {
  if (impl_) impl_->close();
}

std::string ClientConnection::peer_certificate_pem() const {
  if (!impl_ || !impl_->tls) return {};
  std::unique_ptr<X509, decltype(&X509_free)> cert(SSL_get1_peer_certificate(impl_->tls->native_handle()), &X509_free);
  if (!cert) return {};
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), &BIO_free);
  if (!bio || PEM_write_bio_X509(bio.get(), cert.get()) != 1) return {};
  char* data = nullptr;
  long n = BIO_get_mem_data(bio.get(), &data);
  return n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
}

std::string ClientConnection::tls_version() const {
  if (!impl_ || !impl_->tls) return {};
  return SSL_get_version(impl_->tls->native_handle());
}

std::string ClientConnection::cipher() const {
  if (!impl_ || !impl_->tls) return {};
  const SSL_CIPHER* c = SSL_get_current_cipher(impl_->tls->native_handle());
  return c ? SSL_CIPHER_get_name(c) : "";
}

Result<ClientResponse> request(std::string_view method, std::string_view url, std::string_view body,
                               const ClientHeaders& headers, const ClientOptions& options) {
  auto u = parse_url(url);
  if (!u) return u.error();
  std::string target = u->target;
  auto conn = ClientConnection::open(url, options);
  if (!conn) return conn.error();
  ClientHeaders h = headers;
  bool has_connection = false;
  for (const auto& [k, v] : h) has_connection |= beast::iequals(k, "connection");
  if (!has_connection) h.emplace_back("Connection", "close");
  return conn->request(method, target, body, h);
}

}  // namespace kindlyguard::server
