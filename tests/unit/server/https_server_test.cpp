// The HTTPS edge in process: a server on an ephemeral port with an echo handler, certificates
// from a temporary test PKI, and the blocking client from https_client.hpp.

#include "kindlyguard/server/https_server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "kindlyguard/server/https_client.hpp"
#include "test_pki.hpp"

namespace kindlyguard::server {
namespace {

using namespace std::chrono_literals;
using test::serial_of;
using test::TestPki;
using test::wait_until;

// Echoes the request; "/size" answers the body length only; "/sleep" takes 200 ms;
// "/throw" throws; "/whoami" returns the client certificate subject.
struct Echo {
  std::atomic<int> sleeping{0};
  std::atomic<bool> release_sleepers{false};

  HttpResponse operator()(const HttpRequest& r) {
    if (r.target == "/size") return {200, "text/plain", std::to_string(r.body.size()), {}};
    if (r.target == "/sleep") {
      sleeping++;
      std::this_thread::sleep_for(200ms);
      return {200, "text/plain", "slept", {{"X-Slept", "200ms"}}};
    }
    if (r.target == "/throw") throw std::runtime_error("boom");
    if (r.target == "/whoami") return {200, "text/plain", r.client_subject, {}};
    return {200, "text/plain", r.method + " " + r.target + " " + r.content_type + "\n" + r.body, {{"X-Echo", "1"}}};
  }
};

class HttpsServerTest : public ::testing::Test {
 protected:
  TestPki pki;
  Echo echo;
  std::unique_ptr<HttpsServer> server;
  std::mutex reasons_mu;
  std::map<std::string, int> tls_reasons;
  std::map<std::string, int> auth_reasons;  // client authentication failures, reported apart

  ServerOptions base_options() {
    ServerOptions o;
    o.address = "127.0.0.1";
    o.port = 0;
    o.cert_file = pki.cert_file;
    o.key_file = pki.key_file;
    o.threads = 2;
    o.cert_reload_interval = 20ms;
    o.on_tls_failure = [this](const char* reason) {
      std::lock_guard lk(reasons_mu);
      tls_reasons[reason]++;
    };
    o.on_auth_failure = [this](const char* reason) {
      std::lock_guard lk(reasons_mu);
      auth_reasons[reason]++;
    };
    return o;
  }

  void start(ServerOptions o) {
    auto s = HttpsServer::start(std::move(o), [this](const HttpRequest& r) { return echo(r); });
    ASSERT_TRUE(s.ok()) << s.error().to_string();
    server = std::move(*s);
  }

  int reason_count(const std::string& reason) {
    std::lock_guard lk(reasons_mu);
    return tls_reasons[reason];
  }

  int auth_reason_count(const std::string& reason) {
    std::lock_guard lk(reasons_mu);
    return auth_reasons[reason];
  }

  std::string url(const std::string& path = "/") { return "https://127.0.0.1:" + std::to_string(server->port()) + path; }

  ClientOptions client() {
    ClientOptions o;
    o.ca_file = pki.ca_file;
    o.timeout = 10s;
    return o;
  }

  // A fresh request works: the server is unharmed.
  void expect_serving() {
    auto r = request("POST", url("/alive"), "ping", {}, client());
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /alive application/json\nping");
  }
};

TEST_F(HttpsServerTest, ServesARequestWithContentTypeAndLength) {
  start(base_options());
  auto r = request("POST", url("/validate?timeout=10s"), R"({"a":1})", {{"Content-Type", "application/json"}}, client());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "POST /validate?timeout=10s application/json\n{\"a\":1}");
  EXPECT_EQ(r->header("Content-Type"), "text/plain");
  EXPECT_EQ(r->header("Content-Length"), std::to_string(r->body.size()));
  EXPECT_EQ(r->header("X-Echo"), "1");
  EXPECT_FALSE(r->keep_alive);  // the one-shot client asked for Connection: close
  EXPECT_GT(server->certificate_not_after(), std::time(nullptr));
  EXPECT_EQ(server->stats().cert_serial_hex, serial_of(pki.serving.cert_pem));
}

TEST_F(HttpsServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  start(base_options());
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  EXPECT_EQ(conn->tls_version(), "TLSv1.3");
  for (int i = 0; i < 5; ++i) {
    std::string body = "request " + std::to_string(i);
    auto r = conn->request("POST", "/k", body);
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, "POST /k application/json\n" + body);
    EXPECT_TRUE(r->keep_alive);
    EXPECT_TRUE(r->header("Connection").empty());
  }
  auto s = server->stats();
  EXPECT_EQ(s.connections_accepted, 1u);
  EXPECT_EQ(s.requests, 5u);
}

