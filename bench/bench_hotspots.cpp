// The webhook's per-request costs beyond what the bare echo server pays, each next to a proposed
// cheaper version that gives the same result. Prototypes only: src/ is unchanged. Numbers only.
//   build/bench/bench_hotspots --benchmark_min_time=0.2
//
// For each review of bench/reviews (judged against examples/policies, as `make bench` does):
//   Parse/plain             what decode_review does now: the whole document into a DOM
//   Parse/skipManagedFields the same SAX DOM parser, dropping request.{object,oldObject}.metadata
//                           .managedFields (37-51% of the bytes of a review; no rule reads it)
//   Parse/simdjsonToNlohmann (only with libsimdjson-dev installed) simdjson's parser, then the same
//                           nlohmann DOM built from it without managedFields: what the policy core
//                           gets stays nlohmann::json
//   Audit/current|proposed  observe::AuditLog::format (an nlohmann object, then dump) against a
//                           direct writer of the same bytes
//   Encode/current|proposed admission::encode_response against a direct writer of the same bytes
//   Evaluate                policy::evaluate alone: what a decision cache could save at most
// Every "proposed" variant is checked against the current one before it is timed; a mismatch
// fails the benchmark (SkipWithError).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#ifdef KINDLY_BENCH_SIMDJSON
#include <simdjson.h>
#endif

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/policy/parse.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard;

// ---- parse --------------------------------------------------------------------------------------

// nlohmann's own DOM builder, with the subtree under request.object.metadata.managedFields (and
// oldObject's) dropped as it streams past: not allocated, not freed.
class SkipManagedFieldsParser : public nlohmann::detail::json_sax_dom_parser<json> {
  using Base = nlohmann::detail::json_sax_dom_parser<json>;

 public:
  explicit SkipManagedFieldsParser(json& root) : Base(root, false) {}

  bool null() { return skipping_value() || Base::null(); }
  bool boolean(bool v) { return skipping_value() || Base::boolean(v); }
  bool number_integer(json::number_integer_t v) { return skipping_value() || Base::number_integer(v); }
  bool number_unsigned(json::number_unsigned_t v) { return skipping_value() || Base::number_unsigned(v); }
  bool number_float(json::number_float_t v, const std::string& s) { return skipping_value() || Base::number_float(v, s); }
  bool string(std::string& v) { return skipping_value() || Base::string(v); }
  bool binary(json::binary_t& v) { return skipping_value() || Base::binary(v); }

  bool key(std::string& k) {
    if (skip_ > 0) return true;
    bool on_path = false;
    if (depth_ == path_depth_) {  // directly inside the deepest object of request.object.metadata
      switch (depth_) {
        case 1: on_path = k == "request"; break;
        case 2: on_path = k == "object" || k == "oldObject"; break;
        case 3: on_path = k == "metadata"; break;
        case 4:
          if (k == "managedFields") {
            skip_next_ = true;
            return true;
          }
          break;
        default: break;
      }
    }
    next_on_path_ = on_path;
    return Base::key(k);
  }
  bool start_object(std::size_t n) {
    if (enter_skipped()) return true;
    ++depth_;
    if (next_on_path_ || depth_ == 1) path_depth_ = depth_;
    next_on_path_ = false;
    return Base::start_object(n);
  }
  bool end_object() {
    if (skip_ > 0) return --skip_, true;
    if (depth_ == path_depth_) --path_depth_;
    --depth_;
    return Base::end_object();
  }
  bool start_array(std::size_t n) {
    if (enter_skipped()) return true;
    ++depth_;
    next_on_path_ = false;
    return Base::start_array(n);
  }
  bool end_array() {
    if (skip_ > 0) return --skip_, true;
    --depth_;
    return Base::end_array();
  }

