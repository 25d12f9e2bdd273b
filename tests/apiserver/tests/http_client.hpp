// A small Boost.Beast HTTP(S) client for the test server's own tests: plain requests and a watch
// stream read on a background thread (so tests wait on events, never on sleeps).
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace kta_test {

using nlohmann::json;
using namespace std::chrono_literals;

struct Response {
  int code = 0;
  std::string body;
  std::map<std::string, std::string> headers;  // lower-case names
  bool connect_failed = false;

  json js() const { return json::parse(body, nullptr, false); }
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct ClientOptions {
  bool tls = false;
  std::string ca_pem{};  // verify the server against this certificate when set
  std::string token{};
};

class HttpClient {
 public:
  HttpClient(unsigned short port, ClientOptions opts = {});

  Response request(const std::string& method, const std::string& target, const std::string& body = "",
                   const std::string& content_type = "application/json",
                   const std::map<std::string, std::string>& headers = {});
  Response get(const std::string& target, const std::string& accept = "application/json") {
    return request("GET", target, "", "", {{"Accept", accept}});
  }
  Response post(const std::string& target, const json& body) { return request("POST", target, body.dump()); }
  Response put(const std::string& target, const json& body) { return request("PUT", target, body.dump()); }
  Response patch(const std::string& target, const json& body,
                 const std::string& type = "application/merge-patch+json") {
    return request("PATCH", target, body.dump(), type);
  }
  Response del(const std::string& target, const json& body = nullptr) {
    return request("DELETE", target, body.is_null() ? "" : body.dump());
  }

 private:
  unsigned short port_;
  ClientOptions opts_;
};

class WatchStream {
 public:
  WatchStream(unsigned short port, const std::string& target, ClientOptions opts = {},
              const std::string& accept = "application/json");
  ~WatchStream();

  int status() const { return status_; }
  // The next event, or nullopt when none came within the timeout or the stream ended.
  std::optional<json> next(std::chrono::milliseconds timeout = 10s);
  // Waits until the stream has ended (connection closed or final chunk).
  bool wait_end(std::chrono::milliseconds timeout = 10s);
  bool ended() const;
  // True when the server finished the chunked body properly; false when the connection was cut.
  bool ended_cleanly() const;
  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int status_ = 0;
};

}  // namespace kta_test
