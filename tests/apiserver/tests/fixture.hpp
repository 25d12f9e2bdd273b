// Shared by the test files: a fixture that runs a TestApiServer and object builders.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "http_client.hpp"
#include "kindly_test_apiserver/server.hpp"

namespace kta_test {

using kindly::testapi::ServerOptions;
using kindly::testapi::TestApiServer;

inline json pod(const std::string& name, const std::string& ns = "default", json labels = json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "Pod"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}},
          {"spec", {{"containers", json::array({{{"name", "app"}, {"image", "nginx:1.25"}}})}}}};
}

inline json secpol(const std::string& name, const std::string& enforcement = "Deny") {
  return {{"apiVersion", "kindlyguard.io/v1alpha1"},
          {"kind", "SecurityPolicy"},
          {"metadata", {{"name", name}}},
          {"spec", {{"enforcement", enforcement}, {"rules", {{"runAsNonRoot", true}}}}}};
}

inline json ns_obj(const std::string& name) {
  return {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}};
}

inline std::string rv_of(const json& obj) { return obj["metadata"].value("resourceVersion", ""); }
inline unsigned long long rv_num(const json& obj) { return std::stoull(rv_of(obj)); }

constexpr const char* kPods = "/api/v1/namespaces/default/pods";
constexpr const char* kSecpols = "/apis/kindlyguard.io/v1alpha1/securitypolicies";

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override { start(ServerOptions{}); }
  void TearDown() override {
    if (api) api->stop();
  }

  void start(ServerOptions opts) {
    if (api) api->stop();
    api = std::make_unique<TestApiServer>(std::move(opts));
    api->start();
  }

  HttpClient client(ClientOptions o = {}) { return HttpClient(api->port(), std::move(o)); }
  std::unique_ptr<WatchStream> watch(const std::string& target, ClientOptions o = {},
                                     const std::string& accept = "application/json") {
    return std::make_unique<WatchStream>(api->port(), target, std::move(o), accept);
  }

  std::unique_ptr<TestApiServer> api;
};

}  // namespace kta_test
