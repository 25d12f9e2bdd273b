// loadgen: HTTPS load for an admission webhook, POST /validate with AdmissionReviews from files.
//
//   loadgen --url https://127.0.0.1:8443/validate --reviews bench/reviews
//           [--rate 1000]        requests per second, open loop (constant arrival rate); 0: saturation
//           [--connections 25]   keep-alive TLS connections (with --churn: requests in flight at most)
//           [--duration 30] [--warmup 3]   seconds; the warm-up is sent but not recorded
//           [--churn]            a new TLS connection per request (Connection: close)
//           [--threads 1]        client I/O threads, each with its share of connections and rate
//           [--check-decisions]  *-compliant.json must be allowed, *-violating.json denied
//           [--summary FILE]     key=value lines for scripts; [--hgrm FILE] the percentile spectrum
//           [--label TEXT]
//
// Open loop: request i is due at start + i/rate whatever happened to the earlier ones. A due
// request goes out on an idle connection, or waits in a queue until one frees up; its latency is
// measured from when it was due, not from when it could be sent, so a stalled server shows up as
// the latency its callers would have seen (coordinated omission corrected, as wrk2 does). After
// the run, queued and in-flight requests are still completed (and recorded) for up to 10 s.
// Saturation (--rate 0): closed loop, every connection sends its next request as soon as it has
// the answer; latency is then the service time, and the achieved rate the throughput.
//
// Every request carries a fresh uid (the last 12 hex digits of request.uid are rewritten), as
// the API server's do. Requests cycle through the review files in name order; percentiles are
// printed for all of them together and for each file.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using Clock = std::chrono::steady_clock;
using std::chrono::nanoseconds;

constexpr std::chrono::seconds kRequestTimeout{10};
constexpr std::chrono::seconds kDrainTimeout{10};
constexpr std::chrono::milliseconds kReconnectDelay{50};

// ---------------------------------------------------------------------------------------------
// An HDR-style histogram of nanoseconds: exact below 256 ns, then 128 linear sub-buckets per
// power of two (relative error under 0.8%), up to 2^40 ns (18 minutes).
class Histogram {
 public:
  static constexpr int kSubBits = 8;
  static constexpr uint64_t kHalf = 1u << (kSubBits - 1);
  static constexpr int kMaxShift = 40 - kSubBits + 1;

  Histogram() : counts_(index(uint64_t{1} << 40) + 1, 0) {}

  void record(uint64_t ns) {
    ns = std::min<uint64_t>(ns, (uint64_t{1} << 40) - 1);
    counts_[index(ns)]++;
    total_++;
    sum_ += static_cast<double>(ns);
    max_ = std::max(max_, ns);
    min_ = std::min(min_, ns);
  }

  void merge(const Histogram& o) {
    for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    sum_ += o.sum_;
    max_ = std::max(max_, o.max_);
    min_ = std::min(min_, o.min_);
  }

  uint64_t count() const { return total_; }
  uint64_t max() const { return total_ ? max_ : 0; }
  uint64_t min() const { return total_ ? min_ : 0; }
  double mean() const { return total_ ? sum_ / static_cast<double>(total_) : 0; }

