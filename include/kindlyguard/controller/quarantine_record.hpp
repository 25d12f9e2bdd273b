#pragma once
// The QuarantineRecord (kindlyguard.io/v1alpha1, namespaced, short name qr): the forensic record
// of one quarantine, and the Secret with its bulky parts. Pure: what to write, from what was
// captured; the quarantine controller does the I/O (quarantine_capture.cpp).
//
// - Where: kindlyguard's own namespace, not the pod's. The people and workloads of a compromised
//   namespace can then neither read the evidence (logs and env may hold secrets) nor delete it;
//   deleting that namespace keeps it; and kindlyguard needs no right to create Secrets in every
//   namespace (which would let it mint any service account's token).
// - What: the pod as it was (the object without managedFields: spec, status with image digests
//   and container IDs, node), the owner chain up to the top controller, the last `events` Events
//   involving the pod, and the last `log_bytes` of each container's log (current, and previous
//   when the container restarted). The pod object, the Events and the logs go to the Secret (owned
//   by the record, so deleting the record deletes it); the record keeps a summary (containers,
//   owners, node) and, per part, its size and what was cut.
// - Bounded: the Secret's data (keys and values) never exceeds `max_bytes` (a Secret holds at
//   most 1 MiB). The pod object comes first, then the newest Events, then the logs, which share
//   what is left (a short log leaves its share to the others) and keep their newest bytes. Never
//   cut silently: each cut part says what was dropped, and spec.evidence.truncated is set.
// - Not owned by the pod: it outlives it. Removed by retention (`retention` after the quarantine
//   ended: release, expiry or the pod's deletion; never while the pod is quarantined) or by hand.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/resources.hpp"

namespace kindlyguard::controller {

inline const client::ResourceRef quarantine_records{"kindlyguard.io", "v1alpha1", "quarantinerecords", true,
                                                     "QuarantineRecord"};
// On the record and its Secret: which pod (by uid) it is about.
inline constexpr const char* kRecordPodUidLabel = "kindlyguard.io/pod-uid";
inline constexpr const char* kRecordPodNamespaceLabel = "kindlyguard.io/pod-namespace";
// On the pod: who set the quarantine label (written by the webhook that admitted the request).
inline constexpr const char* kQuarantinedByAnnotation = "kindlyguard.io/quarantined-by";

struct ForensicsConfig {
  bool enabled = true;
  std::string ns;                          // where records live; "" = kindlyguard's own namespace
  std::size_t max_bytes = 1024 * 1024;     // the Secret's data, per pod
  std::size_t log_bytes = 256 * 1024;      // the newest bytes kept of each container log stream
  std::size_t events = 50;                 // the newest Events kept
  std::chrono::seconds retention{std::chrono::hours(24 * 30)};
};

// A Secret holds at most this much data.
inline constexpr std::size_t kMaxSecretBytes = 1024 * 1024;

namespace record_state {
inline constexpr const char* Capturing = "Capturing";      // the record exists, its Secret not yet
inline constexpr const char* Quarantined = "Quarantined";  // evidence kept, pod isolated
inline constexpr const char* Released = "Released";
inline constexpr const char* Expired = "Expired";
inline constexpr const char* PodDeleted = "PodDeleted";
}  // namespace record_state

// One container log stream as fetched from pods/log.
struct CapturedLog {
  std::string container;
  bool previous = false;
  std::string text;          // as received (the newest lines, up to the fetch limit)
  std::string error;         // why there is no text ("" when fetched)
  std::string fetch_cut;     // what the fetch itself left out ("" when nothing)
};

struct EvidenceInput {
  nlohmann::json pod;                 // as it was (managedFields already dropped)
  std::vector<nlohmann::json> owners;  // metadata of each owner, the pod's controller first
  std::vector<nlohmann::json> events;  // core/v1 Events involving the pod, any order
  std::vector<CapturedLog> logs;
  std::vector<std::string> errors;    // what could not be captured
  std::string captured_at;            // RFC 3339
  std::string mode = "full";
  std::string quarantined_by;
  std::string until;                  // kindlyguard.io/quarantine-until, as given
};

struct Evidence {
  nlohmann::json record;  // the QuarantineRecord to create (status.state Capturing)
  nlohmann::json secret;  // its Secret, without the ownerReference (it needs the record's uid)
};

// The record's name: the pod's name and the capture time, "web-1-20261208-011500" (the pod's
// name shortened so that the Secret's name, the record's plus "-evidence", fits 253).
std::string record_name(const std::string& pod_name, const std::string& captured_at);
std::string evidence_secret_name(const std::string& record_name);

Evidence build_evidence(const ForensicsConfig& config, const std::string& record_ns, const std::string& name,
                        const EvidenceInput& in);

// The ownerReference that makes the record own its Secret.
nlohmann::json record_owner_reference(const nlohmann::json& record);

// When a record may be removed by retention: `retention` after status.endedAt; nullopt while the
// quarantine goes on (or the record says nothing of its end).
std::optional<std::time_t> retention_deadline(const nlohmann::json& record, std::chrono::seconds retention);

}  // namespace kindlyguard::controller
