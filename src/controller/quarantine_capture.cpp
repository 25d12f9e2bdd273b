// The quarantine's evidence: captured by the leader from the API (the pod, its Events, its
// containers' logs through pods/log, its owner chain) before the pod is isolated, and kept as a
// QuarantineRecord with a Secret it owns; the record follows the quarantine to its end, and
// retention removes it. Every step is idempotent: a record a crash left Capturing is finished by
// the next reconcile, and a record written but not yet in the cache is remembered, so a pod never
// gets two records for one quarantine. See quarantine_record.hpp.
#include <algorithm>
#include <ctime>

#include "kindlyguard/controller/pod_cache.hpp"
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "kindlyguard/util/time.hpp"
#include "quarantine_internal.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace quarantine_detail {

namespace {

const client::ResourceRef core_events{"", "v1", "events", true, "Event"};
constexpr int kMaxOwnerDepth = 10;

bool active(const json& record) {
  const std::string state = record.value("status", json::object()).value("state", "");
  return state == record_state::Capturing || state == record_state::Quarantined;
}

std::string annotation(const json& object, const char* key) {
  const json md = object.value("metadata", json::object());
  const json a = md.value("annotations", json::object());
  auto it = a.find(key);
  return it != a.end() && it->is_string() ? it->get<std::string>() : "";
}

// The containers whose logs matter, with whether the previous instance's log exists.
std::vector<std::pair<std::string, bool>> log_streams(const json& pod) {
  std::vector<std::pair<std::string, bool>> out;
  const json spec = pod.value("spec", json::object());
  const json status = pod.value("status", json::object());
  for (auto [spec_field, status_field] : {std::pair{"initContainers", "initContainerStatuses"},
                                          std::pair{"containers", "containerStatuses"},
                                          std::pair{"ephemeralContainers", "ephemeralContainerStatuses"}}) {
    for (const auto& c : spec.value(spec_field, json::array())) {
      const std::string name = c.value("name", "");
      bool restarted = false;
      for (const auto& s : status.value(status_field, json::array()))
        if (s.value("name", "") == name)
          restarted = s.value("restartCount", 0) > 0 || s.value("lastState", json::object()).contains("terminated");
      out.emplace_back(name, restarted);
    }
  }
  return out;
}

}  // namespace

void QuarantineState::on_record(const json& record) {
  const std::string uid = k8s::Meta(record).label(kRecordPodUidLabel).value_or("");
  std::lock_guard lock(mu_);
  auto it = written_records_.find(uid);
  if (it != written_records_.end() && k8s::Meta(it->second).name() == k8s::Meta(record).name() &&
      k8s::Meta(it->second).resource_version() == k8s::Meta(record).resource_version())
    written_records_.erase(it);  // the cache caught up
}

ObjectPtr QuarantineState::active_record(const std::string& pod_uid) const {
  {
    std::lock_guard lock(mu_);
    auto it = written_records_.find(pod_uid);
    if (it != written_records_.end()) return active(it->second) ? std::make_shared<const json>(it->second) : nullptr;
  }
  if (!records_) return nullptr;
  ObjectPtr found;
  for (auto& r : records_->list())
    if (k8s::Meta(*r).label(kRecordPodUidLabel) == pod_uid && active(*r)) found = std::move(r);
  return found;
}

