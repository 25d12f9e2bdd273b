// ApiClient::watch: one watch request on its own connection, its chunked body read as it
// arrives and cut into lines, each line a WatchEvent handed over at once.
//
// cpprestsdk notes (2.10, Boost.Asio backend):
// - The response body is a producer_consumer_buffer filled chunk by chunk as the socket delivers
//   them; reads wait only for what they ask for. Asking for a large block (getn(buf, 64K)) would
//   wait until 64K arrived or the stream ended, holding events back; so we ask for what is
//   available (in_avail), or for a single byte when nothing is.
// - http_client_config::timeout is an inactivity timer reset on each chunk; its default (30 s)
//   cuts a quiet watch. Each watch gets its own client whose timeout is timeoutSeconds +
//   idle_slack: the server always ends a healthy watch first, and a dead one is cut soon after.
// - Canceling the request's token after the headers arrived still closes the socket (the
//   registration lasts until the body is complete), which is how stop() ends a blocked read.
#include <cstring>

#include "client_impl.hpp"
#include "kindlyguard/util/log.hpp"
#include "paths.hpp"

namespace kindlyguard::client {

namespace http = web::http;

ApiResult<WatchEnd> ApiClient::watch(const ResourceRef& r, const std::string& ns, const WatchOptions& o,
                                     const std::function<void(WatchEvent&&)>& on_event, std::stop_token stop) {
  detail::Query q;
  q.add("watch", "true")
      .add_if("labelSelector", o.label_selector)
      .add_if("fieldSelector", o.field_selector)
      .add_if("resourceVersion", o.resource_version);
  if (o.allow_bookmarks) q.add("allowWatchBookmarks", "true");
  if (o.timeout_seconds > 0) q.add("timeoutSeconds", std::to_string(o.timeout_seconds));
  const std::string resource = detail::metric_resource(r);

  // A stop at any point ends the watch as Stopped, not as an error.
  const auto stopped = [] {
    WatchEnd end;
    end.how = WatchEnd::How::Stopped;
    return end;
  };
  if (!impl_->limiter.acquire(stop)) return stopped();

  const auto idle = std::chrono::seconds(std::max(o.timeout_seconds, 1)) + o.idle_slack;
  http::client::http_client client(utility::conversions::to_string_t(impl_->config.server),
                                   impl_->http_config(idle));
  http::http_request req = impl_->make_request({"GET", detail::resource_path(r, ns) + q.str(), std::nullopt});
  pplx::cancellation_token_source cts;
  std::stop_callback on_stop(stop, [cts] { cts.cancel(); });
  // Whatever happens below, the connection does not outlive this call.
  struct Cancel {
    pplx::cancellation_token_source cts;
    ~Cancel() { cts.cancel(); }
  } cancel_on_exit{cts};

  const auto t0 = Clock::now();
  pplx::task<http::http_response> headers = client.request(req, cts.get_token());
  bool timed_out = false;
  if (!detail::settle(headers, t0 + impl_->options.request_timeout, cts, &timed_out)) {
    impl_->record("watch", resource, 0, Clock::now() - t0);
    return ApiError::transport("cpprestsdk did not end a canceled watch request");
  }
  http::http_response resp;
  try {
    resp = headers.get();
  } catch (...) {
    impl_->record("watch", resource, 0, Clock::now() - t0);
    if (stop.stop_requested()) return stopped();
    return detail::describe_failure(std::current_exception(), false, timed_out);
  }
  const int code = resp.status_code();
  impl_->record("watch", resource, code, Clock::now() - t0);
  if (code != http::status_codes::OK) {
    std::string body;
    auto text = resp.extract_utf8string(true);
    if (detail::settle(text, Clock::now() + impl_->options.request_timeout, cts)) {
      try {
        body = text.get();
      } catch (...) {
      }
    }
    std::string retry_after;
    auto ra = resp.headers().find(U("Retry-After"));
    if (ra != resp.headers().end()) retry_after = utility::conversions::to_utf8string(ra->second);
    if (code == 401) impl_->tokens.invalidate();
    return ApiError::from_response(code, body, retry_after);
  }

  WatchEnd end;
  auto buf = resp.body().streambuf();
  std::string pending;
  std::vector<std::uint8_t> chunk(64 * 1024);
  bool failed = false;
  std::string failure;
  for (;;) {
    std::size_t n = 0;
    try {
      const std::size_t avail = buf.in_avail();
      n = buf.getn(chunk.data(), avail > 0 ? std::min(avail, chunk.size()) : 1).get();
    } catch (const std::exception& e) {
      failed = true;
      failure = e.what();
      break;
    } catch (...) {
      failed = true;
      failure = "the watch stream failed";
      break;
    }
    if (n == 0) break;  // end of the body (clean or not: content_ready says)
    pending.append(reinterpret_cast<const char*>(chunk.data()), n);
    std::size_t start = 0;
    for (std::size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string_view line(pending.data() + start, nl - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.empty()) continue;
      auto event = WatchEvent::parse(line);
      if (!event) {
        end.how = WatchEnd::How::Dropped;
        end.message = "the watch stream carried a line that is not a watch event: " + std::string(line.substr(0, 200));
        return end;
      }
      if (auto rv = event->resource_version(); !rv.empty()) end.last_resource_version = rv;
      ++end.events;
      on_event(std::move(*event));
      if (stop.stop_requested()) {
        end.how = WatchEnd::How::Stopped;
        return end;
      }
    }
    pending.erase(0, start);
  }
  if (stop.stop_requested()) {
    end.how = WatchEnd::How::Stopped;
    return end;
  }
  if (!failed) {
    // EOF: a clean end has a complete body; a cut connection completes it with an exception.
    auto done = resp.content_ready();
    if (!detail::settle(done, Clock::now() + std::chrono::seconds(5), cts)) {
      failed = true;
      failure = "the watch stream did not complete";
    } else {
      try {
        done.get();
      } catch (const std::exception& e) {
        failed = true;
        failure = e.what();
      } catch (...) {
        failed = true;
        failure = "the watch stream failed";
      }
    }
  }
  if (stop.stop_requested()) {
    end.how = WatchEnd::How::Stopped;
  } else if (failed) {
    end.how = WatchEnd::How::Dropped;
    end.message = failure;
  } else if (!pending.empty()) {
    end.how = WatchEnd::How::Dropped;
    end.message = "the watch stream ended in the middle of an event";
  } else {
    end.how = WatchEnd::How::Closed;
  }
  return end;
}

}  // namespace kindlyguard::client
