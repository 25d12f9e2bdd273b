// The QuarantineRecord and its Secret, from what was captured, within the byte bound. See
// quarantine_record.hpp.
#include <algorithm>
#include <map>

#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/controller/quarantine_record.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/base64.hpp"
#include "kindlyguard/util/time.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

constexpr const char* kEvidenceSuffix = "-evidence";

// "2026-12-08T01:15:00Z" -> "20261208-011500"
std::string compact_time(const std::string& t) {
  std::string digits;
  for (char c : t)
    if (c >= '0' && c <= '9') digits += c;
  if (digits.size() < 14) digits.resize(14, '0');
  return digits.substr(0, 8) + "-" + digits.substr(8, 6);
}

// One container of the pod with what ran: the status of the same name.
json container_summary(const json& pod, const char* spec_field, const char* status_field, const char* type) {
  json out = json::array();
  const json spec = pod.value("spec", json::object());
  const json status = pod.value("status", json::object());
  for (const auto& c : spec.value(spec_field, json::array())) {
    json item = {{"name", c.value("name", "")}, {"type", type}, {"image", c.value("image", "")}};
    for (const auto& s : status.value(status_field, json::array())) {
      if (s.value("name", "") != item["name"]) continue;
      if (s.contains("imageID")) item["imageID"] = s["imageID"];
      if (s.contains("containerID")) item["containerID"] = s["containerID"];
      if (s.contains("restartCount")) item["restartCount"] = s["restartCount"];
      if (s.contains("state") && s["state"].is_object() && !s["state"].empty()) item["state"] = s["state"].begin().key();
    }
    out.push_back(std::move(item));
  }
  return out;
}

std::string event_time(const json& e) {
  for (const char* f : {"lastTimestamp", "eventTime", "firstTimestamp"})
    if (e.contains(f) && e[f].is_string() && !e[f].get<std::string>().empty()) return e[f];
  return e.value("metadata", json::object()).value("creationTimestamp", "");
}

std::string bytes_text(std::size_t n) { return std::to_string(n) + " bytes"; }

struct Part {
  std::string key;
  std::string description;
  std::string data;
  std::size_t original = 0;
  std::string cut;
};

}  // namespace

std::string record_name(const std::string& pod_name, const std::string& captured_at) {
  const std::string stamp = "-" + compact_time(captured_at);
  const std::size_t room = 253 - stamp.size() - std::string(kEvidenceSuffix).size();
  std::string base = pod_name.substr(0, room);
  while (!base.empty() && (base.back() == '-' || base.back() == '.')) base.pop_back();
  return base + stamp;
}

std::string evidence_secret_name(const std::string& record_name) { return record_name + kEvidenceSuffix; }

json record_owner_reference(const json& record) {
  const k8s::Meta meta(record);
  return {{"apiVersion", quarantine_records.api_version()},
          {"kind", quarantine_records.kind},
          {"name", meta.name()},
          {"uid", meta.uid()},
          {"controller", true}};
}

