// Detach (issue 18, --quarantine-detach): once its evidence is kept and it is isolated, a
// quarantined pod's labels (but the quarantine label) are removed, so that its ReplicaSet, Job or
// DaemonSet no longer selects it (the controller orphans it and starts a clean replacement) and
// no Service routes to it any more, while the suspect pod stays as evidence instead of being
// deleted by the next rollout. The labels it had are in its QuarantineRecord (spec.pod.labels);
// releasing it with kindlyguard.io/quarantine-restore-labels=true puts them back.
//
// Not detached, with an Event saying why: a StatefulSet's pod (its ordinal and volumes are its
// identity: a replacement of the same name cannot start while it exists) and a pod without a
// controller (nothing would replace it; removing its labels would only take it out of its
// Services). The record's status.detach says what was done, once.
#include "kindlyguard/k8s/meta.hpp"
#include "kindlyguard/util/log.hpp"
#include "quarantine_internal.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace quarantine_detail {

namespace {

// The pod's controller ownerReference, if any.
std::optional<json> controller_of(const json& pod) {
  for (const auto& ref : pod.value("metadata", json::object()).value("ownerReferences", json::array()))
    if (ref.value("controller", false)) return ref;
  return std::nullopt;
}

}  // namespace

void QuarantineState::detach(const json& pod, std::string& failure) {
  const k8s::Meta meta(pod);
  ObjectPtr record = active_record(meta.uid());
  // Only once the labels are on record, and only once.
  if (!record || (*record)["status"].value("state", "") != record_state::Quarantined) return;
  if ((*record)["status"].contains("detach")) return;

  const auto owner = controller_of(pod);
  const std::string kind = owner ? owner->value("kind", "") : "";
  std::string why_not;
  if (!owner) why_not = "it has no controller, so nothing would replace it (it stays in its Services' endpoints)";
  else if (kind == "StatefulSet")
    why_not = "it belongs to StatefulSet " + owner->value("name", "") +
              ", whose replacement needs this pod's name and volumes (it stays in its Services' endpoints)";

  json updated = *record;
  json labels_patch = json::object();
  if (why_not.empty()) {
    const json labels = pod.value("metadata", json::object()).value("labels", json::object());  // items() needs it alive
    for (const auto& [key, value] : labels.items())
      if (key != options_.config.label_key) labels_patch[key] = nullptr;
    if (!labels_patch.empty()) {
      json patch = {{"metadata", {{"resourceVersion", meta.resource_version()}, {"labels", labels_patch}}}};
      auto r = api_.patch(client::resources::pods, meta.namespace_(), meta.name(), client::PatchType::Merge, patch);
      if (!r.ok()) {
        if (!r.error().is_not_found())
          failure = "detach pod " + meta.namespace_() + "/" + meta.name() + ": " + r.error().to_string();
        return;
      }
    }
    updated["status"]["detach"] = "Detached from " + kind + " " + owner->value("name", "");
  } else {
    updated["status"]["detach"] = "NotDetached: " + why_not;
  }
  std::string error;
  if (!set_record(std::move(updated), error)) failure = error;  // the patch is idempotent: redone next time

  const std::string rec = records_ns() + "/" + k8s::Meta(*record).name();
  if (why_not.empty()) {
    std::string removed;
    for (const auto& [key, v] : labels_patch.items()) removed += (removed.empty() ? "" : ", ") + key;
    events_.record({ObjectReference::of(pod), EventType::Normal, "Detached", "Detach",
                    "Removed the labels " + removed + " (kept in QuarantineRecord " + rec + ") so that " + kind + " " +
                        owner->value("name", "") +
                        " no longer selects the pod and starts a clean replacement, and Services stop routing to it; "
                        "the pod stays, isolated, as evidence. Release it with the annotation "
                        "kindlyguard.io/quarantine-restore-labels=true to put them back.",
                    ""});
    log::info("quarantined pod detached", {{"pod", meta.namespace_() + "/" + meta.name()}, {"from", kind}});
  } else {
    events_.record({ObjectReference::of(pod), EventType::Normal, "NotDetached", "Detach",
                    "Not detached from its controller: " + why_not + ".", ""});
  }
}

bool QuarantineState::restore_labels(const json& pod, std::string& failure) {
  const json annotations = pod.value("metadata", json::object()).value("annotations", json::object());
  if (annotations.value("kindlyguard.io/quarantine-restore-labels", "") != "true") return true;
  const k8s::Meta meta(pod);
  // The newest record of this pod that detached it.
  ObjectPtr record;
  if (records_)
    for (auto& r : records_->list())
      if (k8s::Meta(*r).label(kRecordPodUidLabel) == meta.uid() &&
          (*r)["status"].value("detach", "").rfind("Detached", 0) == 0 &&
          (!record || (*r)["status"].value("since", "") > (*record)["status"].value("since", "")))
        record = r;
  if (!record) return true;
  json labels = (*record)["spec"]["pod"].value("labels", json::object());
  labels.erase(options_.config.label_key);
  json patch = {{"metadata", {{"labels", labels}, {"annotations", {{"kindlyguard.io/quarantine-restore-labels", nullptr}}}}}};
  auto r = api_.patch(client::resources::pods, meta.namespace_(), meta.name(), client::PatchType::Merge, patch);
  if (!r.ok()) {
    if (!r.error().is_not_found())
      failure = "restore the labels of pod " + meta.namespace_() + "/" + meta.name() + ": " + r.error().to_string();
    return r.error().is_not_found();
  }
  log::info("released pod's labels restored", {{"pod", meta.namespace_() + "/" + meta.name()}});
  return true;
}

}  // namespace quarantine_detail
}  // namespace kindlyguard::controller
