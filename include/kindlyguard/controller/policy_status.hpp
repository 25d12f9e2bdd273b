#pragma once
// The SecurityPolicy status controller: writes status.observedGeneration and the Ready condition
// (True/Accepted, or False/Invalid with the parse error and field path) through the status
// subresource, only when they differ from what is there. Writes are conditional on the
// resourceVersion the cache holds; a conflict is retried with backoff once the cache has caught up.
// Other status fields (violations, lastAuditTime: the background audit's) are kept as they are.

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "kindlyguard/client/api_client.hpp"
#include "kindlyguard/client/informer.hpp"
#include "kindlyguard/controller/controller.hpp"
#include "kindlyguard/controller/live_policies.hpp"

namespace kindlyguard::controller {

// The status the object should have, from its current status and the verdict; nullopt when the
// current one says the same already. `now` is an RFC 3339 time for lastTransitionTime.
std::optional<nlohmann::json> desired_policy_status(const nlohmann::json& current_status,
                                                     const PolicyReadiness& verdict, const std::string& now);

// A reconcile function for Controller over the SecurityPolicy informer's keys (policy names).
Controller::Reconcile policy_status_reconciler(client::ApiClient& api, const client::Informer& policies,
                                               const LivePolicies& live);

}  // namespace kindlyguard::controller
