#pragma once
// The API resources kindlyguard reads and writes, named the way the API server's URLs name them:
// group, version, plural, and whether objects live in a namespace.

#include <string>

namespace kindlyguard::client {

struct ResourceRef {
  std::string group;    // "" for the core group
  std::string version;  // "v1"
  std::string plural;   // "pods"
  bool namespaced = true;
  std::string kind;     // "Pod": for the bodies we build and for messages

  // "v1" or "apps/v1", as apiVersion says it.
  std::string api_version() const { return group.empty() ? version : group + "/" + version; }
  // "pods" or "leases.coordination.k8s.io", as the API server names it in messages and RBAC.
  std::string qualified() const { return group.empty() ? plural : plural + "." + group; }
  // "/api/v1" or "/apis/coordination.k8s.io/v1".
  std::string group_version_path() const { return group.empty() ? "/api/" + version : "/apis/" + group + "/" + version; }
};

namespace resources {
inline const ResourceRef pods{"", "v1", "pods", true, "Pod"};
inline const ResourceRef namespaces{"", "v1", "namespaces", false, "Namespace"};
inline const ResourceRef secrets{"", "v1", "secrets", true, "Secret"};
inline const ResourceRef events{"events.k8s.io", "v1", "events", true, "Event"};
inline const ResourceRef leases{"coordination.k8s.io", "v1", "leases", true, "Lease"};
inline const ResourceRef network_policies{"networking.k8s.io", "v1", "networkpolicies", true, "NetworkPolicy"};
inline const ResourceRef security_policies{"kindlyguard.io", "v1alpha1", "securitypolicies", false, "SecurityPolicy"};
inline const ResourceRef security_policy_exceptions{"kindlyguard.io", "v1alpha1", "securitypolicyexceptions", true,
                                                    "SecurityPolicyException"};
// The controllers a pod's ownerReferences may lead to (SecurityPolicyException match.kinds).
inline const ResourceRef replica_sets{"apps", "v1", "replicasets", true, "ReplicaSet"};
inline const ResourceRef deployments{"apps", "v1", "deployments", true, "Deployment"};
inline const ResourceRef stateful_sets{"apps", "v1", "statefulsets", true, "StatefulSet"};
inline const ResourceRef daemon_sets{"apps", "v1", "daemonsets", true, "DaemonSet"};
inline const ResourceRef jobs{"batch", "v1", "jobs", true, "Job"};
inline const ResourceRef cron_jobs{"batch", "v1", "cronjobs", true, "CronJob"};
inline const ResourceRef replication_controllers{"", "v1", "replicationcontrollers", true, "ReplicationController"};
inline const ResourceRef policy_reports{"wgpolicyk8s.io", "v1alpha2", "policyreports", true, "PolicyReport"};
// OpenReports (--report-format=openreports): the wgpolicyk8s.io format's successor, which Kyverno
// 1.15, Kubewarden and Policy Reporter write and read.
inline const ResourceRef open_reports{"openreports.io", "v1alpha1", "reports", true, "Report"};
inline const ResourceRef cluster_policy_reports{"wgpolicyk8s.io", "v1alpha2", "clusterpolicyreports", false,
                                                "ClusterPolicyReport"};
inline const ResourceRef validating_webhook_configurations{"admissionregistration.k8s.io", "v1",
                                                           "validatingwebhookconfigurations", false,
                                                           "ValidatingWebhookConfiguration"};
}  // namespace resources

}  // namespace kindlyguard::client