// The newest log_bytes of one container's log. The API can only ask for the last N lines
// (tailLines) and bound the answer from its start (limitBytes), so the line count adapts: more
// lines while the answer is short and more lines exist, fewer when the answer filled the limit
// (its newest lines were then cut off). Whatever is still missing is said.
CapturedLog QuarantineState::fetch_log(const std::string& ns, const std::string& pod, const std::string& container,
                                       bool previous) {
  const std::size_t want = std::max<std::size_t>(options_.config.forensics.log_bytes, 1);
  const std::size_t limit = std::max<std::size_t>(want * 4, 4096);
  std::size_t lines = std::max<std::size_t>(want / 128, 16);
  CapturedLog log{container, previous, "", "", ""};
  for (int attempt = 0; attempt < 6; ++attempt) {
    const std::string path = "/api/v1/namespaces/" + ns + "/pods/" + pod + "/log?container=" + container +
                             "&tailLines=" + std::to_string(lines) + "&limitBytes=" + std::to_string(limit) +
                             (previous ? "&previous=true" : "");
    auto text = api_.get_text(path, "pods/log");
    if (!text.ok()) {
      log.error = text.error().to_string();
      log.text.clear();
      return log;
    }
    log.text = std::move(*text);
    const bool filled = log.text.size() >= limit;
    const auto got = static_cast<std::size_t>(std::count(log.text.begin(), log.text.end(), '\n'));
    log.fetch_cut.clear();
    if (filled) {
      log.fetch_cut = "the newest " + std::to_string(lines) + " lines exceeded " + std::to_string(limit) +
                      " bytes: the newest of them were not fetched";
      if (lines <= 1) break;
      lines = std::max<std::size_t>(lines / 4, 1);
      continue;
    }
    if (log.text.size() >= want || got < lines) break;  // enough, or the whole log
    log.fetch_cut = "only the newest " + std::to_string(lines) + " lines were fetched";
    lines *= 4;
  }
  return log;
}

EvidenceInput QuarantineState::capture(const json& cached) {
  const k8s::Meta meta(cached);
  const std::string ns = meta.namespace_();
  const std::string name = meta.name();
  EvidenceInput in;
  in.captured_at = k8s_time_now();
  in.mode = to_string(quarantine_mode_of(options_.config, cached).value_or(QuarantineMode::Full));
  in.quarantined_by = annotation(cached, kQuarantinedByAnnotation);

  // The pod as it is now, whole (the cache keeps a compact form).
  auto pod = api_.get(client::resources::pods, ns, name);
  if (pod.ok() && k8s::Meta(*pod).uid() == meta.uid()) {
    in.pod = without_managed_fields(std::move(*pod));
  } else {
    in.pod = cached;
    in.errors.push_back("pod object: " + (pod.ok() ? std::string("replaced by another pod of the same name")
                                                   : pod.error().to_string()) +
                        "; kept what the cache held (status reduced to its phase)");
  }

  // The owner chain, the pod's controller first.
  if (options_.owners) {
    json object = in.pod;
    for (int depth = 0; depth < kMaxOwnerDepth; ++depth) {
      const json refs = object.value("metadata", json::object()).value("ownerReferences", json::array());
      auto ref = std::find_if(refs.begin(), refs.end(), [](const json& r) { return r.value("controller", false); });
      if (ref == refs.end()) break;
      policy::OwnerRef owner{ref->value("apiVersion", ""), ref->value("kind", ""), ref->value("name", ""),
                             ref->value("uid", "")};
      json entry = {{"apiVersion", owner.api_version},
                    {"kind", owner.kind},
                    {"metadata", {{"name", owner.name}, {"uid", owner.uid}}}};
      auto found = options_.owners(ns, owner);  // the owner's metadata
      in.owners.push_back(entry);
      if (!found || !found->is_object() || found->value("uid", "") != owner.uid) break;  // gone, not followed, not the same
      object = {{"metadata", *found}};
    }
  }

  // The Events involving the pod (core/v1 lists those written through events.k8s.io/v1 too).
  client::ListOptions lo;
  lo.field_selector = "involvedObject.uid=" + meta.uid();
  auto events = api_.list(core_events, ns, lo);
  if (events.ok()) {
    for (auto& e : (*events)["items"]) in.events.push_back(without_managed_fields(std::move(e)));
  } else {
    in.errors.push_back("events: " + events.error().to_string());
  }

  for (const auto& [container, restarted] : log_streams(in.pod))
    for (bool previous : {false, true})
      if (!previous || restarted) in.logs.push_back(fetch_log(ns, name, container, previous));
  in.until = annotation(cached, "kindlyguard.io/quarantine-until");
  return in;
}