  // The smallest recorded value v such that a fraction q of the values are <= v (at the
  // bucket's upper edge, capped at the exact maximum).
  uint64_t percentile(double q) const {
    if (total_ == 0) return 0;
    auto want = static_cast<uint64_t>(std::ceil(q * static_cast<double>(total_)));
    want = std::clamp<uint64_t>(want, 1, total_);
    uint64_t seen = 0;
    for (size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= want) return std::min(upper(i), max_);
    }
    return max_;
  }

  // HdrHistogram's .hgrm text (values in milliseconds), readable by its plotters.
  std::string hgrm() const {
    std::ostringstream out;
    char line[160];
    std::snprintf(line, sizeof line, "%12s %14s %10s %14s\n\n", "Value", "Percentile", "TotalCount", "1/(1-Percentile)");
    out << line;
    if (total_ > 0) {
      uint64_t seen = 0;
      for (size_t i = 0; i < counts_.size(); ++i) {
        if (counts_[i] == 0) continue;
        seen += counts_[i];
        double p = static_cast<double>(seen) / static_cast<double>(total_);
        double inv = p < 1 ? 1 / (1 - p) : INFINITY;
        std::snprintf(line, sizeof line, "%12.3f %14.12f %10" PRIu64 " %14.2f\n",
                      static_cast<double>(std::min(upper(i), max_)) / 1e6, p, seen, inv);
        out << line;
      }
    }
    std::snprintf(line, sizeof line, "#[Mean    = %12.3f, StdDeviation   = %12.3f]\n", mean() / 1e6, 0.0);
    out << line;
    std::snprintf(line, sizeof line, "#[Max     = %12.3f, Total count    = %12" PRIu64 "]\n",
                  static_cast<double>(max()) / 1e6, total_);
    out << line;
    return out.str();
  }

 private:
  static size_t index(uint64_t v) {
    if (v < 2 * kHalf) return static_cast<size_t>(v);
    int msb = 63 - __builtin_clzll(v);
    int shift = msb - (kSubBits - 1);
    uint64_t top = v >> shift;  // [kHalf, 2*kHalf)
    return static_cast<size_t>(2 * kHalf + static_cast<uint64_t>(shift - 1) * kHalf + (top - kHalf));
  }
  static uint64_t upper(size_t i) {
    if (i < 2 * kHalf) return i;
    uint64_t j = i - 2 * kHalf;
    int shift = static_cast<int>(j / kHalf) + 1;
    uint64_t top = kHalf + j % kHalf;
    return ((top + 1) << shift) - 1;
  }

  std::vector<uint64_t> counts_;
  uint64_t total_ = 0;
  double sum_ = 0;
  uint64_t max_ = 0;
  uint64_t min_ = UINT64_MAX;
};

// ---------------------------------------------------------------------------------------------

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8443";
  std::string target = "/validate?timeout=10s";
  std::string reviews;
  double rate = 1000;
  int connections = 25;
  double duration = 30;
  double warmup = 3;
  bool churn = false;
  int threads = 1;
  bool check_decisions = false;
  std::string summary;
  std::string hgrm;
  std::string label;
};

struct Template {
  std::string name;
  std::string bytes;      // the whole HTTP request, head and body
  size_t uid_tail = 0;    // offset of the uid's last 12 hex digits in `bytes`
  int expect = -1;        // 1 allowed, 0 denied, -1 not checked
};

std::vector<Template> load_templates(const Options& o) {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(o.reviews))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<Template> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
    Template t;
    t.name = f.filename().string();
    std::string head = "POST " + o.target + " HTTP/1.1\r\nHost: " + o.host + ":" + o.port +
                       "\r\nUser-Agent: kube-apiserver-admission\r\nContent-Length: " + std::to_string(body.size()) +
                       "\r\nAccept: application/json, */*\r\nContent-Type: application/json\r\nAccept-Encoding: gzip\r\n";
    if (o.churn) head += "Connection: close\r\n";
    head += "\r\n";
    t.bytes = head + body;
    auto req = t.bytes.find("\"request\":{");
    auto uid = req == std::string::npos ? req : t.bytes.find("\"uid\":\"", req);
    if (uid == std::string::npos || uid + 7 + 36 > t.bytes.size() || t.bytes[uid + 7 + 36] != '"')
      throw std::runtime_error(t.name + ": no request.uid of 36 characters");
    t.uid_tail = uid + 7 + 24;
    if (t.name.find("compliant") != std::string::npos) t.expect = 1;
    if (t.name.find("violating") != std::string::npos) t.expect = 0;
    out.push_back(std::move(t));
  }
  if (out.empty()) throw std::runtime_error("no *.json reviews in " + o.reviews);
  return out;
}

