#pragma once
// ApiClient's insides, shared by the request (api_client.cpp, http_exchange.cpp) and watch
// (watch.cpp) halves. cpprestsdk stays out of the public headers.

#include <chrono>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>

#include <cpprest/http_client.h>

#include "kindlyguard/client/api_client.hpp"
#include "tls.hpp"

namespace kindlyguard::client {

using Clock = std::chrono::steady_clock;

// One HTTP exchange to send.
struct Exchange {
  std::string method;  // GET, POST, PUT, PATCH, DELETE
  std::string path_and_query;
  std::optional<std::string> body;
  std::string content_type = "application/json";
};

// Whatever the server answered (any code).
struct Answer {
  int code = 0;
  std::string body;
  std::string retry_after;  // raw Retry-After header
};

struct ApiClient::Impl {
  Impl(ClusterConfig c, ClientOptions o, detail::TlsSetup tls);

  // A cpprestsdk config with our TLS setup and `idle` as its (inactivity) timeout.
  web::http::client::http_client_config http_config(std::chrono::microseconds idle) const;
  // A request with the common headers (Accept, Authorization, User-Agent) and the body.
  web::http::http_request make_request(const Exchange& x);

  // One attempt, bounded by `deadline` and `stop`. connect_failed tells a write that the request
  // never left (so a retry cannot apply it twice).
  ApiResult<Answer> send(const Exchange& x, Clock::time_point deadline, std::stop_token stop, bool& connect_failed);
  // Attempts with the retry policy; a 2xx body parsed as JSON ({} when empty), or, with `text`,
  // kept there as it came (pods/log) and answered as {}.
  ApiResult<json> call(const Exchange& x, const std::string& verb, const std::string& resource, bool idempotent,
                       const CallOptions& call, std::string* text = nullptr);
  void record(const std::string& verb, const std::string& resource, int code, Clock::duration latency) const;

  ClusterConfig config;
  ClientOptions options;
  detail::TlsSetup tls;
  TokenBucket limiter;
  TokenSource tokens;
  std::string user_agent;
  std::unique_ptr<web::http::client::http_client> http;  // every call but watches
};

namespace detail {

// Waits until `t` has settled or `deadline` passes; past the deadline cancels `cts` and waits a
// little more for the cancellation to land. True when the task settled (get() won't block).
template <class T>
bool settle(const pplx::task<T>& t, Clock::time_point deadline, pplx::cancellation_token_source cts,
            bool* timed_out = nullptr);

// Turns a cpprestsdk failure into an ApiError (code 0).
ApiError describe_failure(std::exception_ptr e, bool stopped, bool timed_out, bool* connect_failed = nullptr);

}  // namespace detail
}  // namespace kindlyguard::client

#include "settle.ipp"