TEST_F(HttpsServerTest, PipelinedRequestsAreAnsweredInOrder) {
  start(base_options());
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  ASSERT_TRUE(conn->send_raw("GET /one HTTP/1.1\r\nHost: x\r\n\r\nGET /two HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  auto a = conn->read_response();
  auto b = conn->read_response();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->body, "GET /one \n");
  EXPECT_EQ(b->body, "GET /two \n");
}

TEST_F(HttpsServerTest, BodyOverConfiguredLimitGets413AndClose) {
  auto o = base_options();
  o.max_body_bytes = 1024;
  start(o);
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok());
  auto ok = conn->request("POST", "/size", std::string(1024, 'x'));
  ASSERT_TRUE(ok.ok()) << ok.error().to_string();
  EXPECT_EQ(ok->status, 200);
  EXPECT_EQ(ok->body, "1024");

  auto r = conn->request("POST", "/size", std::string(1025, 'x'));
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 413);
  EXPECT_EQ(r->header("Content-Type"), "application/json");
  EXPECT_EQ(r->body, R"({"error":"request body exceeds the limit of 1024 bytes"})");
  EXPECT_EQ(r->header("Connection"), "close");
  EXPECT_FALSE(conn->is_open());
  expect_serving();
}

TEST_F(HttpsServerTest, BodyOverDefault8MiBGets413) {
  start(base_options());
  const size_t limit = 8 * 1024 * 1024;
  auto at = request("POST", url("/size"), std::string(limit, 'a'), {}, client());
  ASSERT_TRUE(at.ok()) << at.error().to_string();
  EXPECT_EQ(at->status, 200);
  EXPECT_EQ(at->body, std::to_string(limit));

  auto over = request("POST", url("/size"), std::string(limit + 1, 'a'), {}, client());
  ASSERT_TRUE(over.ok()) << over.error().to_string();
  EXPECT_EQ(over->status, 413);
  EXPECT_NE(over->body.find("8388608"), std::string::npos);
  expect_serving();
}

TEST_F(HttpsServerTest, ChunkedBodyOverLimitGets413) {
  auto o = base_options();
  o.max_body_bytes = 100;
  start(o);
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok());
  std::string chunk(80, 'c');
  ASSERT_TRUE(conn->send_raw("POST /size HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n50\r\n" + chunk +
                             "\r\n50\r\n" + chunk + "\r\n0\r\n\r\n")
                  .ok());
  auto r = conn->read_response();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 413);
}

TEST_F(HttpsServerTest, MalformedHttpGets400AndClose) {
  start(base_options());
  const char* cases[] = {
      "NOT HTTP AT ALL\r\n\r\n",
      "GET / HTTP/9.9\r\nHost: x\r\n\r\n",
      "GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
      "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
      "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
      "GET /\x01\x02 HTTP/1.1\r\n\r\n",
  };
  for (const char* raw : cases) {
    SCOPED_TRACE(raw);
    auto conn = ClientConnection::open(url(), client());
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    ASSERT_TRUE(conn->send_raw(raw).ok());
    auto r = conn->read_response();
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->header("Content-Type"), "application/json");
    EXPECT_NE(r->body.find("malformed HTTP request"), std::string::npos) << r->body;
    EXPECT_FALSE(r->keep_alive);
  }
  expect_serving();
}

