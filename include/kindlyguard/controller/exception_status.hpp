#pragma once
// The SecurityPolicyException status controller (leader only): writes, through the status
// subresource and only when something differs,
// - observedGeneration and three conditions, exactly one True: Active (reason Accepted, or
//   ExpiresSoon within --exception-expiring-warning of expiresAt), Expired ("expired at <time>"),
//   Invalid (the parser's error, or why it may not name other namespaces);
// - matchedObjects: the objects the last background audit excused something for;
// - lastUsed: the last webhook or audit use, written at most once a minute per exception, so a
//   busy webhook does not become a stream of writes into etcd.
// Events on the exception, each once: ExceptionExpiring (Warning) when the Active reason becomes
// ExpiresSoon, ExceptionExpired (Warning) when Expired becomes True. The conditions are the
// record of what was said, so a restart (or a new leader) does not say it again. The times are
// met with the work queue's delayed add at the exact second (no polling).
//
// Our own status writes come back as watch events that change no spec: LiveExceptions ignores
// them, so they enqueue nothing (issue 21).

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/event_recorder.hpp"
#include "kindlyguard/controller/exception_usage.hpp"
#include "kindlyguard/controller/live_exceptions.hpp"
#include "kindlyguard/controller/operator_sink.hpp"
#include "kindlyguard/policy/evaluate.hpp"

namespace kindlyguard::controller {

// What the status should say of one exception now.
struct ExceptionStatusInput {
  ExceptionState state = ExceptionState::Active;
  bool expires_soon = false;  // Active, and within the warning of expiresAt
  std::string message;        // of the True condition
  std::int64_t observed_generation = 0;
  std::size_t matched_objects = 0;
  std::optional<std::string> last_used;  // RFC 3339; nullopt: keep what is there
};

struct ExceptionStatusChange {
  nlohmann::json status;
  bool expiring_now = false;  // ExceptionExpiring is due: Active's reason just became ExpiresSoon
  bool expired_now = false;   // ExceptionExpired is due: Expired just became True
};

// The status the object should have, from its current status; nullopt when it says that already.
// `now` is an RFC 3339 time for lastTransitionTime.
std::optional<ExceptionStatusChange> desired_exception_status(const nlohmann::json& current_status,
                                                              const ExceptionStatusInput& in, const std::string& now);

// What the status says of `verdict` at `now` (lastUsed and matchedObjects left to the caller).
ExceptionStatusInput exception_status_input(const ExceptionVerdict& verdict, policy::Seconds now,
                                            std::chrono::seconds expiring_warning);

// When the status of `verdict` next changes by the clock alone: the start of the warning, then
// expiresAt; nullopt when it never will (no expiry, invalid, already expired).
std::optional<policy::Seconds> next_exception_deadline(const ExceptionVerdict& verdict, policy::Seconds now,
                                                       std::chrono::seconds expiring_warning);

// How long until lastUsed may be written again: 0 when due (never written, or `interval` since the
// last write), else the rest of the interval.
std::chrono::milliseconds last_used_wait(std::optional<std::chrono::steady_clock::time_point> last_write,
                                         std::chrono::steady_clock::time_point now, std::chrono::milliseconds interval);

// The Normal Event "ExceptionApproved" on the exception a CREATE or UPDATE review wrote, naming
// the approving user and groups (the webhook records it for every approved write, dry runs aside).
EventRecord exception_approved_event(const policy::Request& request);

struct ExceptionStatusOptions {
  std::chrono::seconds expiring_warning{std::chrono::hours(168)};
  std::chrono::milliseconds last_used_interval{std::chrono::minutes(1)};
  EventRecorder* events = nullptr;  // may be null
  OperatorSink* sink = nullptr;     // the gauge by state and the expiry counter; may be null
  // A deadline further away than this is left to the periodic resync (which comes sooner), so a
  // key reconciled often does not pile wake-ups into the queue; 0: always scheduled.
  std::chrono::milliseconds horizon{0};
  // The wall clock (with sub-second precision, for exact wake-ups); tests substitute their own.
  std::function<std::chrono::system_clock::time_point()> now;
};

// A reconcile function for Controller over the exception informer's keys ("namespace/name").
Controller::Reconcile exception_status_reconciler(client::ApiClient& api, const client::Informer& exceptions,
                                                  const LiveExceptions& live, ExceptionUsage& usage,
                                                  ExceptionStatusOptions options);

}  // namespace kindlyguard::controller
