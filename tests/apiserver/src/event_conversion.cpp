#include "event_conversion.hpp"

namespace kindly::testapi {

using nlohmann::json;

json core_event_from_events_v1(const json& e) {
  json out = {{"apiVersion", "v1"}, {"kind", "Event"}, {"metadata", e.value("metadata", json::object())}};
  const auto copy = [&](const char* from, const char* to) {
    if (e.contains(from) && !e[from].is_null()) out[to] = e[from];
  };
  copy("regarding", "involvedObject");
  copy("related", "related");
  copy("note", "message");
  copy("reason", "reason");
  copy("type", "type");
  copy("action", "action");
  copy("eventTime", "eventTime");
  copy("reportingController", "reportingComponent");
  copy("reportingInstance", "reportingInstance");
  copy("deprecatedSource", "source");
  copy("deprecatedCount", "count");
  copy("deprecatedFirstTimestamp", "firstTimestamp");
  copy("deprecatedLastTimestamp", "lastTimestamp");
  if (e.contains("series") && e["series"].is_object()) {
    out["series"] = {{"count", e["series"].value("count", 0)},
                     {"lastObservedTime", e["series"].value("lastObservedTime", json())}};
  }
  if (!out.contains("involvedObject")) out["involvedObject"] = json::object();
  return out;
}

}  // namespace kindly::testapi
