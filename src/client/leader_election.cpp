// Lease-based leader election; see leader_election.hpp for the rules.
#include "kindlyguard/client/leader_election.hpp"

#include <ctime>
#include <random>

#include "kindlyguard/util/log.hpp"

namespace kindlyguard::client {

using json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string micro_time_now() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(micros));
  return buf;
}

Result<std::unique_ptr<LeaderElector>> LeaderElector::create(ApiClient& client, LeaderElectionConfig config) {
  if (config.ns.empty() || config.name.empty()) return Error{"the leader election lease needs a namespace and a name.", "leaderElection"};
  if (config.identity.empty()) return Error{"the leader election identity must not be empty (use the pod name).", "leaderElection.identity"};
  if (config.renew_deadline >= config.lease_duration)
    return Error{"the renew deadline must be shorter than the lease duration.", "leaderElection.renewDeadline"};
  if (config.retry_period >= config.renew_deadline)
    return Error{"the retry period must be shorter than the renew deadline.", "leaderElection.retryPeriod"};
  if (config.lease_duration < std::chrono::seconds(1))
    return Error{"the lease duration must be at least one second (the Lease counts whole seconds).", "leaderElection.leaseDuration"};
  return std::unique_ptr<LeaderElector>(new LeaderElector(client, std::move(config)));
}

LeaderElector::LeaderElector(ApiClient& client, LeaderElectionConfig config)
    : client_(client), config_(std::move(config)) {}

LeaderElector::~LeaderElector() { stop(); }

void LeaderElector::start() {
  std::lock_guard lock(life_mu_);
  if (worker_.joinable()) return;
  worker_ = std::jthread([this](std::stop_token st) { run(st); });
}

void LeaderElector::stop(bool release) {
  std::lock_guard lock(life_mu_);
  if (!worker_.joinable()) return;
  release_on_stop_ = release;
  worker_.request_stop();
  worker_.join();
}

std::string LeaderElector::leader() const {
  std::lock_guard lock(mu_);
  return observed_holder_;
}

namespace {

// Whole seconds, rounded up: the Lease counts seconds.
long lease_seconds(milliseconds d) { return static_cast<long>((d.count() + 999) / 1000); }

// client-go's wait.Jitter(period, 1.2): somewhere in [period, 2.2 * period).
milliseconds jittered(milliseconds period) {
  static thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_real_distribution<double> f(0.0, 1.2);
  return milliseconds(period.count() + static_cast<long long>(period.count() * f(rng)));
}

}  // namespace

void LeaderElector::observe(const json& spec) {
  std::string holder = spec.is_object() ? spec.value("holderIdentity", "") : "";
  bool changed_holder = false;
  {
    std::lock_guard lock(mu_);
    if (spec != observed_spec_) {
      observed_spec_ = spec;
      observed_time_ = Clock::now();
    }
    if (holder != observed_holder_) {
      observed_holder_ = holder;
      changed_holder = true;
    }
  }
  if (changed_holder) {
    log::info("lease holder changed", {{"lease", config_.ns + "/" + config_.name}, {"holder", holder}});
    if (config_.on_new_leader) config_.on_new_leader(holder);
  }
}

LeaderElector::Attempt LeaderElector::try_acquire_or_renew(Clock::time_point deadline, std::stop_token stop) {
  CallOptions call;
  call.stop = stop;
  call.max_retries = 0;  // the election loop is the retry
  const auto remaining = [&] { return std::max(milliseconds(50), std::chrono::duration_cast<milliseconds>(deadline - Clock::now())); };
  call.timeout = remaining();
  const std::string now = micro_time_now();
  const long duration = lease_seconds(config_.lease_duration);

  auto current = client_.get(resources::leases, config_.ns, config_.name, call);
  if (!current) {
    if (!current.error().is_not_found()) {
      log::debug("cannot read the leader election lease", {{"error", current.error().to_string()}});
      return Attempt::Failed;
    }
    json spec = {{"holderIdentity", config_.identity},
                 {"leaseDurationSeconds", duration},
                 {"acquireTime", now},
                 {"renewTime", now},
                 {"leaseTransitions", 0}};
    json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                  {"kind", "Lease"},
                  {"metadata", {{"name", config_.name}, {"namespace", config_.ns}}},
                  {"spec", spec}};
    call.timeout = remaining();
    auto created = client_.create(resources::leases, lease, {}, call);
    if (!created) {
      log::debug("cannot create the leader election lease", {{"error", created.error().to_string()}});
      return Attempt::Failed;
    }
    observe(spec);
    return Attempt::Acquired;
  }

  json lease = std::move(*current);
  const json spec = lease.contains("spec") && lease["spec"].is_object() ? lease["spec"] : json::object();
  observe(spec);
  const std::string holder = spec.value("holderIdentity", "");
  if (!holder.empty() && holder != config_.identity) {
    const long theirs = spec.value("leaseDurationSeconds", duration);
    std::lock_guard lock(mu_);
    if (observed_time_ + std::chrono::seconds(theirs) > Clock::now()) return Attempt::HeldByOther;
  }

  json next = {{"holderIdentity", config_.identity}, {"leaseDurationSeconds", duration}, {"renewTime", now}};
  const long transitions = spec.value("leaseTransitions", 0L);
  if (holder == config_.identity) {
    next["acquireTime"] = spec.value("acquireTime", now);
    next["leaseTransitions"] = transitions;
  } else {
    next["acquireTime"] = now;
    next["leaseTransitions"] = transitions + 1;
  }
  lease["spec"] = next;  // metadata.resourceVersion stays: the write is conditional
  call.timeout = remaining();
  auto updated = client_.update(resources::leases, lease, {}, call);
  if (!updated) {
    log::debug("cannot update the leader election lease", {{"error", updated.error().to_string()}});
    return Attempt::Failed;  // 409: someone else wrote first
  }
  observe(next);
  return Attempt::Acquired;
}

