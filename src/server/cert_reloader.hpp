#pragma once
// Private to src/server: the TLS context new connections get, and the watch on the certificate,
// key and client CA files that rebuilds it when they change (ServerOptions::cert_reload_interval).
//
// Why polling: Kubernetes updates Secret volumes by swapping a symlink, which inotify watches on
// the files miss; stat() follows the link. Why a failing pair is retried before it is reported:
// files change in steps (a certificate written before its key, a symlink swapped), so only a
// pair that still fails once the files have stopped changing is a failed reload. Either way the
// old context stays: a rotation mistake never takes the webhook down.
//
// Usage (HttpsServer): load() in start(), watch() once the server listens, context() for each
// new connection, status() for stats(), stop() in shutdown().

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "kindlyguard/util/result.hpp"
#include "tls.hpp"

namespace kindlyguard::server::detail {

struct CertFiles {
  std::string cert_file;       // PEM, leaf first
  std::string key_file;        // PEM private key
  std::string client_ca_file;  // "": no client authentication
};

// What the current context was built from and how loading went: a snapshot.
struct CertStatus {
  std::time_t not_after = 0;  // 0 when the certificate's own fields do not parse
  std::string serial_hex;     // uppercase hex, "" idem
  uint64_t loads = 0;            // successful loads, the first one included
  uint64_t reload_failures = 0;  // changed files that settled on a pair that does not load
};

class CertReloader {
 public:
  // Called with the certificate's notAfter after every successful load, the first one included
  // (on the watch's executor for reloads). Exceptions are swallowed.
  using OnLoaded = std::function<void(std::time_t not_after)>;

  // Reads the files and builds the first context. The watch's timer runs on `executor`, whose
  // thread then serialises every poll. The error names both files and says why they do not load.
  static Result<std::unique_ptr<CertReloader>> load(boost::asio::any_io_executor executor, CertFiles files,
                                                   OnLoaded on_loaded);

  // Polls the files every `interval` from now on; 0 or less: never. Call once.
  void watch(std::chrono::milliseconds interval);
  // Ends the watch; from any thread. A poll already running finishes, no other starts.
  void stop();

  // The context for a new connection; connections keep theirs across reloads.
  std::shared_ptr<boost::asio::ssl::context> context() const;
  CertStatus status() const;

 private:
  // A file as stat() sees it: a change of any field means the content may have changed.
  struct FileSig {
    bool exists = false;
    dev_t dev = 0;
    ino_t ino = 0;
    off_t size = 0;
    long mtime_s = 0, mtime_ns = 0, ctime_s = 0, ctime_ns = 0;
    bool operator==(const FileSig&) const = default;
  };
  struct Sigs {
    FileSig cert, key, client_ca;
    bool operator==(const Sigs&) const = default;
  };
  // A changed set of files that did not load; reported once they stop changing.
  struct PendingFailure {
    TlsMaterial material;
    bool reported = false;
  };

  CertReloader(boost::asio::any_io_executor executor, CertFiles files, OnLoaded on_loaded);

  Sigs stat_all() const;
  TlsMaterial read_material() const;
  void install(std::shared_ptr<boost::asio::ssl::context> context, TlsMaterial material);
  void schedule();
  void poll();

  const CertFiles files_;
  const OnLoaded on_loaded_;
  std::chrono::milliseconds interval_{0};

  // What new connections get, and what it was built from.
  mutable std::mutex mu_;
  std::shared_ptr<boost::asio::ssl::context> context_;
  std::time_t not_after_ = 0;
  std::string serial_hex_;
  std::atomic<uint64_t> loads_{0}, reload_failures_{0};

  // Watch state, touched only by load() and then the timer's handler (one at a time).
  Sigs last_sigs_{};
  TlsMaterial current_;
  std::optional<PendingFailure> pending_;

  std::atomic<bool> stopped_{false};
  boost::asio::steady_timer timer_;
};

}  // namespace kindlyguard::server::detail
