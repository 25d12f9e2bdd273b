// ApiClient::watch against the test API server: events arrive while the stream is open, bookmarks,
// the server's clean end, 410 for a compacted resourceVersion, drops, a dead (silent) stream and
// a prompt stop.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client_fixture.hpp"

namespace kindlyguard::client::e2e {
namespace {

using Clock = std::chrono::steady_clock;

class WatchTest : public ClientTest {
 protected:
  // Runs a watch on its own thread, recording "TYPE name" per event.
  struct Running {
    Recorder events;
    std::stop_source stop;
    std::future<ApiResult<WatchEnd>> result;
    std::atomic<std::size_t> bookmarks{0};
    std::string last_rv;
  };

  bool watch_closed() {
    return api->store().wait_for([](const kindly::testapi::StoreView& v) { return v.watch_count("pods") == 0; }, 10s);
  }

  std::unique_ptr<Running> start_watch(WatchOptions o, const std::string& ns = "default") {
    auto r = std::make_unique<Running>();
    Running* raw = r.get();
    r->result = std::async(std::launch::async, [this, raw, o, ns] {
      return client->watch(resources::pods, ns, o, [raw](WatchEvent&& e) {
        if (e.type == WatchEvent::Type::Bookmark) ++raw->bookmarks;
        const std::string name = e.object.contains("metadata") ? e.object["metadata"].value("name", "") : "";
        raw->events.add(std::string(e.type_name()) + " " + name);
      }, raw->stop.get_token());
    });
    return r;
  }
};

TEST_F(WatchTest, EventsArriveWhileTheStreamIsOpen) {
  auto list = client->list(resources::pods, "default");
  ASSERT_TRUE(list.ok());
  WatchOptions o;
  o.resource_version = (*list)["metadata"]["resourceVersion"];
  auto w = start_watch(o);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));

  ASSERT_TRUE(client->create(resources::pods, pod("a")).ok());
  ASSERT_TRUE(w->events.wait_for("ADDED a"));  // delivered now, not when the stream ends
  ASSERT_TRUE(client->patch(resources::pods, "default", "a", PatchType::Merge, {{"metadata", {{"labels", {{"v", "2"}}}}}}).ok());
  ASSERT_TRUE(w->events.wait_for("MODIFIED a"));
  ASSERT_TRUE(client->remove(resources::pods, "default", "a").ok());
  ASSERT_TRUE(w->events.wait_for("DELETED a"));
  EXPECT_EQ(w->result.wait_for(0s), std::future_status::timeout);  // still open

  const auto t0 = Clock::now();
  w->stop.request_stop();
  auto end = w->result.get();
  EXPECT_LT(Clock::now() - t0, 3s);
  ASSERT_TRUE(end.ok()) << end.error().to_string();
  EXPECT_EQ(end->how, WatchEnd::How::Stopped);
  EXPECT_EQ(end->events, 3u);
  EXPECT_TRUE(watch_closed());
}

TEST_F(WatchTest, WithoutAResourceVersionTheCurrentStateComesFirst) {
  ASSERT_TRUE(client->create(resources::pods, pod("existing")).ok());
  auto w = start_watch({});
  ASSERT_TRUE(w->events.wait_for("ADDED existing"));
  w->stop.request_stop();
  EXPECT_TRUE(w->result.get().ok());
}

TEST_F(WatchTest, ServerTimeoutEndsTheStreamCleanlyWithABookmark) {
  WatchOptions o;
  o.timeout_seconds = 1;
  o.resource_version = std::to_string(api->store().resource_version());
  auto w = start_watch(o);
  ASSERT_EQ(w->result.wait_for(20s), std::future_status::ready);
  auto end = w->result.get();
  ASSERT_TRUE(end.ok()) << end.error().to_string();
  EXPECT_EQ(end->how, WatchEnd::How::Closed);
  EXPECT_GE(w->bookmarks.load(), 1u);  // the bookmark before a timeout
  EXPECT_FALSE(end->last_resource_version.empty());
}

TEST_F(WatchTest, PeriodicBookmarksAdvanceTheResourceVersion) {
  api->set_bookmark_interval(200ms);
  WatchOptions o;
  o.resource_version = std::to_string(api->store().resource_version());
  auto w = start_watch(o);
  ASSERT_TRUE(w->events.wait([&](const auto&) { return w->bookmarks.load() >= 2; }));
  // A write to another resource moves the global resourceVersion; the next bookmark carries it.
  ASSERT_TRUE(client->create(resources::leases, {{"metadata", {{"name", "x"}, {"namespace", "default"}}}, {"spec", json::object()}}).ok());
  const std::uint64_t after = api->store().resource_version();
  const std::size_t seen = w->bookmarks.load();
  ASSERT_TRUE(w->events.wait([&](const auto&) { return w->bookmarks.load() >= seen + 2; }));
  w->stop.request_stop();
  auto end = w->result.get();
  ASSERT_TRUE(end.ok());
  EXPECT_GE(std::stoull(end->last_resource_version), after);
}