bool QuarantineState::set_record(json record, std::string& error) {
  auto r = api_.update(quarantine_records, record);  // conditional on the resourceVersion we hold
  if (!r.ok()) {
    error = "update QuarantineRecord " + records_ns() + "/" + k8s::Meta(record).name() + ": " + r.error().to_string();
    return false;
  }
  const std::string uid = k8s::Meta(*r).label(kRecordPodUidLabel).value_or("");
  std::lock_guard lock(mu_);
  written_records_[uid] = std::move(*r);
  return true;
}

bool QuarantineState::write_secret(const json& record, const json& secret, std::string& error) {
  json body = secret;
  body["metadata"]["ownerReferences"] = json::array({record_owner_reference(record)});
  auto r = api_.create(client::resources::secrets, body);
  if (r.ok() || r.error().is_already_exists()) return true;  // AlreadyExists: written before a crash
  error = "create Secret " + records_ns() + "/" + k8s::Meta(secret).name() + ": " + r.error().to_string();
  return false;
}

bool QuarantineState::ensure_record(const json& pod, std::string& error) {
  const k8s::Meta meta(pod);
  const std::string where = meta.namespace_() + "/" + meta.name();
  ObjectPtr record = active_record(meta.uid());
  if (record) {
    json updated = *record;
    bool changed = false;
    if (updated["status"].value("state", "") == record_state::Capturing) {
      // A crash between the record and its Secret: capture again (the pod is still here) and finish.
      const Evidence ev = build_evidence(options_.config.forensics, records_ns(), k8s::Meta(updated).name(), capture(pod));
      if (!write_secret(updated, ev.secret, error)) return false;
      updated["spec"]["evidence"] = ev.record["spec"]["evidence"];
      updated["status"]["state"] = record_state::Quarantined;
      changed = true;
    }
    const std::string mode = to_string(quarantine_mode_of(options_.config, pod).value_or(QuarantineMode::Full));
    if (updated["spec"].value("mode", "") != mode) {
      updated["spec"]["mode"] = mode;  // changed by a release user: the record follows
      changed = true;
    }
    const std::string by = annotation(pod, kQuarantinedByAnnotation);
    if (!by.empty() && updated["spec"].value("quarantinedBy", "") != by) {
      updated["spec"]["quarantinedBy"] = by;
      changed = true;
    }
    const std::string until = annotation(pod, "kindlyguard.io/quarantine-until");
    if (updated["status"].value("until", "") != until) {
      if (until.empty()) updated["status"].erase("until");
      else updated["status"]["until"] = until;
      changed = true;
    }
    return !changed || set_record(std::move(updated), error);
  }

  // A new quarantine: capture first, then write the record, then its Secret, then mark it done.
  EvidenceInput in = capture(pod);
  const std::string name = record_name(meta.name(), in.captured_at);
  Evidence ev = build_evidence(options_.config.forensics, records_ns(), name, in);
  auto created = api_.create(quarantine_records, ev.record);
  if (!created.ok()) {
    error = "create QuarantineRecord " + records_ns() + "/" + name + " for pod " + where + ": " +
            created.error().to_string();
    return false;
  }
  {
    std::lock_guard lock(mu_);
    written_records_[meta.uid()] = *created;
  }
  if (!write_secret(*created, ev.secret, error)) return false;  // the record stays Capturing: finished later
  json done = *created;
  done["status"]["state"] = record_state::Quarantined;
  if (!set_record(std::move(done), error)) return false;

  const json& evidence = ev.record["spec"]["evidence"];
  const std::size_t bytes = evidence.value("bytes", std::size_t{0});
  if (options_.on_evidence) options_.on_evidence(bytes);
  std::string cut;
  for (const auto& p : evidence["parts"])
    if (p.contains("cut")) cut += (cut.empty() ? "" : "; ") + p.value("key", "") + ": " + p.value("cut", "");
  std::string note = "Evidence captured before isolation: QuarantineRecord " + records_ns() + "/" + name +
                     " (the pod, " + std::to_string(in.events.size()) + " Events, " + std::to_string(in.logs.size()) +
                     " container logs; " + std::to_string(bytes) + " bytes in Secret " + ev.secret["metadata"]["name"].get<std::string>() + ").";
  if (!cut.empty()) note += " Cut to fit: " + cut + ".";
  if (evidence.contains("errors")) note += " Not captured: " + std::to_string(evidence["errors"].size()) + " part(s), see the record.";
  if (note.size() > 1000) note = note.substr(0, 997) + "...";
  events_.record({ObjectReference::of(pod), EventType::Normal, "EvidenceCaptured", "CaptureEvidence", note, ""});
  log::info("quarantine evidence captured", {{"pod", where},
                                             {"record", records_ns() + "/" + name},
                                             {"bytes", std::to_string(bytes)},
                                             {"truncated", evidence.value("truncated", false) ? "true" : "false"}});
  return true;
}

