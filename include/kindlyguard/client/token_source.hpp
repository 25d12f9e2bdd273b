#pragma once
// The bearer token for each request. A static token, or a token file that is re-read when it
// changes: bound service account tokens are rotated by the kubelet (hourly) by swapping the
// projected volume's ..data symlink, so the file's identity (inode, mtime, size) changes. The
// file is looked at (stat) at most once per `check_interval`, re-read when it changed and in any
// case once per `max_age`, and at once after invalidate() (the client calls it after a 401).

#include <chrono>
#include <mutex>
#include <string>

#include <sys/types.h>

namespace kindlyguard::client {

class TokenSource {
 public:
  struct Options {
    std::chrono::milliseconds check_interval{1000};
    std::chrono::milliseconds max_age{60000};
  };

  explicit TokenSource(std::string static_token = {});
  // With a file, the file wins; the static token is the fallback while the file can't be read.
  TokenSource(std::string static_token, std::string token_file, Options options);
  TokenSource(std::string static_token, std::string token_file) : TokenSource(std::move(static_token), std::move(token_file), Options{}) {}

  // The current token ("" = send no Authorization header). Thread-safe.
  std::string token();
  // The next token() re-reads the file whatever the timers say.
  void invalidate();
  // How many times the file was read (for tests and metrics).
  std::size_t reads() const;
  bool has_file() const { return !file_.empty(); }

 private:
  void reload_locked(std::chrono::steady_clock::time_point now);

  const std::string static_token_;
  const std::string file_;
  const Options options_;
  mutable std::mutex mu_;
  std::string current_;
  bool loaded_ = false;
  bool invalid_ = false;
  std::chrono::steady_clock::time_point last_check_{};
  std::chrono::steady_clock::time_point last_read_{};
  // Identity of the file content last read.
  ino_t ino_ = 0;
  long long mtime_ns_ = 0;
  long long size_ = -1;
  std::size_t reads_ = 0;
};

}  // namespace kindlyguard::client
