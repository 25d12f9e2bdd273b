#include "kindlyguard/controller/exception_status.hpp"

#include <map>
#include <memory>

#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

constexpr ExceptionState kStates[] = {ExceptionState::Active, ExceptionState::Expired, ExceptionState::Invalid};

std::string time_text(policy::Seconds t) { return format_k8s_time(static_cast<std::time_t>(t.time_since_epoch().count())); }

const json* condition(const json& status, const std::string& type) {
  if (!status.is_object()) return nullptr;
  auto cs = status.find("conditions");
  if (cs == status.end() || !cs->is_array()) return nullptr;
  for (const auto& c : *cs)
    if (c.is_object() && c.value("type", "") == type) return &c;
  return nullptr;
}

std::string field(const json* c, const char* key) {
  if (!c) return "";
  auto it = c->find(key);
  return it != c->end() && it->is_string() ? it->get<std::string>() : "";
}

const char* true_reason(const ExceptionStatusInput& in) {
  switch (in.state) {
    case ExceptionState::Active: return in.expires_soon ? "ExpiresSoon" : "Accepted";
    case ExceptionState::Expired: return "Expired";
    case ExceptionState::Invalid: return "Invalid";
  }
  return "Invalid";
}

}  // namespace

ExceptionStatusInput exception_status_input(const ExceptionVerdict& verdict, policy::Seconds now,
                                            std::chrono::seconds expiring_warning) {
  ExceptionStatusInput in;
  in.observed_generation = verdict.observed_generation;
  in.state = exception_state(verdict, now);
  switch (in.state) {
    case ExceptionState::Invalid:
      in.message = verdict.invalid;
      break;
    case ExceptionState::Expired:
      in.message = "expired at " + time_text(*verdict.parsed->expires_at);
      break;
    case ExceptionState::Active: {
      const auto& expires = verdict.parsed->expires_at;
      if (!expires) {
        in.message = "in force, with no expiry";
      } else {
        in.expires_soon = now >= *expires - expiring_warning;
        in.message = "in force until " + time_text(*expires);
      }
      break;
    }
  }
  return in;
}

std::optional<policy::Seconds> next_exception_deadline(const ExceptionVerdict& verdict, policy::Seconds now,
                                                       std::chrono::seconds expiring_warning) {
  if (exception_state(verdict, now) != ExceptionState::Active || !verdict.parsed->expires_at) return std::nullopt;
  const policy::Seconds expires = *verdict.parsed->expires_at;
  if (now < expires - expiring_warning) return expires - expiring_warning;
  return expires;
}

std::chrono::milliseconds last_used_wait(std::optional<std::chrono::steady_clock::time_point> last_write,
                                         std::chrono::steady_clock::time_point now, std::chrono::milliseconds interval) {
  if (!last_write || now - *last_write >= interval) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(interval - (now - *last_write));
}

std::optional<ExceptionStatusChange> desired_exception_status(const json& current_status, const ExceptionStatusInput& in,
                                                              const std::string& now) {
  json status = current_status.is_object() ? current_status : json::object();
  const std::string reason = true_reason(in);
  ExceptionStatusChange change;
  change.expiring_now = in.state == ExceptionState::Active && in.expires_soon &&
                        field(condition(status, "Active"), "reason") != "ExpiresSoon";
  change.expired_now = in.state == ExceptionState::Expired && field(condition(status, "Expired"), "status") != "True";

  json conditions = json::array();
  for (ExceptionState s : kStates) {
    const std::string type = to_string(s);
    const bool is_true = s == in.state;
    const json* old = condition(status, type);
    const std::string want = is_true ? "True" : "False";
    // Only a change of status is a transition (metav1.Condition's contract).
    json when = old && field(old, "status") == want && old->contains("lastTransitionTime") ? (*old)["lastTransitionTime"]
                                                                                         : json(now);
    conditions.push_back({{"type", type},
                          {"status", want},
                          {"reason", reason},
                          {"message", is_true ? in.message : std::string()},
                          {"observedGeneration", in.observed_generation},
                          {"lastTransitionTime", std::move(when)}});
  }
  json next = status;
  next["conditions"] = std::move(conditions);
  next["observedGeneration"] = in.observed_generation;
  next["matchedObjects"] = in.matched_objects;
  if (in.last_used) next["lastUsed"] = *in.last_used;
  if (next == status) return std::nullopt;
  change.status = std::move(next);
  return change;
}

EventRecord exception_approved_event(const policy::Request& request) {
  EventRecord e;
  e.regarding.api_version = "kindlyguard.io/v1alpha1";
  e.regarding.kind = "SecurityPolicyException";
  e.regarding.namespace_ = request.namespace_;
  e.regarding.name = request.name;
  if (request.object) {
    const k8s::Meta meta(*request.object);
    if (e.regarding.name.empty()) e.regarding.name = meta.name();
    e.regarding.uid = meta.uid();  // "" on CREATE: the API server has not assigned it yet
  }
  std::string groups;
  for (const auto& g : request.groups) groups += (groups.empty() ? "" : ", ") + g;
  e.type = EventType::Normal;
  e.reason = "ExceptionApproved";
  e.action = "Approve";
  e.note = std::string(policy::to_string(request.operation)) + " of SecurityPolicyException " + request.namespace_ + "/" +
           e.regarding.name + " approved for " + request.username + (groups.empty() ? "" : " (groups: " + groups + ")");
  e.source = request.username;
  return e;
}

