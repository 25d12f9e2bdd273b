// Bearer token from a file that the kubelet rotates: stat at most once per check interval,
// re-read on a change of inode/mtime/size, after max_age, or after invalidate().
#include "kindlyguard/client/token_source.hpp"

#include <fstream>
#include <sstream>

#include <sys/stat.h>

#include "kindlyguard/util/log.hpp"

namespace kindlyguard::client {
namespace {

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

}  // namespace

TokenSource::TokenSource(std::string static_token) : static_token_(trim(std::move(static_token))) {}

TokenSource::TokenSource(std::string static_token, std::string token_file, Options options)
    : static_token_(trim(std::move(static_token))), file_(std::move(token_file)), options_(options) {}

std::string TokenSource::token() {
  if (file_.empty()) return static_token_;
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (!loaded_ || invalid_ || now - last_read_ >= options_.max_age) {
    reload_locked(now);
  } else if (now - last_check_ >= options_.check_interval) {
    last_check_ = now;
    struct stat st {};
    if (::stat(file_.c_str(), &st) == 0) {
      const long long mtime = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
      if (st.st_ino != ino_ || mtime != mtime_ns_ || static_cast<long long>(st.st_size) != size_) reload_locked(now);
    }
  }
  return current_.empty() ? static_token_ : current_;
}

void TokenSource::reload_locked(std::chrono::steady_clock::time_point now) {
  last_check_ = now;
  struct stat st {};
  const bool statted = ::stat(file_.c_str(), &st) == 0;
  std::ifstream in(file_, std::ios::binary);
  if (!statted || !in) {
    // Keep the last good token: a rotation in progress must not log us out.
    if (!loaded_ || invalid_) log::warn("cannot read the bearer token file", {{"file", file_}});
    loaded_ = true;
    invalid_ = false;
    last_read_ = now;
    return;
  }
  std::ostringstream text;
  text << in.rdbuf();
  std::string fresh = trim(text.str());
  ++reads_;
  if (!fresh.empty()) current_ = std::move(fresh);
  ino_ = st.st_ino;
  mtime_ns_ = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  size_ = static_cast<long long>(st.st_size);
  loaded_ = true;
  invalid_ = false;
  last_read_ = now;
}

void TokenSource::invalidate() {
  std::lock_guard lock(mu_);
  invalid_ = true;
}

std::size_t TokenSource::reads() const {
  std::lock_guard lock(mu_);
  return reads_;
}

}  // namespace kindlyguard::client