TEST_F(HttpsServerTest, OversizedHeaderGets431) {
  auto o = base_options();
  o.max_header_bytes = 1024;
  start(o);
  auto r = request("GET", url("/"), "", {{"X-Big", std::string(2000, 'h')}}, client());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 431);
  expect_serving();
}

TEST_F(HttpsServerTest, RandomBytesAndEarlyDisconnectsDoNotHurt) {
  auto o = base_options();
  o.read_timeout = 1s;  // the handshake deadline: a partial record is dropped after it
  start(o);
  auto c = client();
  c.timeout = 15s;
  for (std::string junk : {std::string("\x16\x03\x01\x00\x05hello", 10), std::string(5000, '\xff'), std::string("\0\0\0", 3)}) {
    auto raw = ClientConnection::open("http://127.0.0.1:" + std::to_string(server->port()), c);
    ASSERT_TRUE(raw.ok());
    (void)raw->send_raw(junk);
    auto r = raw->read_response();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error().message.find("timed out"), std::string::npos) << r.error().message;  // the server closed it
  }
  // A TLS client that disconnects in the middle of a request.
  {
    auto conn = ClientConnection::open(url(), client());
    ASSERT_TRUE(conn.ok());
    ASSERT_TRUE(conn->send_raw("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc").ok());
  }
  expect_serving();
  EXPECT_TRUE(wait_until([&] { return server->stats().active_connections == 0; }));
}

TEST_F(HttpsServerTest, HandlerExceptionGives500) {
  start(base_options());
  auto r = request("GET", url("/throw"), "", {}, client());
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, R"({"error":"internal error"})");
  expect_serving();
}

TEST_F(HttpsServerTest, ExpectContinueIsHonoured) {
  start(base_options());
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->send_raw("POST /size HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n").ok());
  auto cont = conn->read_response();
  ASSERT_TRUE(cont.ok()) << cont.error().to_string();
  EXPECT_EQ(cont->status, 100);
  ASSERT_TRUE(conn->send_raw("abcd").ok());
  auto r = conn->read_response();
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "4");
}

TEST_F(HttpsServerTest, SlowlorisIsCutWhileANormalClientIsServed) {
  auto o = base_options();
  o.read_timeout = 500ms;
  start(o);

  auto slow = ClientConnection::open(url(), client());
  ASSERT_TRUE(slow.ok()) << slow.error().to_string();
  std::atomic<bool> cut{false};
  std::atomic<long long> cut_after_ms{0};
  std::atomic<size_t> bytes_sent{0};
  std::thread slowloris([&] {
    std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(400, 'p') + "\r\n\r\n";
    auto t0 = std::chrono::steady_clock::now();
    for (char c : head) {  // 100 ms per byte: the whole head would take 40 s
      if (!slow->send_raw(std::string_view(&c, 1)).ok()) break;
      bytes_sent++;
      std::this_thread::sleep_for(100ms);
      if (std::chrono::steady_clock::now() - t0 > 30s) return;
    }
    cut_after_ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0).count();
    cut = true;
  });

  auto normal = ClientConnection::open(url(), client());
  ASSERT_TRUE(normal.ok()) << normal.error().to_string();
  int served = 0;
  while (!cut && served < 100000) {
    auto r = normal->request("POST", "/n", "x");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    ASSERT_EQ(r->status, 200);
    ++served;
    std::this_thread::sleep_for(10ms);
  }
  slowloris.join();
  EXPECT_TRUE(cut.load());
  EXPECT_GE(cut_after_ms.load(), 400);  // never before the read timeout (less the first byte's send)
  EXPECT_LT(bytes_sent.load(), 400u);   // long before the head could be completed
  EXPECT_GT(served, 0);
  auto again = normal->request("GET", "/after");
  ASSERT_TRUE(again.ok()) << again.error().to_string();
}

