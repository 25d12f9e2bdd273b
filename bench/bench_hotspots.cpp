// The webhook's per-request stages beyond what the bare echo server pays, one benchmark each, so a
// profile's hot spot can be tied to a number. Numbers only.
//   build/bench/bench_hotspots --benchmark_min_time=0.2
//
// For each review of bench/reviews (judged against examples/policies, as `make bench` does):
//   Parse/nlohmann      nlohmann::json::parse of the whole body: the parser decode_review used
//                       before simdjson, kept as the reference
//   Parse/reviewJson    admission::parse_review_json: simdjson, then the nlohmann document
//                       without the objects' managedFields (what decode_review uses)
//   Decode              admission::decode_review: the parse plus reading the request fields
//   Evaluate            policy::evaluate alone: what a decision cache could save at most
//   Encode              admission::encode_response
//   Audit               observe::AuditLog::format: the audit line
//   Metrics             observe::Metrics::on_decision: the request and violation counters
#include <benchmark/benchmark.h>

#include <optional>

#include "kindlyguard/admission/handler.hpp"
#include "kindlyguard/admission/review_json.hpp"
#include "kindlyguard/observe/audit_log.hpp"
#include "kindlyguard/observe/metrics.hpp"
#include "kindlyguard/policy/parse.hpp"
#include "bench_inputs.hpp"

namespace {

using nlohmann::json;
using namespace kindlyguard;

using bench::example_policies;
using bench::files_in;
using bench::kSource;
using bench::read_text;

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

void BM_Parse_Nlohmann(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    json doc = json::parse(body, nullptr, false);
    benchmark::DoNotOptimize(doc);
  }
}

void BM_Parse_ReviewJson(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    auto doc = admission::parse_review_json(body);
    benchmark::DoNotOptimize(doc);
  }
}

void BM_Decode(benchmark::State& state, const std::string& body) {
  for (auto _ : state) {
    auto review = admission::decode_review(body);
    benchmark::DoNotOptimize(review);
  }
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
  state.SetLabel(std::to_string(j->decision.violations.size()) + " violations");
}

void BM_Encode(benchmark::State& state, const std::string& body) {
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  for (auto _ : state) {
    std::string out = admission::encode_response(j->review->api_version, j->review->request.uid, j->decision);
    benchmark::DoNotOptimize(out);
  }
}

void BM_Audit(benchmark::State& state, const std::string& body) {
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  for (auto _ : state) {
    std::string line = observe::AuditLog::format(j->review->request, j->decision, std::chrono::microseconds(123));
    benchmark::DoNotOptimize(line);
  }
}

void BM_Metrics(benchmark::State& state, const std::string& body) {
  auto j = judge(body);
  if (!j) return state.SkipWithError("cannot judge the review");
  observe::Metrics metrics;
  for (auto _ : state) metrics.on_decision(j->review->request, j->decision, std::chrono::microseconds(123));
  state.SetLabel(std::to_string(j->decision.violations.size()) + " violations");
}

const bool kRegistered = [] {
  for (const auto& f : files_in(kSource / "bench/reviews", ".json")) {
    std::string body = read_text(f);
    std::string name = f.stem().string();
    auto reg = [&](const std::string& what, void (*fn)(benchmark::State&, const std::string&)) {
      benchmark::RegisterBenchmark((what + "/" + name).c_str(), [fn, body](benchmark::State& s) { fn(s, body); })
          ->Unit(benchmark::kMicrosecond);
    };
    reg("Parse/nlohmann", BM_Parse_Nlohmann);
    reg("Parse/reviewJson", BM_Parse_ReviewJson);
    reg("Decode", BM_Decode);
    reg("Evaluate", BM_Evaluate);
    reg("Encode", BM_Encode);
    reg("Audit", BM_Audit);
    reg("Metrics", BM_Metrics);
  }
  return true;
}();

}  // namespace

BENCHMARK_MAIN();