 private:
  // A scalar inside a skipped subtree, or the skipped value itself.
  bool skipping_value() {
    next_on_path_ = false;
    if (skip_ > 0) return true;
    if (skip_next_) {
      skip_next_ = false;
      return true;
    }
    return false;
  }
  bool enter_skipped() {
    if (skip_ > 0) return ++skip_, true;
    if (skip_next_) {
      skip_next_ = false;
      skip_ = 1;
      return true;
    }
    return false;
  }

  int depth_ = 0;       // nesting of the current position (the root object is 1)
  int path_depth_ = 0;  // depth of the deepest open object on the path root/request/object/metadata
  bool next_on_path_ = false;
  bool skip_next_ = false;
  int skip_ = 0;  // > 0: inside the skipped value, its nesting
};

json parse_skipping(std::string_view body) {
  json doc;
  SkipManagedFieldsParser p(doc);
  if (!json::sax_parse(body, &p) || p.is_errored()) return json(json::value_t::discarded);
  return doc;
}

#ifdef KINDLY_BENCH_SIMDJSON
// The nlohmann DOM nlohmann's own parser would build (non-negative integers unsigned, the last of
// duplicate keys wins), from simdjson's, without request.{object,oldObject}.metadata.managedFields.
json from_simdjson(simdjson::dom::element e, int depth, bool on_path) {
  using T = simdjson::dom::element_type;
  switch (e.type()) {
    case T::OBJECT: {
      json o = json::object();
      for (auto [k, v] : simdjson::dom::object(e)) {
        if (on_path && depth == 3 && k == "managedFields") continue;
        bool next = on_path && ((depth == 0 && k == "request") || (depth == 1 && (k == "object" || k == "oldObject")) ||
                                (depth == 2 && k == "metadata"));
        o[std::string(k)] = from_simdjson(v, depth + 1, next);
      }
      return o;
    }
    case T::ARRAY: {
      json a = json::array();
      for (auto v : simdjson::dom::array(e)) a.push_back(from_simdjson(v, depth + 1, false));
      return a;
    }
    case T::STRING: return json(std::string(std::string_view(e)));
    case T::INT64: {
      int64_t i = int64_t(e);
      return i >= 0 ? json(static_cast<uint64_t>(i)) : json(i);
    }
    case T::UINT64: return json(uint64_t(e));
    case T::DOUBLE: return json(double(e));
    case T::BOOL: return json(bool(e));
    case T::NULL_VALUE: return json(nullptr);
    default: return json(json::value_t::discarded);
  }
}

// The same document with the same number types, compared node by node.
bool same_types(const json& a, const json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto it = a.begin(); it != a.end(); ++it)
      if (!b.contains(it.key()) || !same_types(it.value(), b.at(it.key()))) return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!same_types(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

void BM_Parse_Simdjson(benchmark::State& state, const std::string& body) {
  json want = json::parse(body, nullptr, false);
  want["request"]["object"]["metadata"].erase("managedFields");
  simdjson::dom::parser parser;  // one per thread in a server; it keeps its buffers
  simdjson::padded_string padded(body);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) return state.SkipWithError("simdjson refused the review");
  if (!same_types(from_simdjson(root, 0, true), want)) return state.SkipWithError("simdjson built a different document");
  for (auto _ : state) {
    // The copy into a padded buffer is part of the cost: a request body does not come padded.
    simdjson::padded_string in(body);
    json doc = parser.parse(in).get(root) == simdjson::SUCCESS ? from_simdjson(root, 0, true) : json();
    benchmark::DoNotOptimize(doc);
  }
  state.SetLabel(simdjson::get_active_implementation()->name());
}
#endif

// ---- audit line and response: direct writers --------------------------------------------------

