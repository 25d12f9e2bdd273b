// events.k8s.io/v1 Events seen through core/v1: the real server stores one Event and serves it in
// both APIs; the test server stores them apart and converts on core/v1 lists, so `kubectl get
// events` and `kubectl describe` show what a client wrote through events.k8s.io/v1.
#pragma once

#include <nlohmann/json.hpp>

namespace kindly::testapi {

// The core/v1 form of an events.k8s.io/v1 Event (k8s.io/kubernetes/pkg/apis/events/v1
// conversion: regarding -> involvedObject, note -> message, deprecated* -> count/timestamps/source,
// reportingController -> reportingComponent).
nlohmann::json core_event_from_events_v1(const nlohmann::json& event);

}  // namespace kindly::testapi