TEST_F(HttpsServerTest, IdleKeepAliveConnectionIsClosedAfterIdleTimeout) {
  auto o = base_options();
  o.idle_timeout = 300ms;
  start(o);
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(conn->request("GET", "/").ok());
  EXPECT_TRUE(wait_until([&] { return server->stats().active_connections == 0; }));
  EXPECT_FALSE(conn->request("GET", "/").ok());
}

TEST_F(HttpsServerTest, ConnectionsThatNeverSendARequestAreClosedBeforeTheIdleTimeout) {
  auto o = base_options();
  o.first_request_timeout = 300ms;
  o.idle_timeout = 60s;
  start(o);
  auto silent = ClientConnection::open(url(), client());
  ASSERT_TRUE(silent.ok());
  auto used = ClientConnection::open(url(), client());
  ASSERT_TRUE(used.ok());
  ASSERT_TRUE(used->request("GET", "/").ok());
  // The silent one goes after first_request_timeout; the used one is kept for idle_timeout.
  EXPECT_TRUE(wait_until([&] { return server->stats().active_connections == 1; }));
  EXPECT_FALSE(silent->request("GET", "/").ok());
  std::this_thread::sleep_for(600ms);  // twice the first-request timeout: the used one stays
  auto r = used->request("GET", "/again");
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  // A request's first byte within the timeout is enough: the rest has read_timeout.
  auto slow_start = ClientConnection::open(url(), client());
  ASSERT_TRUE(slow_start.ok());
  ASSERT_TRUE(slow_start->send_raw("GET /").ok());
  std::this_thread::sleep_for(600ms);
  ASSERT_TRUE(slow_start->send_raw("late HTTP/1.1\r\nHost: x\r\n\r\n").ok());
  auto late = slow_start->read_response();
  ASSERT_TRUE(late.ok()) << late.error().to_string();
  EXPECT_EQ(late->status, 200);
}

TEST_F(HttpsServerTest, ConnectionsOverTheLimitAreClosed) {
  auto o = base_options();
  o.max_connections = 2;
  start(o);
  auto a = ClientConnection::open(url(), client());
  auto b = ClientConnection::open(url(), client());
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = ClientConnection::open(url(), client());
  EXPECT_FALSE(c.ok() && c->request("GET", "/").ok());
  EXPECT_GE(server->stats().connections_rejected, 1u);
  a->close();
  ASSERT_TRUE(wait_until([&] { return server->stats().active_connections <= 1; }));
  auto d = ClientConnection::open(url(), client());
  ASSERT_TRUE(d.ok()) << d.error().to_string();
  EXPECT_TRUE(d->request("GET", "/").ok());
}

TEST_F(HttpsServerTest, StartFailsCleanly) {
  auto o = base_options();
  o.key_file = pki.dir.file("missing.key");
  auto s = HttpsServer::start(o, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("missing.key"), std::string::npos) << s.error().message;

  // A key that does not belong to the certificate.
  auto other = pki.issue_serving();
  ASSERT_TRUE(certs::write_file_atomic(pki.dir.file("other.key"), other.key_pem, 0600).ok());
  o = base_options();
  o.key_file = pki.dir.file("other.key");
  s = HttpsServer::start(o, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("does not match"), std::string::npos) << s.error().message;

  // A port already taken.
  start(base_options());
  o = base_options();
  o.port = server->port();
  s = HttpsServer::start(o, [](const HttpRequest&) { return HttpResponse{}; });
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("cannot listen"), std::string::npos) << s.error().message;
}

// ---- TLS policy ----

TEST_F(HttpsServerTest, Tls11IsRefused) {
  start(base_options());
  auto o = client();
  o.min_version = TlsVersion::Tls1_1;
  o.max_version = TlsVersion::Tls1_1;
  auto conn = ClientConnection::open(url(), o);
  EXPECT_FALSE(conn.ok());
  EXPECT_TRUE(wait_until([&] { return reason_count("protocol_version") == 1; }));
  o.min_version = o.max_version = TlsVersion::Tls1_0;
  EXPECT_FALSE(ClientConnection::open(url(), o).ok());
  EXPECT_TRUE(wait_until([&] { return reason_count("protocol_version") == 2; }));
  expect_serving();
}