// The length of the well-formed UTF-8 sequence at s[i] (first byte >= 0x80), 0 if there is none.
size_t utf8_length(const std::string& s, size_t i) {
  auto at = [&](size_t k) { return k < s.size() ? static_cast<unsigned char>(s[k]) : 0u; };
  auto cont = [&](size_t k) { return (at(k) & 0xC0u) == 0x80u; };
  unsigned b = at(i), b1 = at(i + 1);
  if (b >= 0xC2 && b <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (b >= 0xE0 && b <= 0xEF) {
    bool ok = b == 0xE0 ? (b1 >= 0xA0 && b1 <= 0xBF) : b == 0xED ? (b1 >= 0x80 && b1 <= 0x9F) : cont(i + 1);
    return ok && cont(i + 2) ? 3 : 0;
  }
  if (b >= 0xF0 && b <= 0xF4) {
    bool ok = b == 0xF0 ? (b1 >= 0x90 && b1 <= 0xBF) : b == 0xF4 ? (b1 >= 0x80 && b1 <= 0x8F) : cont(i + 1);
    return ok && cont(i + 2) && cont(i + 3) ? 4 : 0;
  }
  return 0;
}

// As nlohmann's dump(-1, ' ', false, replace) writes a string: \" \\ \b \f \n \r \t, other control
// characters as \u00xx, well-formed UTF-8 as it is; a string with malformed UTF-8 goes through
// nlohmann itself (which puts U+FFFD in place of the bad bytes).
void put_string(std::string& out, const std::string& s) {
  size_t mark = out.size();
  out += '"';
  size_t run = 0;  // start of the bytes not yet copied
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8_length(s, i);
      if (n == 0) {
        out.resize(mark);
        out += json(s).dump(-1, ' ', false, json::error_handler_t::replace);
        return;
      }
      i += n;
      continue;
    }
    out.append(s, run, i - run);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      }
    }
    run = ++i;
  }
  out.append(s, run, std::string::npos);
  out += '"';
}

void put_strings(std::string& out, const std::vector<std::string>& v) {
  out += '[';
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) out += ',';
    put_string(out, v[i]);
  }
  out += ']';
}

const char* operation_word(policy::Operation op) {
  switch (op) {
    case policy::Operation::Create: return "CREATE";
    case policy::Operation::Update: return "UPDATE";
    case policy::Operation::Delete: return "DELETE";
    case policy::Operation::Connect: return "CONNECT";
  }
  return "CREATE";
}

// The keys in the order nlohmann's std::map-backed object dumps them (byte order).
std::string audit_proposed(const policy::Request& r, const policy::Decision& d, std::chrono::microseconds latency,
                           const std::string& time) {
  std::string out;
  out.reserve(256 + d.violations.size() * 256);
  out += "{\"decision\":\"";
  out += observe::decision_word(d);
  out += '"';
  if (r.dry_run) out += ",\"dryRun\":true";
  out += ",\"groups\":";
  put_strings(out, r.groups);
  out += ",\"judged\":";
  out += d.judged ? "true" : "false";
  out += ",\"kind\":";
  put_string(out, r.kind);
  out += ",\"latencyMicros\":";
  out += std::to_string(latency.count());
  if (!d.allowed && d.violations.empty()) {
    out += ",\"message\":";
    put_string(out, d.message);
  }
  out += ",\"name\":";
  put_string(out, r.name);
  out += ",\"namespace\":";
  put_string(out, r.namespace_);
  out += ",\"operation\":\"";
  out += operation_word(r.operation);
  out += "\",\"policies\":";
  put_strings(out, d.matched_policies);
  if (!r.sub_resource.empty()) {
    out += ",\"subResource\":";
    put_string(out, r.sub_resource);
  }
  out += ",\"time\":";
  put_string(out, time);
  out += ",\"type\":\"admission\",\"uid\":";
  put_string(out, r.uid);
  out += ",\"user\":";
  put_string(out, r.username);
  out += ",\"violations\":[";
  for (size_t i = 0; i < d.violations.size(); ++i) {
    const auto& v = d.violations[i];
    out += i ? ",{\"container\":" : "{\"container\":";
    put_string(out, v.container);
    out += ",\"enforcement\":\"";
    out += policy::to_string(v.enforcement);
    out += "\",\"field\":";
    put_string(out, v.field);
    out += ",\"message\":";
    put_string(out, v.message);
    out += ",\"policy\":";
    put_string(out, v.policy);
    out += ",\"rule\":";
    put_string(out, v.rule);
    out += '}';
  }
  out += "]}";
  return out;
}