class Worker;

class Conn {
 public:
  explicit Conn(Worker& w);
  void open();                            // connect + handshake, then tell the worker it is idle
  void send(Clock::time_point intended);  // connects first when needed (churn)
  void shutdown() {
    stopping_ = true;
    close();
  }
  bool busy() const { return busy_; }

 private:
  void on_connect(beast::error_code ec);
  void on_handshake(beast::error_code ec);
  void write();
  void on_write(beast::error_code ec, size_t);
  void on_read(beast::error_code ec, size_t);
  void fail(const char* what, beast::error_code ec);
  void close() {
    if (!stream_) return;
    beast::error_code ignored;
    beast::get_lowest_layer(*stream_).socket().close(ignored);
    connected_ = false;
  }

  Worker& w_;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> stream_;
  beast::flat_buffer buf_;
  std::optional<http::response_parser<http::string_body>> parser_;
  std::string req_;
  int tmpl_ = 0;
  Clock::time_point intended_{};
  bool has_request_ = false;
  bool connected_ = false;
  bool busy_ = false;
  bool stopping_ = false;
  net::steady_timer retry_;
};

struct Counters {
  uint64_t completed = 0;        // answered, recorded or not
  uint64_t in_window = 0;        // answers received within [measure_start, end]
  uint64_t errors = 0;
  uint64_t unsent = 0;           // due but never completed (drain timeout)
  std::map<std::string, uint64_t> error_kinds;
  uint64_t handshakes = 0;

  void merge(const Counters& o) {
    completed += o.completed;
    in_window += o.in_window;
    errors += o.errors;
    unsent += o.unsent;
    handshakes += o.handshakes;
    for (const auto& [k, v] : o.error_kinds) error_kinds[k] += v;
  }
};

class Worker {
 public:
  Worker(const Options& o, const std::vector<Template>& t, tcp::endpoint ep, int connections, double rate, int index)
      : opts(o), templates(t), endpoint(ep), ctx(ssl::context::tls_client), rate_(rate), index_(index), timer_(ioc) {
    ctx.set_verify_mode(ssl::verify_none);
    SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
    for (int i = 0; i < connections; ++i) conns_.push_back(std::make_unique<Conn>(*this));
  }

  // Phase 1 (keep-alive): open every connection; returns when all are up or failed.
  void connect_all() {
    for (auto& c : conns_) c->open();
    auto deadline = Clock::now() + std::chrono::seconds(10);
    while (static_cast<int>(idle_.size()) + failed_opens_ < static_cast<int>(conns_.size()) && Clock::now() < deadline)
      ioc.run_one_for(std::chrono::milliseconds(100));
  }

  // Phase 2: the load, from `start` (shared by all workers) for the run's duration.
  void run(Clock::time_point start, Clock::time_point measure_start, Clock::time_point end) {
    // Workers interleave their arrivals instead of sending in step.
    start_ = rate_ > 0 ? start + nanoseconds(static_cast<int64_t>(1e9 / rate_ * index_ / opts.threads)) : start;
    measure_start_ = measure_start;
    end_ = end;
    loading_ = true;
    if (opts.churn)  // every slot is free
      for (auto& c : conns_)
        if (std::find(idle_.begin(), idle_.end(), c.get()) == idle_.end()) idle_.push_back(c.get());
    failed_opens_ = 0;
    timer_.expires_at(start_);
    timer_.async_wait([this](beast::error_code) { tick(); });
    ioc.restart();
    ioc.run();
  }

  // Called by a connection that can take a request.
  void on_idle(Conn* c) {
    if (!loading_) {
      idle_.push_back(c);
      return;
    }
    if (rate_ <= 0) {  // saturation: closed loop until the end
      auto now = Clock::now();
      if (now < end_) return c->send(now);
      idle_.push_back(c);
      return maybe_finish();
    }
    if (!queue_.empty()) {
      auto due = queue_.front();
      queue_.pop_front();
      return c->send(due);
    }
    idle_.push_back(c);
    maybe_finish();
  }