void LeaderElector::release() {
  CallOptions call;
  call.timeout = config_.renew_deadline;
  call.max_retries = 1;
  auto current = client_.get(resources::leases, config_.ns, config_.name, call);
  if (!current) return;
  json lease = std::move(*current);
  if (!lease.contains("spec") || lease["spec"].value("holderIdentity", "") != config_.identity) return;
  const std::string now = micro_time_now();
  lease["spec"] = {{"holderIdentity", ""},
                   {"leaseDurationSeconds", 1},
                   {"acquireTime", now},
                   {"renewTime", now},
                   {"leaseTransitions", lease["spec"].value("leaseTransitions", 0L)}};
  auto updated = client_.update(resources::leases, lease, {}, call);
  if (!updated) {
    log::warn("cannot release the leader election lease", {{"error", updated.error().to_string()}});
    return;
  }
  observe(lease["spec"]);
  log::info("released the leader election lease", {{"lease", config_.ns + "/" + config_.name}});
}

void LeaderElector::run(std::stop_token stop) {
  const std::string lease_name = config_.ns + "/" + config_.name;
  while (!stop.stop_requested()) {
    // Candidate: try every retry period (jittered) until we hold the lease.
    bool acquired = false;
    while (!stop.stop_requested()) {
      const auto t0 = Clock::now();
      if (try_acquire_or_renew(t0 + config_.retry_period, stop) == Attempt::Acquired) {
        acquired = true;
        break;
      }
      if (!sleep_for(jittered(config_.retry_period), stop)) break;
    }
    if (!acquired) {
      // Stopped while trying: the last write may have reached the server (its answer cut short),
      // so we may hold the lease without knowing it. release() checks and clears it if ours.
      if (stop.stop_requested() && release_on_stop_) release();
      break;
    }
    auto last_renew = Clock::now();
    leading_ = true;
    log::info("became the leader", {{"lease", lease_name}, {"identity", config_.identity}});
    if (config_.on_started_leading) config_.on_started_leading();

    // Leader: renew every retry period; step down past the renew deadline or when taken.
    while (sleep_for(config_.retry_period, stop)) {
      const auto t0 = Clock::now();
      const auto deadline = last_renew + config_.renew_deadline;
      if (t0 >= deadline) {
        log::warn("lease not renewed within the renew deadline; stepping down", {{"lease", lease_name}});
        break;
      }
      const Attempt a = try_acquire_or_renew(deadline, stop);
      if (a == Attempt::Acquired) {
        last_renew = t0;  // measured from before the write: conservative
      } else if (a == Attempt::HeldByOther) {
        log::warn("the lease is held by another replica; stepping down", {{"lease", lease_name}, {"holder", leader()}});
        break;
      } else if (Clock::now() >= deadline) {
        log::warn("lease not renewed within the renew deadline; stepping down", {{"lease", lease_name}});
        break;
      }
    }
    leading_ = false;
    log::info("stopped leading", {{"lease", lease_name}, {"identity", config_.identity}});
    if (config_.on_stopped_leading) config_.on_stopped_leading();
    if (stop.stop_requested()) {
      // Controllers are stopped (on_stopped_leading returned): let a successor in at once.
      if (release_on_stop_) release();
      break;
    }
  }
}

}  // namespace kindlyguard::client
