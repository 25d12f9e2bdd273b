// TestApiServer's insides, shared by server.cpp (lifecycle), api_handler.cpp (the Kubernetes
// API) and control_api.cpp (/_test/).
#pragma once

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "http_server.hpp"
#include "kindly_test_apiserver/server.hpp"
#include "kindly_test_apiserver/status.hpp"

namespace kindly::testapi {

using Query = std::multimap<std::string, std::string>;

struct TestApiServer::Impl {
  explicit Impl(ServerOptions o);

  ServerOptions options;
  ResourceRegistry registry;
  ObjectStore store;
  FaultInjector faults;
  RequestLog log;
  PodLogs pod_logs;
  std::unique_ptr<HttpServer> http;
  std::atomic<long long> bookmark_ms;
  std::atomic<bool> stopping{false};
  std::atomic<bool> suspended{false};

  std::mutex authz_mu;
  Authorizer authorizer;
  // options.tokens, and those added while serving (add_token), guarded by authz_mu.
  std::map<std::string, UserInfo> tokens;

  // Interruptible sleeps (injected latency, timed suspend).
  std::mutex sleep_mu;
  std::condition_variable sleep_cv;
  std::thread control_thread;  // timed suspend/resume started over HTTP

  // ---- request handling (api_handler.cpp) ----
  bool handle(HttpRequest& req, Connection& conn);
  bool handle_non_resource(HttpRequest& req, Connection& conn, const RequestInfo& info, RequestRecord& rec);
  bool handle_resource(HttpRequest& req, Connection& conn, const RequestInfo& info, const Query& q,
                       const UserInfo& user, RequestRecord& rec);
  bool serve_watch(HttpRequest& req, Connection& conn, const ResourceInfo& r, const std::string& ns,
                   const RequestInfo& info, const Query& q, RequestRecord& rec);
  // Writes a JSON response and records it; returns keep-alive.
  bool reply(HttpRequest& req, Connection& conn, int code, const nlohmann::json& body, RequestRecord* rec,
             int retry_after = 0);
  bool reply_error(HttpRequest& req, Connection& conn, const ApiError& e, RequestRecord* rec);
  bool reply_text(HttpRequest& req, Connection& conn, int code, const std::string& body, RequestRecord* rec);
  void sleep_for(std::chrono::milliseconds d);
  // GET pods/log (pod_logs.cpp).
  bool serve_pod_log(HttpRequest& req, Connection& conn, const ResourceInfo& pods, const std::string& ns,
                     const std::string& name, const Query& q, RequestRecord& rec);

  // ---- /_test/ (control_api.cpp) ----
  bool handle_control(HttpRequest& req, Connection& conn, const std::string& path, const Query& q);
  void suspend_for(std::chrono::milliseconds d);
};

// Helpers shared by the handler files.
std::string query_value(const Query& q, const std::string& key, const std::string& fallback = "");
bool query_flag(const Query& q, const std::string& key);

}  // namespace kindly::testapi