  void on_open_failed() { failed_opens_++; }

  void on_answer(int tmpl, Clock::time_point intended, Clock::time_point now, bool ok) {
    in_flight_--;
    counters.completed++;
    if (now >= measure_start_ && now <= end_) counters.in_window++;
    if (ok && intended >= measure_start_ && intended < end_) {
      auto ns = static_cast<uint64_t>(std::chrono::duration_cast<nanoseconds>(now - intended).count());
      hist.record(ns);
      per_template[static_cast<size_t>(tmpl)].record(ns);
    }
  }

  void on_error(const std::string& kind, bool request_lost) {
    counters.errors++;
    counters.error_kinds[kind]++;
    if (request_lost) in_flight_--;
  }

  // A request that failed is not retried, but its connection comes back (reconnected).
  int next_template() { return static_cast<int>((seq_++ + static_cast<uint64_t>(index_) * 7919) % templates.size()); }
  uint64_t next_uid() { return (static_cast<uint64_t>(index_) << 40) | ++uid_; }
  void started() { in_flight_++; }
  bool loading() const { return loading_; }
  Clock::time_point end() const { return end_; }

  const Options& opts;
  const std::vector<Template>& templates;
  tcp::endpoint endpoint;
  net::io_context ioc{1};
  ssl::context ctx;
  Histogram hist;
  std::vector<Histogram> per_template = std::vector<Histogram>(templates.size());
  Counters counters;

 private:
  void tick() {
    auto now = Clock::now();
    if (rate_ <= 0) {
      // Saturation: start every idle connection, then watch for the end.
      std::deque<Conn*> ready;
      ready.swap(idle_);
      for (auto* c : ready) on_idle(c);
      timer_.expires_at(end_);
      timer_.async_wait([this](beast::error_code) { at_end(); });
      return;
    }
    auto interval = nanoseconds(static_cast<int64_t>(1e9 / rate_));
    for (;;) {
      auto due = start_ + interval * static_cast<int64_t>(scheduled_);
      if (due > now || due >= end_) break;
      scheduled_++;
      if (!idle_.empty()) {
        // The longest-idle connection first (round robin), not the most recent: the webhook
        // closes a connection that has carried no request 10 s after its handshake
        // (first_request_timeout), and a LIFO pool at a rate the first few connections can
        // carry would leave the others unused until then, to fail on their first use later.
        // Go's transport would notice that close and redial; this generator does not.
        Conn* c = idle_.front();
        idle_.pop_front();
        c->send(due);
      } else {
        queue_.push_back(due);
      }
    }
    auto next = start_ + interval * static_cast<int64_t>(scheduled_);
    if (next < end_) {
      timer_.expires_at(next);
      timer_.async_wait([this](beast::error_code) { tick(); });
    } else {
      timer_.expires_at(end_);
      timer_.async_wait([this](beast::error_code) { at_end(); });
    }
  }

  void at_end() {
    ended_ = true;
    timer_.expires_at(end_ + kDrainTimeout);
    timer_.async_wait([this](beast::error_code ec) {
      if (ec) return;
      counters.unsent += queue_.size() + static_cast<uint64_t>(std::max<int64_t>(in_flight_, 0));
      if (!queue_.empty() || in_flight_ > 0) counters.error_kinds["drain_timeout"] += queue_.size() + static_cast<uint64_t>(in_flight_);
      counters.errors += queue_.size() + static_cast<uint64_t>(std::max<int64_t>(in_flight_, 0));
      queue_.clear();
      stop();
    });
    maybe_finish();
  }

  void maybe_finish() {
    if (ended_ && queue_.empty() && in_flight_ <= 0) stop();
  }

  void stop() {
    if (stopped_) return;
    stopped_ = true;
    timer_.cancel();
    for (auto& c : conns_) c->shutdown();
  }