TEST_F(HttpsServerTest, WeakTls12CiphersAreRefusedAndStrongOnesAccepted) {
  start(base_options());
  auto o = client();
  o.max_version = TlsVersion::Tls1_2;
  for (const char* weak : {"AES128-SHA", "ECDHE-ECDSA-AES128-SHA", "ECDHE-ECDSA-AES256-SHA384", "AES256-GCM-SHA384"}) {
    SCOPED_TRACE(weak);
    o.cipher_list = weak;
    EXPECT_FALSE(ClientConnection::open(url(), o).ok());
  }
  EXPECT_TRUE(wait_until([&] { return reason_count("no_shared_cipher") == 4; })) << reason_count("no_shared_cipher");
  for (const char* strong : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
    SCOPED_TRACE(strong);
    o.cipher_list = strong;
    auto conn = ClientConnection::open(url(), o);
    ASSERT_TRUE(conn.ok()) << conn.error().to_string();
    EXPECT_EQ(conn->tls_version(), "TLSv1.2");
    EXPECT_EQ(conn->cipher(), strong);
    EXPECT_TRUE(conn->request("GET", "/").ok());
  }
}

TEST_F(HttpsServerTest, PlainHttpToTheTlsPortIsRefused) {
  start(base_options());
  auto r = request("GET", "http://127.0.0.1:" + std::to_string(server->port()) + "/healthz", "", {}, client());
  EXPECT_FALSE(r.ok() && r->status == 200);
  EXPECT_TRUE(wait_until([&] { return reason_count("http_request") == 1; }));
  expect_serving();
}

TEST_F(HttpsServerTest, ClientVerifiesTheServerName) {
  start(base_options());
  auto o = client();
  o.server_name = "not-in-the-cert.example";
  EXPECT_FALSE(ClientConnection::open(url(), o).ok());
  ClientOptions no_ca;  // the system store does not know the test CA
  EXPECT_FALSE(ClientConnection::open(url(), no_ca).ok());
  no_ca.insecure_skip_verify = true;
  EXPECT_TRUE(ClientConnection::open(url(), no_ca).ok());
  o.server_name = "localhost";
  EXPECT_TRUE(ClientConnection::open(url(), o).ok());
}

// ---- certificate reload ----

TEST_F(HttpsServerTest, ReloadedCertificateServesNewConnectionsWhileOldOnesKeepWorking) {
  auto o = base_options();
  std::atomic<int> loads{0};
  std::atomic<std::time_t> last_not_after{0};
  o.on_certificate_loaded = [&](std::time_t not_after) {
    last_not_after = not_after;
    loads++;
  };
  start(o);
  EXPECT_EQ(loads.load(), 1);
  EXPECT_EQ(last_not_after.load(), server->certificate_not_after());
  auto old_conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(old_conn.ok());
  ASSERT_TRUE(old_conn->request("GET", "/").ok());  // in use: keep-alive, not a silent client
  const std::string old_serial = serial_of(old_conn->peer_certificate_pem());
  ASSERT_EQ(old_serial, serial_of(pki.serving.cert_pem));

  auto next = pki.issue_serving();
  const std::string new_serial = serial_of(next.cert_pem);
  ASSERT_NE(new_serial, old_serial);
  pki.write(next);
  ASSERT_TRUE(wait_until([&] { return server->stats().cert_serial_hex == new_serial; }));
  EXPECT_TRUE(wait_until([&] { return server->stats().cert_loads == 2; }));
  EXPECT_TRUE(wait_until([&] { return loads.load() == 2; }));

  auto new_conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(new_conn.ok()) << new_conn.error().to_string();
  EXPECT_EQ(serial_of(new_conn->peer_certificate_pem()), new_serial);
  EXPECT_TRUE(new_conn->request("GET", "/").ok());

  for (int i = 0; i < 3; ++i) {
    auto r = old_conn->request("GET", "/old");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
    EXPECT_EQ(r->status, 200);
  }
  EXPECT_EQ(serial_of(old_conn->peer_certificate_pem()), old_serial);
}

