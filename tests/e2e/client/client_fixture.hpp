#pragma once
// A test API server and an ApiClient pointed at it, for the client integration tests; and a
// small event recorder whose waits are event-driven (condition variable, generous deadlines).

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindly_test_apiserver/server.hpp"
#include "kindlyguard/client/api_client.hpp"

namespace kindlyguard::client::e2e {

using json = nlohmann::json;
using namespace std::chrono_literals;

inline json pod(const std::string& name, const std::string& ns = "default", json labels = {{"app", "web"}}) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "registry.example.com/web:1"}}})}}}};
}

// A fault rule (FaultRule has members without defaults, which designated initialisers would
// leave to -Wmissing-field-initializers).
inline kindly::testapi::FaultRule fault(const std::string& verb, const std::string& resource, int code, int count,
                                        int retry_after_seconds = 1) {
  kindly::testapi::FaultRule r;
  r.verb = verb;
  r.resource = resource;
  r.code = code;
  r.count = count;
  r.retry_after_seconds = retry_after_seconds;
  return r;
}

inline std::string rv_of(const json& obj) { return obj["metadata"].value("resourceVersion", ""); }

class ClientTest : public ::testing::Test {
 protected:
  ClientTest() { server_options.watch_poll = 100ms; }

  // Subclasses adjust these in their constructor.
  kindly::testapi::ServerOptions server_options;
  ClientOptions client_options;

  void SetUp() override {
    api = std::make_unique<kindly::testapi::TestApiServer>(server_options);
    api->start();
    client = make_client();
  }
  void TearDown() override {
    client.reset();
    if (api) api->stop();
  }

  std::unique_ptr<ApiClient> make_client(ClusterConfig cfg = {}) {
    if (cfg.server.empty()) cfg.server = api->url();
    client_options.retry_backoff.initial = 50ms;
    client_options.on_request = [this](const RequestMetric& m) {
      {
        std::lock_guard lock(metrics_mu);
        metrics.push_back(m);
      }
      if (on_request_hook) on_request_hook(m);
    };
    auto c = ApiClient::create(cfg, client_options);
    EXPECT_TRUE(c.ok()) << (c.ok() ? "" : c.error().to_string());
    return c.ok() ? std::move(*c) : nullptr;
  }

  std::vector<RequestMetric> recorded() {
    std::lock_guard lock(metrics_mu);
    return metrics;
  }

  std::unique_ptr<kindly::testapi::TestApiServer> api;
  std::unique_ptr<ApiClient> client;
  std::mutex metrics_mu;
  std::vector<RequestMetric> metrics;
  std::function<void(const RequestMetric&)> on_request_hook;  // runs on the requesting thread
};

// Records strings ("ADDED default/a", ...) from any thread; waits until a condition holds.
class Recorder {
 public:
  void add(std::string s) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(s));
    }
    cv_.notify_all();
  }
  std::vector<std::string> items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  bool wait(const std::function<bool(const std::vector<std::string>&)>& pred,
            std::chrono::milliseconds timeout = 20s) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return pred(items_); });
  }
  bool wait_for(const std::string& item, std::chrono::milliseconds timeout = 20s) const {
    return wait([&](const auto& v) { return std::find(v.begin(), v.end(), item) != v.end(); }, timeout);
  }
  void clear() {
    std::lock_guard lock(mu_);
    items_.clear();
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> items_;
};

}  // namespace kindlyguard::client::e2e
