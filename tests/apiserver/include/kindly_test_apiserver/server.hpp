// kindly::testapi::TestApiServer — a stand-in for kube-apiserver for tests: discovery, CRUD with
// resourceVersion/generation/optimistic concurrency, list and watch with selectors and bookmarks,
// 410 Gone after compaction, the status subresource, Tables for kubectl, fault injection and a
// request log. See tests/apiserver/README.md.
//
//   kindly::testapi::TestApiServer api;            // 127.0.0.1, ephemeral port, plain HTTP
//   api.start();
//   api.store().create("pods", pod_json);          // direct access, no HTTP
//   api.faults().fail_next("update", "securitypolicies/status", 409);
//   ... run the code under test against api.url() ...
//   EXPECT_TRUE(api.requests().wait_for({.verb = "watch", .resource = "pods"}, 1, 10s));
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "kindly_test_apiserver/authz.hpp"
#include "kindly_test_apiserver/faults.hpp"
#include "kindly_test_apiserver/pod_logs.hpp"
#include "kindly_test_apiserver/request_info.hpp"
#include "kindly_test_apiserver/request_log.hpp"
#include "kindly_test_apiserver/resources.hpp"
#include "kindly_test_apiserver/store.hpp"

namespace kindly::testapi {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 0;  // 0 = ephemeral; port() says which one was bound

  // HTTPS when a certificate is given (PEM text, or files).
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_cert_file;
  std::string tls_key_file;

  // Bearer tokens and the users they stand for. With require_auth, a request without a known
  // token gets 401; without it, such requests run as system:anonymous.
  std::map<std::string, UserInfo> tokens;
  bool require_auth = false;

  // How often a watch with allowWatchBookmarks=true gets a BOOKMARK (the real server: ~1 min).
  std::chrono::milliseconds bookmark_interval{60000};
  // How often a quiet watch checks that its client is still connected.
  std::chrono::milliseconds watch_poll{200};

  ObjectStore::Config store;
  ResourceRegistry resources = ResourceRegistry::with_defaults();

  bool control_api = true;  // the /_test/ endpoints
};

class TestApiServer {
 public:
  explicit TestApiServer(ServerOptions options = {});
  ~TestApiServer();
  TestApiServer(const TestApiServer&) = delete;
  TestApiServer& operator=(const TestApiServer&) = delete;

  // Binds and starts serving; returns the port.
  unsigned short start();
  void stop();

  unsigned short port() const;
  bool tls() const;
  std::string url() const;  // http(s)://127.0.0.1:<port>

  ObjectStore& store();
  const ObjectStore& store() const;
  ResourceRegistry& resources();
  FaultInjector& faults();
  RequestLog& requests();
  const RequestLog& requests() const;
  // What containers have logged, served by pods/log (pod_logs.hpp).
  PodLogs& pod_logs();
  // Consulted for every resource request (after authentication); nullptr = allow all.
  void set_authorizer(Authorizer authorizer);
  void set_bookmark_interval(std::chrono::milliseconds interval);
  // One more bearer token, from now on (as ServerOptions::tokens): a second client told apart
  // from the first in requests() by its user.
  void add_token(const std::string& token, UserInfo user);

  // ---- faults at the connection level ----
  // Cuts open watches mid-stream (no terminating chunk): clients see the connection drop.
  std::size_t drop_watches(std::string_view resource = "");
  // Ends open watches with an ERROR 410 Expired event (a clean end of the stream).
  std::size_t expire_watches(std::string_view resource = "");
  // Drops the event history: watches from an older resourceVersion get 410 Gone.
  void compact();
  // A restarted API server with a new history: every watch and connection is cut, the history
  // is gone and the resourceVersion jumps ahead by rv_jump.
  void restart(std::uint64_t rv_jump = 1000);
  // Down: the listener closes (connection refused) and every connection is cut. resume() binds
  // the same port again. Not to be called from inside a request handler.
  void suspend();
  void resume();
  bool suspended() const;

  // A kubeconfig for kubectl (and any client-go or cpprestsdk client): server, token,
  // insecure-skip-tls-verify for HTTPS.
  std::string kubeconfig(const std::string& token = "", const std::string& ns = "default") const;
  void write_kubeconfig(const std::string& path, const std::string& token = "",
                        const std::string& ns = "default") const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace kindly::testapi