Evidence build_evidence(const ForensicsConfig& config, const std::string& record_ns, const std::string& name,
                        const EvidenceInput& in) {
  const k8s::Meta pod(in.pod);
  const std::size_t limit = std::min(config.max_bytes, kMaxSecretBytes);
  std::size_t used = 0;
  std::vector<Part> parts;
  // Adds what fits of `data` (its tail when keep_tail, else its head); the cut says what was not kept.
  auto add = [&](std::string key, std::string description, std::string data, bool keep_tail, std::size_t share,
                 std::string extra_cut = "") {
    Part p{std::move(key), std::move(description), "", data.size(), std::move(extra_cut)};
    const std::size_t room = limit > used + p.key.size() ? limit - used - p.key.size() : 0;
    const std::size_t keep = std::min({data.size(), room, share});
    if (keep < data.size()) {
      p.data = keep_tail ? data.substr(data.size() - keep) : data.substr(0, keep);
      const std::string what = std::string("kept the ") + (keep_tail ? "last " : "first ") + bytes_text(keep) +
                               " of " + bytes_text(data.size()) + " (--forensics-max-bytes " +
                               std::to_string(limit) + (keep_tail ? ", per log " + std::to_string(config.log_bytes) : "") +
                               ")";
      p.cut = p.cut.empty() ? what : what + "; " + p.cut;
    } else {
      p.data = std::move(data);
    }
    if (room == 0 && p.original > 0) return;  // not even the key fits: the caller says so
    used += p.key.size() + p.data.size();
    parts.push_back(std::move(p));
  };

  // 1. The pod as it was.
  add("pod.json", "the pod object as it was", in.pod.dump(2), false, limit);

  // 2. The newest Events, oldest first.
  std::vector<json> events = in.events;
  std::stable_sort(events.begin(), events.end(), [](const json& a, const json& b) { return event_time(a) < event_time(b); });
  std::string events_cut;
  if (events.size() > config.events) {
    events_cut = "dropped the " + std::to_string(events.size() - config.events) + " oldest of " +
                 std::to_string(events.size()) + " Events (keeps " + std::to_string(config.events) + ")";
    events.erase(events.begin(), events.end() - static_cast<std::ptrdiff_t>(config.events));
  }
  // Whole Events only: drop the oldest until the list fits.
  const std::size_t events_room = limit > used + 11 ? limit - used - 11 : 0;  // 11: "events.json"
  std::string events_text = json(events).dump(2);
  const std::size_t all_events = events.size();
  while (!events.empty() && events_text.size() > events_room) {
    events.erase(events.begin());
    events_text = json(events).dump(2);
  }
  if (events.size() < all_events) {
    const std::string what = "dropped the " + std::to_string(all_events - events.size()) +
                             " oldest Events to fit --forensics-max-bytes " + std::to_string(limit);
    events_cut = events_cut.empty() ? what : events_cut + "; " + what;
  }
  add("events.json", "the newest Events involving the pod (" + std::to_string(events.size()) + ")", events_text, false,
      limit, events_cut);

  // 3. The logs share what is left; a short one leaves its share to the others.
  std::vector<const CapturedLog*> logs;
  for (const auto& l : in.logs)
    if (l.error.empty()) logs.push_back(&l);
  // Shortest first: each takes at most its share, and what it leaves goes to the longer ones.
  std::stable_sort(logs.begin(), logs.end(),
                   [](const CapturedLog* a, const CapturedLog* b) { return a->text.size() < b->text.size(); });
  for (std::size_t i = 0; i < logs.size(); ++i) {
    const CapturedLog& l = *logs[i];
    const std::string key = "log." + l.container + (l.previous ? ".previous" : ".current");
    const std::size_t left = limit > used ? limit - used : 0;
    const std::size_t share = std::min(config.log_bytes, left / (logs.size() - i));
    const std::string& fetch_cut = l.fetch_cut;
    add(key,
        std::string("the ") + (l.previous ? "previous" : "current") + " log of container " + l.container +
            " (its newest bytes)",
        l.text, true, share > key.size() ? share - key.size() : 0, fetch_cut);
  }

  json secret_data = json::object();
  json parts_json = json::array();
  bool truncated = false;
  for (const auto& p : parts) {
    secret_data[p.key] = base64_encode(p.data);
    json pj = {{"key", p.key}, {"description", p.description}, {"bytes", p.data.size()}, {"originalBytes", p.original}};
    if (!p.cut.empty()) {
      pj["cut"] = p.cut;
      truncated = true;
    }
    parts_json.push_back(std::move(pj));
  }
  json errors = json::array();
  for (const auto& e : in.errors) errors.push_back(e);
  for (const auto& l : in.logs)
    if (!l.error.empty())
      errors.push_back(std::string("log of container ") + l.container + (l.previous ? " (previous)" : "") + ": " + l.error);
  // A part that did not fit at all is said too.
  for (const auto& l : logs) {
    const std::string key = "log." + l->container + (l->previous ? ".previous" : ".current");
    if (!secret_data.contains(key)) {
      errors.push_back("log of container " + l->container + (l->previous ? " (previous)" : "") +
                       ": no room left under --forensics-max-bytes " + std::to_string(limit));
      truncated = true;
    }
  }

  json containers = json::array();
  for (auto [spec, status, type] : {std::tuple{"initContainers", "initContainerStatuses", "initContainer"},
                                    std::tuple{"containers", "containerStatuses", "container"},
                                    std::tuple{"ephemeralContainers", "ephemeralContainerStatuses", "ephemeralContainer"}})
    for (auto& c : container_summary(in.pod, spec, status, type)) containers.push_back(std::move(c));
  json owners = json::array();
  // Each owner's metadata names it; its kind and apiVersion come from the reference that led to it.
  for (const auto& o : in.owners)
    owners.push_back({{"apiVersion", o.value("apiVersion", "")}, {"kind", o.value("kind", "")},
                      {"name", k8s::Meta(o).name()}, {"uid", k8s::Meta(o).uid()}});

  const std::string secret_name = evidence_secret_name(name);
  const json labels = {{kManagedByLabel, kManagedByValue},
                       {kRecordPodUidLabel, pod.uid()},
                       {kRecordPodNamespaceLabel, pod.namespace_()}};
  json pod_labels = json::object();
  if (in.pod.contains("metadata") && in.pod["metadata"].contains("labels")) pod_labels = in.pod["metadata"]["labels"];

  json evidence = {{"capturedAt", in.captured_at},
                   {"secretName", secret_name},
                   {"maxBytes", limit},
                   {"bytes", used},
                   {"truncated", truncated},
                   {"containers", containers},
                   {"owners", owners},
                   {"parts", parts_json}};
  if (!errors.empty()) evidence["errors"] = errors;
  json spec = {{"pod",
                {{"ref", pod.namespace_() + "/" + pod.name()},
                 {"namespace", pod.namespace_()},
                 {"name", pod.name()},
                 {"uid", pod.uid()},
                 {"node", in.pod.value("spec", json::object()).value("nodeName", "")},
                 {"labels", pod_labels}}},
               {"mode", in.mode},
               {"evidence", evidence}};
  if (!in.quarantined_by.empty()) spec["quarantinedBy"] = in.quarantined_by;
  json status = {{"state", record_state::Capturing}, {"since", in.captured_at}};
  if (!in.until.empty()) status["until"] = in.until;

  Evidence out;
  out.record = {{"apiVersion", quarantine_records.api_version()},
                {"kind", quarantine_records.kind},
                {"metadata", {{"name", name}, {"namespace", record_ns}, {"labels", labels}}},
                {"spec", std::move(spec)},
                {"status", std::move(status)}};
  out.secret = {{"apiVersion", "v1"},
                {"kind", "Secret"},
                {"type", "Opaque"},
                {"metadata",
                 {{"name", secret_name},
                  {"namespace", record_ns},
                  {"labels", labels},
                  {"annotations",
                   {{"kindlyguard.io/description",
                     "Forensic evidence of the quarantine of pod " + pod.namespace_() + "/" + pod.name() +
                         " (QuarantineRecord " + name + "): deleted with the record."}}}}},
                {"data", std::move(secret_data)}};
  return out;
}

std::optional<std::time_t> retention_deadline(const json& record, std::chrono::seconds retention) {
  const json status = record.value("status", json::object());
  const std::string state = status.value("state", "");
  if (state != record_state::Released && state != record_state::Expired && state != record_state::PodDeleted)
    return std::nullopt;
  auto ended = parse_k8s_time(status.value("endedAt", ""));
  if (!ended) return std::nullopt;
  return *ended + static_cast<std::time_t>(retention.count());
}

}  // namespace kindlyguard::controller
