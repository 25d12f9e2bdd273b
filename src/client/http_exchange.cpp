// One HTTP exchange over cpprestsdk: headers, TLS, a deadline and a stop token on top of pplx
// tasks, and cpprestsdk's exceptions turned into ApiErrors.
#include <system_error>

#include "client_impl.hpp"
#include "kindlyguard/util/log.hpp"
#include "kindlyguard/version.hpp"

namespace kindlyguard::client {

namespace http = web::http;

ApiClient::Impl::Impl(ClusterConfig c, ClientOptions o, detail::TlsSetup t)
    : config(std::move(c)),
      options(std::move(o)),
      tls(std::move(t)),
      limiter(options.qps, options.burst),
      tokens(config.token, config.token_file, options.token_refresh),
      user_agent(options.user_agent.empty() ? std::string("kindlyguard/") + kVersion : options.user_agent) {
  // cpprestsdk's timeout is an inactivity timer (reset by every read and write), so the request
  // timeout bounds silences, and call() bounds the whole call with its own deadline.
  http = std::make_unique<http::client::http_client>(utility::conversions::to_string_t(config.server),
                                                     http_config(options.request_timeout));
}

http::client::http_client_config ApiClient::Impl::http_config(std::chrono::microseconds idle) const {
  http::client::http_client_config c;
  c.set_timeout(idle);
  c.set_validate_certificates(!config.insecure_skip_tls_verify);
  c.set_ssl_context_callback(tls);
  return c;
}

http::http_request ApiClient::Impl::make_request(const Exchange& x) {
  http::http_request req(utility::conversions::to_string_t(x.method));
  req.set_request_uri(web::uri(utility::conversions::to_string_t(x.path_and_query)));
  req.headers().add(U("Accept"), U("application/json"));
  req.headers().add(U("User-Agent"), utility::conversions::to_string_t(user_agent));
  const std::string token = tokens.token();
  if (!token.empty()) req.headers().add(U("Authorization"), utility::conversions::to_string_t("Bearer " + token));
  if (x.body) req.set_body(*x.body, x.content_type);
  return req;
}

void ApiClient::Impl::record(const std::string& verb, const std::string& resource, int code,
                             Clock::duration latency) const {
  if (!options.on_request) return;
  try {
    options.on_request(
        RequestMetric{verb, resource, code, std::chrono::duration_cast<std::chrono::microseconds>(latency)});
  } catch (...) {
    // A metrics hook must not break the request path.
  }
}

namespace detail {

ApiError describe_failure(std::exception_ptr e, bool stopped, bool timed_out, bool* connect_failed) {
  if (stopped) return ApiError::canceled("the request was stopped");
  if (timed_out) return ApiError::client_timeout("no answer before the call's deadline");
  try {
    std::rethrow_exception(e);
  } catch (const http::http_exception& ex) {
    const std::error_code ec = ex.error_code();
    if (connect_failed && (ec == std::errc::host_unreachable || ec == std::errc::connection_refused))
      *connect_failed = true;
    if (ec == std::errc::timed_out) return ApiError::transport("the connection went silent and timed out: " + std::string(ex.what()));
    return ApiError::transport(ex.what());
  } catch (const pplx::task_canceled&) {
    return ApiError::canceled("the request was canceled");
  } catch (const std::exception& ex) {
    return ApiError::transport(ex.what());
  } catch (...) {
    return ApiError::transport("unknown failure");
  }
}

}  // namespace detail

ApiResult<Answer> ApiClient::Impl::send(const Exchange& x, Clock::time_point deadline, std::stop_token stop,
                                        bool& connect_failed) {
  http::http_request req = make_request(x);
  pplx::cancellation_token_source cts;
  std::stop_callback on_stop(stop, [cts] { cts.cancel(); });
  auto answer = std::make_shared<Answer>();
  pplx::task<void> t = http->request(req, cts.get_token()).then([answer](http::http_response resp) {
    answer->code = resp.status_code();
    auto ra = resp.headers().find(U("Retry-After"));
    if (ra != resp.headers().end()) answer->retry_after = utility::conversions::to_utf8string(ra->second);
    // The whole body, whatever its Content-Type says.
    return resp.extract_utf8string(true).then([answer](std::string body) { answer->body = std::move(body); });
  });
  bool timed_out = false;
  if (!detail::settle(t, deadline, cts, &timed_out))
    return ApiError::transport("cpprestsdk did not end a canceled request");
  try {
    t.get();
  } catch (...) {
    return detail::describe_failure(std::current_exception(), stop.stop_requested(), timed_out, &connect_failed);
  }
  return *answer;
}

}  // namespace kindlyguard::client