Controller::Reconcile exception_status_reconciler(client::ApiClient& api, const client::Informer& exceptions,
                                                  const LiveExceptions& live, ExceptionUsage& usage,
                                                  ExceptionStatusOptions options) {
  // When this process last wrote each exception's lastUsed. One worker: no lock needed.
  auto last_used_writes = std::make_shared<std::map<std::string, std::chrono::steady_clock::time_point>>();
  return [&api, &exceptions, &live, &usage, options, last_used_writes](const std::string& key) -> ReconcileResult {
    const auto wall = options.now ? options.now() : std::chrono::system_clock::now();
    const auto now = std::chrono::floor<std::chrono::seconds>(wall);
    auto publish = [&] {
      if (options.sink) options.sink->set_exceptions(live.counts(now));
    };
    auto cached = exceptions.get(key);
    if (!cached) {  // deleted: nothing to write, nothing to remember
      usage.forget(key);
      last_used_writes->erase(key);
      publish();
      return ReconcileResult::done();
    }
    const k8s::Meta meta(*cached);
    auto verdict = live.verdict(key);
    // The verdict follows the cache through the informer's handler; until it has caught up, the
    // change that made them differ enqueues this key again.
    if (!verdict || verdict->observed_generation != meta.generation()) return ReconcileResult::done();

    const json current = cached->value("status", json::object());
    ExceptionStatusInput in = exception_status_input(*verdict, now, options.expiring_warning);
    in.matched_objects = usage.matched(key);
    std::optional<std::chrono::milliseconds> retry_last_used;
    const auto steady_now = std::chrono::steady_clock::now();
    const auto used = usage.last_used(key);
    if (used) {
      const std::string used_text = time_text(*used);
      const auto there = current.find("lastUsed");
      // RFC 3339 times in one format (UTC, whole seconds) compare as strings.
      if (there == current.end() || !there->is_string() || there->get<std::string>() < used_text) {
        auto it = last_used_writes->find(key);
        auto wait = last_used_wait(it == last_used_writes->end() ? std::nullopt : std::optional(it->second), steady_now,
                                   options.last_used_interval);
        if (wait.count() == 0) in.last_used = used_text;
        else retry_last_used = wait;
      }
    }

    auto change = desired_exception_status(current, in, k8s_time_now());
    if (change) {
      json body = {{"apiVersion", (*cached)["apiVersion"]},
                   {"kind", (*cached)["kind"]},
                   {"metadata",
                    {{"name", meta.name()}, {"namespace", meta.namespace_()}, {"resourceVersion", meta.resource_version()}}},
                   {"status", change->status}};
      auto written = api.update_status(client::resources::security_policy_exceptions, body);
      if (!written.ok()) {
        if (written.error().is_not_found()) return ReconcileResult::done();
        return ReconcileResult::failed("status of SecurityPolicyException " + key + ": " + written.error().to_string());
      }
      if (in.last_used) {
        (*last_used_writes)[key] = steady_now;
        if (usage.written(key, *used)) retry_last_used = options.last_used_interval;
      }
      // After the write: the condition it set is the record that this was said.
      auto event = [&](const char* reason, std::string note) {
        if (!options.events) return;
        EventRecord e;
        e.regarding = ObjectReference::of(*cached);
        e.type = EventType::Warning;
        e.reason = reason;
        e.action = "Expire";
        e.note = std::move(note);
        options.events->record(std::move(e));
      };
      const std::string expires = verdict->parsed && verdict->parsed->expires_at ? time_text(*verdict->parsed->expires_at) : "";
      if (change->expiring_now)
        event("ExceptionExpiring", "SecurityPolicyException " + key + " expires at " + expires +
                                       "; from then on what it excuses is judged again. Extend spec.expiresAt "
                                       "or fix the workload.");
      if (change->expired_now) {
        event("ExceptionExpired", "SecurityPolicyException " + key + " expired at " + expires +
                                      " and excuses nothing any more.");
        if (options.sink) options.sink->count_exception_expired();
      }
    }
    publish();

    std::optional<std::chrono::milliseconds> after = retry_last_used;
    if (auto deadline = next_exception_deadline(*verdict, now, options.expiring_warning)) {
      // The exact second: the queue's delay runs on the steady clock from now.
      auto until = std::chrono::ceil<std::chrono::milliseconds>(*deadline - wall);
      if (until.count() < 1) until = std::chrono::milliseconds(1);
      const bool in_reach = options.horizon.count() == 0 || until <= options.horizon;
      if (in_reach && (!after || until < *after)) after = until;
    }
    return after ? ReconcileResult::requeue_after(*after) : ReconcileResult::done();
  };
}

}  // namespace kindlyguard::controller