  double rate_;
  int index_;
  Clock::time_point start_{}, measure_start_{}, end_{};
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Conn*> idle_;
  std::deque<Clock::time_point> queue_;
  int failed_opens_ = 0;
  int64_t in_flight_ = 0;
  uint64_t scheduled_ = 0;
  uint64_t seq_ = 0;
  uint64_t uid_ = 0;
  bool loading_ = false;
  bool ended_ = false;
  bool stopped_ = false;
  net::steady_timer timer_;
};

Conn::Conn(Worker& w) : w_(w), retry_(w.ioc) {}

void Conn::open() {
  stream_ = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(w_.ioc.get_executor(), w_.ctx);
  // No SNI: the API server sends it for a hostname, not for an IP address like ours.
  auto& tcp_layer = beast::get_lowest_layer(*stream_);
  tcp_layer.expires_after(kRequestTimeout);
  tcp_layer.async_connect(w_.endpoint, [this](beast::error_code ec) { on_connect(ec); });
}

void Conn::on_connect(beast::error_code ec) {
  if (stopping_) return;
  if (ec) return fail("connect", ec);
  beast::error_code ignored;
  beast::get_lowest_layer(*stream_).socket().set_option(tcp::no_delay(true), ignored);
  stream_->async_handshake(ssl::stream_base::client, [this](beast::error_code hec) { on_handshake(hec); });
}

void Conn::on_handshake(beast::error_code ec) {
  if (stopping_) return;
  if (ec) return fail("handshake", ec);
  connected_ = true;
  w_.counters.handshakes++;
  if (has_request_) return write();
  w_.on_idle(this);
}

void Conn::send(Clock::time_point intended) {
  busy_ = true;
  intended_ = intended;
  has_request_ = true;
  w_.started();
  tmpl_ = w_.next_template();
  const Template& t = w_.templates[static_cast<size_t>(tmpl_)];
  req_.assign(t.bytes);
  char hex[16];
  std::snprintf(hex, sizeof hex, "%012llx", static_cast<unsigned long long>(w_.next_uid() & 0xffffffffffffULL));
  std::memcpy(req_.data() + t.uid_tail, hex, 12);
  if (!connected_) return open();
  write();
}

void Conn::write() {
  beast::get_lowest_layer(*stream_).expires_after(kRequestTimeout);
  net::async_write(*stream_, net::buffer(req_), [this](beast::error_code ec, size_t n) { on_write(ec, n); });
}

void Conn::on_write(beast::error_code ec, size_t) {
  if (stopping_) return;
  if (ec) return fail("write", ec);
  parser_.emplace();
  parser_->body_limit(1 << 20);
  http::async_read(*stream_, buf_, *parser_, [this](beast::error_code rec, size_t n) { on_read(rec, n); });
}

void Conn::on_read(beast::error_code ec, size_t) {
  if (stopping_) return;
  if (ec) return fail("read", ec);
  auto now = Clock::now();
  has_request_ = false;
  busy_ = false;
  const auto& res = parser_->get();
  bool ok = res.result_int() == 200;
  if (!ok) {
    w_.on_error("status_" + std::to_string(res.result_int()), false);
  } else if (w_.opts.check_decisions) {
    int expect = w_.templates[static_cast<size_t>(tmpl_)].expect;
    const std::string& body = res.body();
    bool allowed = body.find("\"allowed\":true") != std::string::npos;
    bool denied = body.find("\"allowed\":false") != std::string::npos;
    if ((expect == 1 && !allowed) || (expect == 0 && !denied) || (!allowed && !denied)) {
      ok = false;
      w_.on_error("unexpected_decision:" + w_.templates[static_cast<size_t>(tmpl_)].name, false);
    }
  }
  bool keep = res.keep_alive() && !w_.opts.churn;
  w_.on_answer(tmpl_, intended_, now, ok);
  parser_.reset();
  if (!keep) {
    close();
    buf_.clear();
  }
  w_.on_idle(this);
}