// review.cpp's annotation_key, verbatim.
std::string annotation_key(const std::string& key) {
  std::string out;
  for (char c : key) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.') ? c : '-';
  if (out.size() > 63) out.resize(63);
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.back()))) out.pop_back();
  return out.empty() ? "violation" : out;
}

std::string encode_proposed(const std::string& api_version, const std::string& uid, const policy::Decision& d) {
  std::string out;
  out.reserve(160 + d.message.size() + d.warnings.size() * 128);
  out += "{\"apiVersion\":";
  put_string(out, api_version.empty() ? "admission.k8s.io/v1" : api_version);
  out += ",\"kind\":\"AdmissionReview\",\"response\":{\"allowed\":";
  out += d.allowed ? "true" : "false";
  if (!d.audit_annotations.empty()) {
    std::map<std::string, std::string> ann;
    for (const auto& [k, v] : d.audit_annotations) ann[annotation_key(k)] = v;
    out += ",\"auditAnnotations\":{";
    bool first = true;
    for (const auto& [k, v] : ann) {
      if (!first) out += ',';
      first = false;
      put_string(out, k);
      out += ':';
      put_string(out, v);
    }
    out += '}';
  }
  if (!d.allowed) {
    out += ",\"status\":{\"code\":";
    out += std::to_string(d.code);
    out += ",\"message\":";
    put_string(out, d.message);
    out += ",\"reason\":\"Forbidden\"}";
  }
  out += ",\"uid\":";
  put_string(out, uid);
  if (!d.warnings.empty()) {
    out += ",\"warnings\":";
    put_strings(out, d.warnings);
  }
  out += "}}";
  return out;
}

// ---- fixtures -----------------------------------------------------------------------------------

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::vector<std::filesystem::path> files_in(const std::filesystem::path& dir, const std::string& ext) {
  std::vector<std::filesystem::path> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec))
    if (e.path().extension() == ext) out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

const std::filesystem::path kSource = KINDLY_SOURCE_DIR;

policy::PolicySetPtr example_policies() {
  static policy::PolicyStore store;
  static bool loaded = [] {
    std::string yaml;
    for (const auto& f : files_in(kSource / "examples/policies", ".yaml")) yaml += "---\n" + read_text(f) + "\n";
    auto parsed = policy::parse_policies(yaml, "examples/policies");
    store.replace(parsed.policies);
    return parsed.errors.empty();
  }();
  return loaded ? store.get() : nullptr;
}

struct Judged {
  std::unique_ptr<admission::Review> review;
  policy::Decision decision;
};

std::optional<Judged> judge(const std::string& body) {
  auto set = example_policies();
  auto review = admission::decode_review(body);
  if (!set || !review.ok()) return std::nullopt;
  Judged j{std::move(*review), {}};
  j.decision = policy::evaluate(*set, j.review->request, policy::name_only_namespace_labels());
  return j;
}

std::string time_of(const std::string& line) {
  auto at = line.find("\"time\":\"");
  if (at == std::string::npos) return "";
  at += 8;
  return line.substr(at, line.find('"', at) - at);
}

// ---- benchmarks ---------------------------------------------------------------------------------

void BM_Parse_Plain(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    json doc = json::parse(body, nullptr, false);
    benchmark::DoNotOptimize(doc);
  }
}

void BM_Parse_SkipManagedFields(benchmark::State& state, const std::string& body) {
  json want = json::parse(body, nullptr, false);
  want["request"]["object"]["metadata"].erase("managedFields");
  if (parse_skipping(body) != want) return state.SkipWithError("the skipping parser built a different document");
  for (auto _ : state) {
    json doc = parse_skipping(body);
    benchmark::DoNotOptimize(doc);
  }
}