TEST_F(WatchTest, CompactedResourceVersionIsAnExpiredErrorEvent) {
  ASSERT_TRUE(client->create(resources::pods, pod("a")).ok());
  ASSERT_TRUE(client->create(resources::pods, pod("b")).ok());
  api->compact();
  ASSERT_TRUE(client->create(resources::pods, pod("c")).ok());
  WatchOptions o;
  o.resource_version = "1";
  ApiError error;
  auto end = client->watch(resources::pods, "default", o, [&](WatchEvent&& e) {
    if (e.type == WatchEvent::Type::Error) error = e.error();
  });
  ASSERT_TRUE(end.ok()) << end.error().to_string();
  EXPECT_EQ(end->how, WatchEnd::How::Closed);
  EXPECT_TRUE(error.is_gone()) << error.to_string();
  EXPECT_EQ(error.code, 410);
}

TEST_F(WatchTest, RefusedWatchIsAnApiError) {
  api->faults().add(fault("watch", "pods", 403, 1));
  auto end = client->watch(resources::pods, "default", {}, [](WatchEvent&&) {});
  ASSERT_FALSE(end.ok());
  EXPECT_TRUE(end.error().is_forbidden()) << end.error().to_string();
}

TEST_F(WatchTest, DroppedConnectionIsReported) {
  WatchOptions o;
  o.resource_version = std::to_string(api->store().resource_version());
  auto w = start_watch(o);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  ASSERT_TRUE(client->create(resources::pods, pod("a")).ok());
  ASSERT_TRUE(w->events.wait_for("ADDED a"));
  EXPECT_EQ(api->drop_watches("pods"), 1u);
  ASSERT_EQ(w->result.wait_for(20s), std::future_status::ready);
  auto end = w->result.get();
  ASSERT_TRUE(end.ok()) << end.error().to_string();
  EXPECT_EQ(end->how, WatchEnd::How::Dropped) << end->message;
  EXPECT_EQ(end->events, 1u);
}

// A server that answers a watch with its headers and then says nothing, ever: what a dead
// connection (a node gone, a silent middlebox) looks like.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      char buf[4096];
      std::string req;
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(c, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<std::size_t>(n));
      }
      const std::string head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
      (void)!::write(c, head.data(), head.size());
      client_fd_ = c;
    });
  }
  ~SilentServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
    if (client_fd_ >= 0) ::close(client_fd_);
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  std::atomic<int> client_fd_{-1};
  int port_ = 0;
  std::thread thread_;
};

TEST_F(WatchTest, SilentStreamIsCutAfterTheIdleLimit) {
  SilentServer silent;
  ClusterConfig cfg;
  cfg.server = "http://127.0.0.1:" + std::to_string(silent.port());
  auto c = make_client(cfg);
  WatchOptions o;
  o.timeout_seconds = 1;           // the server should have ended it after 1 s...
  o.idle_slack = std::chrono::seconds(1);  // ...so after 2 s of silence it is dead
  const auto t0 = Clock::now();
  auto end = c->watch(resources::pods, "default", o, [](WatchEvent&&) {});
  const auto took = Clock::now() - t0;
  ASSERT_TRUE(end.ok()) << end.error().to_string();
  EXPECT_EQ(end->how, WatchEnd::How::Dropped);
  EXPECT_GE(took, 1500ms);
  EXPECT_LT(took, 20s);
}

TEST_F(WatchTest, StopEndsAQuietWatchPromptly) {
  WatchOptions o;
  o.resource_version = std::to_string(api->store().resource_version());
  auto w = start_watch(o);
  ASSERT_TRUE(api->store().wait_for_watches("pods", 1, 10s));
  const auto t0 = Clock::now();
  w->stop.request_stop();
  ASSERT_EQ(w->result.wait_for(10s), std::future_status::ready);
  EXPECT_LT(Clock::now() - t0, 2s);
  auto end = w->result.get();
  ASSERT_TRUE(end.ok());
  EXPECT_EQ(end->how, WatchEnd::How::Stopped);
  EXPECT_TRUE(watch_closed());  // the connection was really closed: the server noticed
}

}  // namespace
}  // namespace kindlyguard::client::e2e