TEST_F(HttpsServerTest, MismatchedOrBrokenFilesKeepTheOldCertificate) {
  start(base_options());
  const std::string old_serial = serial_of(pki.serving.cert_pem);

  auto stranger = pki.issue_serving();  // its key does not match the served certificate
  ASSERT_TRUE(certs::write_file_atomic(pki.key_file, stranger.key_pem, 0600).ok());
  ASSERT_TRUE(wait_until([&] { return server->stats().cert_reload_failures == 1; }));
  EXPECT_EQ(server->stats().cert_serial_hex, old_serial);
  auto conn = ClientConnection::open(url(), client());
  ASSERT_TRUE(conn.ok()) << conn.error().to_string();
  EXPECT_EQ(serial_of(conn->peer_certificate_pem()), old_serial);
  EXPECT_TRUE(conn->request("GET", "/").ok());

  // Garbage in the certificate file: still the old one.
  ASSERT_TRUE(certs::write_file_atomic(pki.cert_file, "-----BEGIN CERTIFICATE-----\nnot base64\n", 0644).ok());
  ASSERT_TRUE(wait_until([&] { return server->stats().cert_reload_failures == 2; }));
  EXPECT_EQ(server->stats().cert_serial_hex, old_serial);
  expect_serving();

  // The matching certificate arrives: the pair loads.
  ASSERT_TRUE(certs::write_file_atomic(pki.cert_file, stranger.cert_pem, 0644).ok());
  ASSERT_TRUE(wait_until([&] { return server->stats().cert_serial_hex == serial_of(stranger.cert_pem); }));
  expect_serving();
}

// ---- graceful shutdown ----

TEST_F(HttpsServerTest, ShutdownFinishesInFlightRequestsAndClosesIdleConnections) {
  start(base_options());
  auto idle = ClientConnection::open(url(), client());
  ASSERT_TRUE(idle.ok());
  ASSERT_TRUE(idle->request("GET", "/").ok());

  auto busy = ClientConnection::open(url(), client());
  ASSERT_TRUE(busy.ok());
  Result<ClientResponse> in_flight = Error{"not run", ""};
  std::thread t([&] { in_flight = busy->request("GET", "/sleep"); });
  ASSERT_TRUE(wait_until([&] { return echo.sleeping.load() == 1; }));

  auto t0 = std::chrono::steady_clock::now();
  server->shutdown(10s);
  auto took = std::chrono::steady_clock::now() - t0;
  t.join();

  EXPECT_LT(took, 8s);
  ASSERT_TRUE(in_flight.ok()) << in_flight.error().to_string();
  EXPECT_EQ(in_flight->status, 200);
  EXPECT_EQ(in_flight->body, "slept");
  EXPECT_FALSE(in_flight->keep_alive);  // told to go away
  EXPECT_FALSE(idle->request("GET", "/").ok());
  EXPECT_EQ(server->stats().active_connections, 0u);
  EXPECT_FALSE(ClientConnection::open(url(), client()).ok());
  server->wait();       // returns at once: already stopped
  server->shutdown(1s);  // idempotent
}

TEST_F(HttpsServerTest, ShutdownReturnsWithinGraceDespiteAStalledClient) {
  auto o = base_options();
  o.read_timeout = 60s;
  start(o);
  auto stalled = ClientConnection::open(url(), client());
  ASSERT_TRUE(stalled.ok());
  ASSERT_TRUE(stalled->send_raw("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nhalf").ok());
  ASSERT_TRUE(wait_until([&] { return server->stats().active_connections == 1; }));
  auto t0 = std::chrono::steady_clock::now();
  server->shutdown(300ms);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 5s);
  EXPECT_FALSE(stalled->read_response().ok());
}