void QuarantineState::end_record(const json& pod, const char* state, const std::string& by, std::string& error) {
  ObjectPtr record = active_record(k8s::Meta(pod).uid());
  if (!record) return;
  json updated = *record;
  updated["status"]["state"] = state;
  const std::string ended = k8s_time_now();
  updated["status"]["endedAt"] = ended;
  const auto since = parse_k8s_time(updated["status"].value("since", ""));
  const auto until = parse_k8s_time(ended);
  if (!by.empty()) updated["status"]["releasedBy"] = by;
  if (set_record(std::move(updated), error)) {
    log::info("quarantine record ended", {{"record", records_ns() + "/" + k8s::Meta(*record).name()}, {"state", state}});
    if (options_.on_ended && since && until) options_.on_ended(static_cast<double>(*until - *since));
  }
}

ReconcileResult QuarantineState::reconcile_records() {
  if (!records_ || !records_->has_synced() || !pods_->has_synced())
    return ReconcileResult::requeue_after(std::chrono::seconds(1));
  const auto retention = options_.config.forensics.retention;
  const std::time_t now = std::time(nullptr);
  std::string failure;
  std::optional<std::time_t> next;
  for (const auto& r : records_->list()) {
    const k8s::Meta meta(*r);
    const json spec = r->value("spec", json::object());
    const json pod_ref = spec.value("pod", json::object());
    if (active(*r)) {
      // The pod was deleted (or replaced under its name) while quarantined.
      auto pod = pods_->get(pod_ref.value("namespace", "") + "/" + pod_ref.value("name", ""));
      if (!pod || k8s::Meta(*pod).uid() != pod_ref.value("uid", "")) {
        json gone = {{"metadata", {{"uid", pod_ref.value("uid", "")}}}};
        end_record(gone, record_state::PodDeleted, "", failure);
      }
      continue;
    }
    auto deadline = retention_deadline(*r, retention);
    if (!deadline) continue;
    if (*deadline > now) {
      next = next ? std::min(*next, *deadline) : *deadline;
      continue;
    }
    client::DeleteOptions del;
    del.precondition_uid = meta.uid();
    del.propagation_policy = "Background";  // the Secret it owns goes with it
    auto d = api_.remove(quarantine_records, meta.namespace_(), meta.name(), del);
    if (d.ok() || d.error().is_not_found())
      log::info("quarantine record removed by retention", {{"record", meta.namespace_() + "/" + meta.name()},
                                                          {"retention", std::to_string(retention.count()) + "s"}});
    else
      failure = "delete QuarantineRecord " + meta.namespace_() + "/" + meta.name() + ": " + d.error().to_string();
  }
  if (!failure.empty()) return ReconcileResult::failed(failure);
  if (next) return ReconcileResult::requeue_after(std::chrono::seconds(std::max<std::time_t>(*next - now, 1)));
  return ReconcileResult::done();
}

}  // namespace quarantine_detail
}  // namespace kindlyguard::controller
