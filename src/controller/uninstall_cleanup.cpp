// `kindlyguard uninstall-cleanup`: see include/kindlyguard/controller/uninstall_cleanup.hpp.
#include "kindlyguard/controller/uninstall_cleanup.hpp"

#include <thread>

#include "kindlyguard/controller/background_audit.hpp"
#include "kindlyguard/controller/quarantine.hpp"
#include "kindlyguard/k8s/meta.hpp"

namespace kindlyguard::controller {

using nlohmann::json;

namespace {

const std::string kManagedBySelector = std::string(kManagedByLabel) + "=" + kManagedByValue;

std::string describe(const client::ResourceRef& r, const std::string& ns, const std::string& name) {
  return r.kind + " " + (ns.empty() ? name : ns + "/" + name);
}

// Deletes one object of ours, only this incarnation of it.
Status delete_ours(client::ApiClient& api, const client::ResourceRef& r, const json& object,
                   UninstallCleanupReport& report) {
  const k8s::Meta meta(object);
  const std::string ns = r.namespaced ? meta.namespace_() : "";
  const std::string name = meta.name();
  client::DeleteOptions d;
  d.precondition_uid = meta.uid();
  auto gone = api.remove(r, ns, name, d);
  if (gone.ok()) {
    report.deleted.push_back(describe(r, ns, name));
    return {};
  }
  if (gone.error().is_not_found()) return {};  // already gone: nothing left to do
  if (gone.error().is_conflict()) {
    report.skipped.push_back(describe(r, ns, name) + ": replaced while we looked (another UID); left alone");
    return {};
  }
  return Error{"cannot delete " + describe(r, ns, name) + ": " + gone.error().to_string(), ""};
}

// Every object of `r` (in every namespace) labeled as ours and named `name`: deleted. Objects
// with our label but another name were not made by kindlyguard's controllers: reported, kept.
Status remove_named(client::ApiClient& api, const client::ResourceRef& r, const std::string& name,
                    UninstallCleanupReport& report) {
  client::ListOptions lo;
  lo.label_selector = kManagedBySelector;
  auto list = api.list_all(r, "", lo);
  if (!list.ok()) {
    if (list.error().is_not_found()) {  // the API (or CRD) is not served: none can exist
      report.skipped.push_back(r.qualified() + ": not served by this cluster; nothing to remove");
      return {};
    }
    return Error{"cannot list " + r.qualified() + " labeled " + kManagedBySelector + ": " + list.error().to_string() +
                     " (the cleanup ServiceAccount needs list and delete on " + r.qualified() + ")",
                 ""};
  }
  for (const auto& item : list->value("items", json::array())) {
    const k8s::Meta meta(item);
    if (meta.name() != name) {
      report.skipped.push_back(describe(r, r.namespaced ? meta.namespace_() : "", meta.name()) +
                               ": labeled " + kManagedBySelector + " but not named " + name + "; left alone");
      continue;
    }
    if (auto deleted = delete_ours(api, r, item, report); !deleted) return deleted;
  }
  return {};
}

Status remove_secret(client::ApiClient& api, const UninstallCleanupOptions& o, UninstallCleanupReport& report) {
  if (o.certs_secret.empty()) return {};
  const auto& r = client::resources::secrets;
  auto secret = api.get(r, o.ns, o.certs_secret);
  if (!secret.ok()) {
    if (secret.error().is_not_found()) return {};
    return Error{"cannot read " + describe(r, o.ns, o.certs_secret) + ": " + secret.error().to_string(), ""};
  }
  if (!is_managed(*secret)) {
    report.skipped.push_back(describe(r, o.ns, o.certs_secret) + ": not labeled " + kManagedBySelector +
                             " (not created by kindlyguard); left alone");
    return {};
  }
  return delete_ours(api, r, *secret, report);
}

// Waits until no pod matches the selector: their controllers would restore what we remove.
Status wait_for_pods_gone(client::ApiClient& api, const UninstallCleanupOptions& o) {
  if (o.wait_for_pods.empty()) return {};
  const auto deadline = std::chrono::steady_clock::now() + o.wait_timeout;
  std::string running;
  while (true) {
    client::ListOptions lo;
    lo.label_selector = o.wait_for_pods;
    auto pods = api.list_all(client::resources::pods, o.ns, lo);
    if (!pods.ok())
      return Error{"cannot list the pods " + o.wait_for_pods + " in namespace " + o.ns + ": " + pods.error().to_string(), ""};
    running.clear();
    for (const auto& p : pods->value("items", json::array()))
      running += (running.empty() ? "" : ", ") + k8s::Meta(p).name();
    if (running.empty()) return {};
    if (std::chrono::steady_clock::now() >= deadline) break;
    std::this_thread::sleep_for(o.poll_interval);
  }
  return Error{"kindlyguard pods still run in namespace " + o.ns + " (" + running + ") after " +
                   std::to_string(o.wait_timeout.count() / 1000) +
                   "s: their controllers would restore what this removes, so nothing was removed. Delete the "
                   "Deployment (helm uninstall does), wait for its pods to end, and run this again",
               ""};
}

}  // namespace

Result<UninstallCleanupReport> uninstall_cleanup(client::ApiClient& api, const UninstallCleanupOptions& options) {
  UninstallCleanupReport report;
  if (auto w = wait_for_pods_gone(api, options); !w.ok()) return w.error();
  for (auto mode : kQuarantineModes)  // one NetworkPolicy per namespace and mode
    if (auto r = remove_named(api, client::resources::network_policies, quarantine_policy_name(mode), report); !r.ok())
      return r.error();
  if (auto r = remove_named(api, admin_network_policies, kQuarantinePolicyName, report); !r.ok()) return r.error();
  if (auto r = remove_named(api, report_resource(options.report_format), kPolicyReportName, report); !r.ok())
    return r.error();
  if (auto r = remove_secret(api, options, report); !r.ok()) return r.error();
  return report;
}

}  // namespace kindlyguard::controller