void Conn::fail(const char* what, beast::error_code ec) {
  bool lost = has_request_;
  if (!connected_ && !has_request_ && !w_.loading()) w_.on_open_failed();
  w_.on_error(std::string(what) + ": " + ec.message(), lost);
  has_request_ = false;
  busy_ = false;
  close();
  buf_.clear();
  if (w_.opts.churn) return w_.on_idle(this);
  retry_.expires_after(kReconnectDelay);
  retry_.async_wait([this](beast::error_code tec) {
    if (tec || stopping_) return;
    open();
  });
}

double cpu_seconds_self() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

int usage(const char* msg) {
  std::cerr << "loadgen: " << msg
            << "\nusage: loadgen --url https://HOST:PORT/PATH --reviews DIR [--rate R|0] [--connections N] [--duration S]\n"
               "               [--warmup S] [--churn] [--threads T] [--check-decisions] [--summary FILE] [--hgrm FILE]\n"
               "               [--label TEXT]\n";
  return 2;
}

bool parse_url(const std::string& url, Options& o) {
  const std::string scheme = "https://";
  if (url.rfind(scheme, 0) != 0) return false;
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  o.target = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = hostport.rfind(':');
  if (colon == std::string::npos) return false;
  o.host = hostport.substr(0, colon);
  o.port = hostport.substr(colon + 1);
  return !o.host.empty() && !o.port.empty();
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error(a + " needs a value");
      return argv[++i];
    };
    try {
      if (a == "--url") {
        if (!parse_url(value(), o)) return usage("--url must be https://HOST:PORT/PATH");
      } else if (a == "--reviews") o.reviews = value();
      else if (a == "--rate") o.rate = std::stod(value());
      else if (a == "--connections") o.connections = std::stoi(value());
      else if (a == "--duration") o.duration = std::stod(value());
      else if (a == "--warmup") o.warmup = std::stod(value());
      else if (a == "--churn") o.churn = true;
      else if (a == "--threads") o.threads = std::stoi(value());
      else if (a == "--check-decisions") o.check_decisions = true;
      else if (a == "--summary") o.summary = value();
      else if (a == "--hgrm") o.hgrm = value();
      else if (a == "--label") o.label = value();
      else return usage(("unknown argument " + a).c_str());
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  if (o.reviews.empty()) return usage("--reviews is required");
  if (o.connections < 1 || o.threads < 1 || o.threads > o.connections || o.duration <= 0 || o.warmup < 0)
    return usage("need --connections >= --threads >= 1, --duration > 0, --warmup >= 0");

  std::vector<Template> templates;
  tcp::endpoint ep;
  try {
    templates = load_templates(o);
    ep = tcp::endpoint(net::ip::make_address(o.host), static_cast<unsigned short>(std::stoi(o.port)));
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << " (the host must be an IP address)\n";
    return 2;
  }

  std::vector<std::unique_ptr<Worker>> workers;
  for (int t = 0; t < o.threads; ++t) {
    int n = o.connections / o.threads + (t < o.connections % o.threads ? 1 : 0);
    workers.push_back(std::make_unique<Worker>(o, templates, ep, n, o.rate / o.threads, t));
  }
  if (!o.churn) {
    std::vector<std::thread> openers;
    for (auto& w : workers) openers.emplace_back([&w] { w->connect_all(); });
    for (auto& t : openers) t.join();
  }

  double cpu0 = cpu_seconds_self();
  auto start = Clock::now() + std::chrono::milliseconds(20);
  auto measure_start = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.warmup));
  auto end = measure_start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.duration));
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w, start, measure_start, end] { w->run(start, measure_start, end); });
  for (auto& t : threads) t.join();
  auto finished = Clock::now();
  double cpu = cpu_seconds_self() - cpu0;

  Histogram hist;
  std::vector<Histogram> per_template(templates.size());
  Counters c;
  for (auto& w : workers) {
    hist.merge(w->hist);
    for (size_t i = 0; i < templates.size(); ++i) per_template[i].merge(w->per_template[i]);
    c.merge(w->counters);
  }
  double window = o.duration;
  double achieved = static_cast<double>(c.in_window) / window;
  double elapsed = std::chrono::duration<double>(finished - start).count();
  auto ms = [](uint64_t ns) { return static_cast<double>(ns) / 1e6; };

  std::string mode = o.rate > 0 ? "open loop " + std::to_string(static_cast<long>(o.rate)) + "/s" : "saturation (closed loop)";
  std::printf("%s%s%s, %d %s, %.0f s (+%.0f s warm-up), %zu review files\n", o.label.c_str(), o.label.empty() ? "" : ": ",
              mode.c_str(), o.connections, o.churn ? "slots, new TLS connection per request" : "keep-alive connections",
              o.duration, o.warmup, templates.size());
  std::printf("  achieved %.1f req/s; recorded %" PRIu64 ", completed %" PRIu64 ", errors %" PRIu64 ", unsent %" PRIu64
              ", TLS handshakes %" PRIu64 "; loadgen CPU %.2f s\n",
              achieved, hist.count(), c.completed, c.errors, c.unsent, c.handshakes, cpu);
  std::printf("  latency ms%s: p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  p99.99 %.3f  max %.3f  mean %.3f\n",
              o.rate > 0 ? " (from intended send time)" : "", ms(hist.percentile(0.5)), ms(hist.percentile(0.9)),
              ms(hist.percentile(0.99)), ms(hist.percentile(0.999)), ms(hist.percentile(0.9999)), ms(hist.max()),
              hist.mean() / 1e6);
  for (size_t i = 0; i < templates.size(); ++i) {
    const Histogram& h = per_template[i];
    std::printf("    %-24s p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f  (%" PRIu64 ")\n", templates[i].name.c_str(),
                ms(h.percentile(0.5)), ms(h.percentile(0.99)), ms(h.percentile(0.999)), ms(h.max()), h.count());
  }
  for (const auto& [k, v] : c.error_kinds) std::printf("  error %s: %" PRIu64 "\n", k.c_str(), v);

  if (!o.summary.empty()) {
    std::ofstream s(o.summary);
    s << "label=" << o.label << "\nrate=" << o.rate << "\nconnections=" << o.connections << "\nchurn=" << (o.churn ? 1 : 0)
      << "\nduration=" << o.duration << "\nelapsed=" << elapsed << "\nachieved=" << achieved
      << "\nrecorded=" << hist.count() << "\ncompleted=" << c.completed << "\nerrors=" << c.errors
      << "\nunsent=" << c.unsent << "\nhandshakes=" << c.handshakes << "\nloadgen_cpu=" << cpu;
    char buf[64];
    for (auto [key, q] : {std::pair{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}, {"p9999", 0.9999}}) {
      std::snprintf(buf, sizeof buf, "%.3f", ms(hist.percentile(q)));
      s << "\n" << key << "_ms=" << buf;
    }
    std::snprintf(buf, sizeof buf, "%.3f", ms(hist.max()));
    s << "\nmax_ms=" << buf;
    std::snprintf(buf, sizeof buf, "%.3f", hist.mean() / 1e6);
    s << "\nmean_ms=" << buf;
    for (size_t i = 0; i < templates.size(); ++i) {
      std::string stem = templates[i].name.substr(0, templates[i].name.rfind('.'));
      std::snprintf(buf, sizeof buf, "%.3f", ms(per_template[i].percentile(0.5)));
      s << "\np50_ms." << stem << "=" << buf;
      std::snprintf(buf, sizeof buf, "%.3f", ms(per_template[i].percentile(0.99)));
      s << "\np99_ms." << stem << "=" << buf;
    }
    s << "\n";
  }
  if (!o.hgrm.empty()) std::ofstream(o.hgrm) << hist.hgrm();
  return 0;
}
