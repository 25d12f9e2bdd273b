// The serving certificate's watch: stat signatures first (cheap, every poll), the file contents
// only when a signature changed, a new TLS context only when the contents did.

#include "cert_reloader.hpp"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <boost/asio/post.hpp>

#include "kindlyguard/certs/certs.hpp"
#include "kindlyguard/util/log.hpp"

namespace kindlyguard::server::detail {
namespace {

bool read_text(const std::string& path, std::string& out, std::string& error) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    error = "cannot read " + path;
    return false;
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  out = ss.str();
  return true;
}

std::string rfc3339(std::time_t t) {
  char when[32] = "";
  struct tm tm {};
  if (gmtime_r(&t, &tm)) std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return when;
}

}  // namespace

CertReloader::CertReloader(boost::asio::any_io_executor executor, CertFiles files, OnLoaded on_loaded)
    : files_(std::move(files)), on_loaded_(std::move(on_loaded)), timer_(std::move(executor)) {}

Result<std::unique_ptr<CertReloader>> CertReloader::load(boost::asio::any_io_executor executor, CertFiles files,
                                                         OnLoaded on_loaded) {
  std::unique_ptr<CertReloader> r(new CertReloader(std::move(executor), std::move(files), std::move(on_loaded)));
  r->last_sigs_ = r->stat_all();
  auto material = r->read_material();
  auto context = make_server_context(material);
  if (!context)
    return Error{"cannot load TLS certificate " + r->files_.cert_file + " and key " + r->files_.key_file + ": " +
                     context.error().message,
                 ""};
  r->install(std::move(*context), std::move(material));
  return r;
}

void CertReloader::watch(std::chrono::milliseconds interval) {
  interval_ = interval;
  schedule();
}

void CertReloader::stop() {
  stopped_ = true;
  boost::asio::post(timer_.get_executor(), [this] { timer_.cancel(); });
}

std::shared_ptr<boost::asio::ssl::context> CertReloader::context() const {
  std::lock_guard lk(mu_);
  return context_;
}

CertStatus CertReloader::status() const {
  CertStatus s;
  s.loads = loads_;
  s.reload_failures = reload_failures_;
  std::lock_guard lk(mu_);
  s.not_after = not_after_;
  s.serial_hex = serial_hex_;
  return s;
}

CertReloader::Sigs CertReloader::stat_all() const {
  auto sig = [](const std::string& path) {
    FileSig s;
    if (path.empty()) return s;
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return s;  // stat follows the ..data symlink of Secret volumes
    s.exists = true;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = st.st_size;
    s.mtime_s = st.st_mtim.tv_sec;
    s.mtime_ns = st.st_mtim.tv_nsec;
    s.ctime_s = st.st_ctim.tv_sec;
    s.ctime_ns = st.st_ctim.tv_nsec;
    return s;
  };
  return {sig(files_.cert_file), sig(files_.key_file), sig(files_.client_ca_file)};
}

TlsMaterial CertReloader::read_material() const {
  TlsMaterial m;
  if (!read_text(files_.cert_file, m.cert_pem, m.error) || !read_text(files_.key_file, m.key_pem, m.error) ||
      (!files_.client_ca_file.empty() && !read_text(files_.client_ca_file, m.client_ca_pem, m.error))) {
    m.cert_pem.clear();
    m.key_pem.clear();
    m.client_ca_pem.clear();
  }
  return m;
}

void CertReloader::install(std::shared_ptr<boost::asio::ssl::context> context, TlsMaterial material) {
  auto info = certs::parse_certificate(material.cert_pem);
  {
    std::lock_guard lk(mu_);
    context_ = std::move(context);
    not_after_ = info ? info->not_after : 0;
    serial_hex_ = info ? info->serial_hex : "";
  }
  current_ = std::move(material);
  loads_++;
  if (on_loaded_) {
    try {
      on_loaded_(info ? info->not_after : 0);
    } catch (...) {
    }
  }
}

void CertReloader::schedule() {
  if (interval_ <= std::chrono::milliseconds(0)) return;
  timer_.expires_after(interval_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec || stopped_) return;
    try {
      poll();
    } catch (const std::exception& e) {
      log::error("tls certificate reload check failed", {{"error", e.what()}});
    }
    schedule();
  });
}

void CertReloader::poll() {
  auto sigs = stat_all();
  bool changed = sigs != last_sigs_;
  if (!changed && (!pending_ || pending_->reported)) return;
  last_sigs_ = sigs;
  auto material = read_material();
  if (material == current_) {
    pending_.reset();
    return;
  }
  if (pending_ && pending_->reported && pending_->material == material) return;
  auto context = make_server_context(material);
  if (context) {
    install(std::move(*context), std::move(material));
    pending_.reset();
    auto now = status();
    log::info("tls certificate reloaded",
              {{"cert_file", files_.cert_file}, {"serial", now.serial_hex}, {"not_after", rfc3339(now.not_after)}});
    return;
  }
  if (pending_ && pending_->material == material) {
    pending_->reported = true;
    reload_failures_++;
    log::warn("tls certificate reload failed, still serving the previous certificate",
              {{"cert_file", files_.cert_file}, {"key_file", files_.key_file}, {"error", context.error().to_string()}});
  } else {
    pending_ = PendingFailure{std::move(material), false};
    log::debug("tls files changed but do not load yet, retrying", {{"error", context.error().to_string()}});
  }
}

}  // namespace kindlyguard::server::detail