// put_string against nlohmann on the awkward cases real data may not have.
bool put_string_agrees() {
  for (std::string s : {std::string(""), std::string("plain"), std::string("q\"uo\\te"), std::string("tab\tnl\ncr\r\b\f"),
                        std::string("ctl\x01\x1f\x7f"), std::string("caf\xc3\xa9 \xe2\x89\xa5"), std::string("bad\xff\xc3"), std::string("\xed\xa0\x80 \xf0\x9f\x98\x80 \xf4\x90\x80\x80 \xe0\x80\xaf"),
                        std::string(1, '\0')}) {
    std::string mine;
    put_string(mine, s);
    if (mine != json(s).dump(-1, ' ', false, json::error_handler_t::replace)) return false;
  }
  return true;
}

void BM_Audit(benchmark::State& state, const std::string& body, bool proposed) {
  if (!put_string_agrees()) return state.SkipWithError("put_string escapes differently from nlohmann");
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  const auto& r = j->review->request;
  std::chrono::microseconds latency(123);
  std::string current = observe::AuditLog::format(r, j->decision, latency);
  std::string time = time_of(current);
  if (audit_proposed(r, j->decision, latency, time) != current)
    return state.SkipWithError("the proposed audit line differs from AuditLog::format's");
  for (auto _ : state) {
    std::string line = proposed ? audit_proposed(r, j->decision, latency, time) : observe::AuditLog::format(r, j->decision, latency);
    benchmark::DoNotOptimize(line);
  }
  state.SetLabel(std::to_string(current.size()) + " B line; " + std::to_string(j->decision.violations.size()) + " violations");
}

void BM_Encode(benchmark::State& state, const std::string& body, bool proposed) {
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  const auto& r = j->review->request;
  std::string current = admission::encode_response(j->review->api_version, r.uid, j->decision);
  if (encode_proposed(j->review->api_version, r.uid, j->decision) != current)
    return state.SkipWithError("the proposed response differs from encode_response's");
  for (auto _ : state) {
    std::string out = proposed ? encode_proposed(j->review->api_version, r.uid, j->decision)
                               : admission::encode_response(j->review->api_version, r.uid, j->decision);
    benchmark::DoNotOptimize(out);
  }
  state.SetLabel(std::to_string(current.size()) + " B response");
}

void BM_Evaluate(benchmark::State& state, const std::string& body) {
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  auto set = example_policies();
  auto labels = policy::name_only_namespace_labels();
  for (auto _ : state) {
    auto d = policy::evaluate(*set, j->review->request, labels);
    benchmark::DoNotOptimize(d);
  }
}

const bool kRegistered = [] {
  for (const auto& f : files_in(kSource / "bench/reviews", ".json")) {
    std::string body = read_text(f);
    std::string name = f.stem().string();
    auto reg = [&](const std::string& what, auto fn) {
      benchmark::RegisterBenchmark((what + "/" + name).c_str(), fn)->Unit(benchmark::kMicrosecond);
    };
    reg("Parse/plain", [body](benchmark::State& s) { BM_Parse_Plain(s, body); });
    reg("Parse/skipManagedFields", [body](benchmark::State& s) { BM_Parse_SkipManagedFields(s, body); });
#ifdef KINDLY_BENCH_SIMDJSON
    reg("Parse/simdjsonToNlohmann", [body](benchmark::State& s) { BM_Parse_Simdjson(s, body); });
#endif
    reg("Audit/current", [body](benchmark::State& s) { BM_Audit(s, body, false); });
    reg("Audit/proposed", [body](benchmark::State& s) { BM_Audit(s, body, true); });
    reg("Encode/current", [body](benchmark::State& s) { BM_Encode(s, body, false); });
    reg("Encode/proposed", [body](benchmark::State& s) { BM_Encode(s, body, true); });
    reg("Evaluate", [body](benchmark::State& s) { BM_Evaluate(s, body); });
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