TEST_F(HttpsServerTest, WaitReturnsAfterShutdownFromAnotherThread) {
  start(base_options());
  std::atomic<bool> waited{false};
  std::thread waiter([&] {
    server->wait();
    waited = true;
  });
  EXPECT_FALSE(waited.load());
  server->shutdown(1s);
  waiter.join();
  EXPECT_TRUE(waited.load());
}

// ---- mutual TLS ----

TEST_F(HttpsServerTest, MutualTlsRequiresAClientCertificateFromTheCa) {
  auto o = base_options();
  o.client_ca_file = pki.ca_file;
  start(o);

  // No client certificate: refused (with TLS 1.3 the client learns it on its first read).
  auto none = request("GET", url("/whoami"), "", {}, client());
  EXPECT_FALSE(none.ok());
  EXPECT_TRUE(wait_until([&] { return auth_reason_count("no_client_certificate") == 1; }));

  // A certificate from the right CA: accepted, and the handler sees who it is.
  auto good = pki.issue_client("api-server");
  ASSERT_TRUE(certs::write_file_atomic(pki.dir.file("client.crt"), good.cert_pem, 0644).ok());
  ASSERT_TRUE(certs::write_file_atomic(pki.dir.file("client.key"), good.key_pem, 0600).ok());
  auto with = client();
  with.cert_file = pki.dir.file("client.crt");
  with.key_file = pki.dir.file("client.key");
  auto r = request("GET", url("/whoami"), "", {}, with);
  ASSERT_TRUE(r.ok()) << r.error().to_string();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "CN=api-server,O=kindlyguard");

  // A certificate from another CA: refused.
  auto other_ca = certs::generate_ca();
  ASSERT_TRUE(other_ca.ok());
  certs::LeafOptions lo;
  lo.common_name = "intruder";
  lo.server_auth = false;
  lo.client_auth = true;
  auto intruder = certs::issue(*other_ca, lo);
  ASSERT_TRUE(intruder.ok());
  ASSERT_TRUE(certs::write_file_atomic(pki.dir.file("intruder.crt"), intruder->cert_pem, 0644).ok());
  ASSERT_TRUE(certs::write_file_atomic(pki.dir.file("intruder.key"), intruder->key_pem, 0600).ok());
  auto bad = client();
  bad.cert_file = pki.dir.file("intruder.crt");
  bad.key_file = pki.dir.file("intruder.key");
  EXPECT_FALSE(request("GET", url("/whoami"), "", {}, bad).ok());
  EXPECT_TRUE(wait_until([&] { return auth_reason_count("bad_client_certificate") == 1; }));
  EXPECT_TRUE(request("GET", url("/whoami"), "", {}, with).ok());
  // Counted as authentication failures only, not as TLS handshake failures.
  EXPECT_EQ(server->stats().auth_failures, 2u);
  EXPECT_EQ(server->stats().tls_failures, 0u);
  EXPECT_EQ(reason_count("no_client_certificate") + reason_count("bad_client_certificate"), 0);
}

// ---- many idle connections ----

TEST_F(HttpsServerTest, HundredsOfIdleKeepAliveConnectionsStayServed) {
  start(base_options());
  std::vector<ClientConnection> conns;
  for (int i = 0; i < 300; ++i) {
    auto c = ClientConnection::open(url(), client());
    ASSERT_TRUE(c.ok()) << i << ": " << c.error().to_string();
    ASSERT_TRUE(c->request("GET", "/first").ok());  // kept alive after a request, as the API server's are
    conns.push_back(std::move(*c));
  }
  EXPECT_EQ(server->stats().active_connections, 300u);
  for (size_t i = 0; i < conns.size(); i += 7) {
    auto r = conns[i].request("GET", "/");
    ASSERT_TRUE(r.ok()) << r.error().to_string();
  }
}

}  // namespace
}  // namespace kindlyguard::server
