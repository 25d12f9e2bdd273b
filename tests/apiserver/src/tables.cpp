#include "kindly_test_apiserver/tables.hpp"

#include <chrono>
#include <functional>

#include "util.hpp"

namespace kindly::testapi {

using nlohmann::json;

namespace {

struct Column {
  std::string name;
  std::string type;
  std::string format;
  int priority;
  std::string description;
  std::function<json(const json&)> cell;
};

std::string age_of(const json& obj) {
  const std::string ts = obj["metadata"].value("creationTimestamp", "");
  const auto t = util::parse_rfc3339(ts);
  if (!t) return "<unknown>";
  return util::human_duration(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
}

json get_path(const json& obj, const std::string& dotted) {
  const json* cur = &obj;
  for (const auto& p : util::split(dotted, '.')) {
    if (!cur->is_object() || !cur->contains(p)) return nullptr;
    cur = &(*cur)[p];
  }
  return *cur;
}

Column name_col() {
  return {"Name", "string", "name", 0,
          "Name must be unique within a namespace. Is required when creating resources, although some resources may "
          "allow a client to request the generation of an appropriate name automatically. Name is primarily intended "
          "for creation idempotence and configuration definition. Cannot be updated. More info: "
          "https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
          [](const json& o) { return o["metadata"].value("name", ""); }};
}

Column age_col() {
  return {"Age", "string", "", 0,
          "CreationTimestamp is a timestamp representing the server time when this object was created.",
          [](const json& o) { return age_of(o); }};
}

std::size_t count_of(const json& v) { return v.is_object() || v.is_array() ? v.size() : 0; }

std::vector<Column> builtin_columns(const ResourceInfo& r) {
  std::vector<Column> cols{name_col()};
  const std::string key = r.qualified();
  if (key == "pods") {
    cols.push_back({"Ready", "string", "", 0, "The aggregate readiness state of this pod for accepting traffic.",
                    [](const json& o) {
                      const std::size_t total = count_of(get_path(o, "spec.containers"));
                      std::size_t ready = 0;
                      const json st = get_path(o, "status.containerStatuses");
                      if (st.is_array())
                        for (const auto& c : st) ready += c.value("ready", false) ? 1 : 0;
                      return std::to_string(ready) + "/" + std::to_string(total);
                    }});
    cols.push_back({"Status", "string", "", 0, "The aggregate status of the containers in this pod.",
                    [](const json& o) {
                      if (o["metadata"].contains("deletionTimestamp")) return std::string("Terminating");
                      const json p = get_path(o, "status.phase");
                      return p.is_string() ? p.get<std::string>() : std::string("Unknown");
                    }});
    cols.push_back({"Restarts", "string", "", 0, "The number of times the containers in this pod have been restarted.",
                    [](const json& o) {
                      long long n = 0;
                      const json st = get_path(o, "status.containerStatuses");
                      if (st.is_array())
                        for (const auto& c : st) n += c.value("restartCount", 0LL);
                      return std::to_string(n);
                    }});
    cols.push_back(age_col());
    cols.push_back({"IP", "string", "", 1, "IP address allocated to the pod.", [](const json& o) {
                      const json ip = get_path(o, "status.podIP");
                      return ip.is_string() ? ip.get<std::string>() : std::string("<none>");
                    }});
    cols.push_back({"Node", "string", "", 1, "Name of the Node this pod is assigned to.", [](const json& o) {
                      const json n = get_path(o, "spec.nodeName");
                      return n.is_string() ? n.get<std::string>() : std::string("<none>");
                    }});
    return cols;
  }
  if (key == "namespaces") {
    cols.push_back({"Status", "string", "", 0, "The status of the namespace", [](const json& o) {
                      const json p = get_path(o, "status.phase");
                      return p.is_string() ? p.get<std::string>() : std::string("Active");
                    }});
  } else if (key == "secrets") {
    cols.push_back({"Type", "string", "", 0, "The type of the secret", [](const json& o) {
                      return o.value("type", std::string("Opaque"));
                    }});
    cols.push_back({"Data", "string", "", 0, "The number of entries in the data",
                    [](const json& o) { return std::to_string(count_of(get_path(o, "data"))); }});
  } else if (key == "configmaps") {
    cols.push_back({"Data", "string", "", 0, "Number of data entries", [](const json& o) {
                      return std::to_string(count_of(get_path(o, "data")) + count_of(get_path(o, "binaryData")));
                    }});
  } else if (key == "leases.coordination.k8s.io") {
    cols.push_back({"Holder", "string", "", 0, "The holder of the lease", [](const json& o) {
                      const json h = get_path(o, "spec.holderIdentity");
                      return h.is_string() ? h.get<std::string>() : std::string("");
                    }});
  } else if (key == "deployments.apps" || key == "replicasets.apps") {
    cols.push_back({"Ready", "string", "", 0, "Number of the pod with ready state", [](const json& o) {
                      return std::to_string(get_path(o, "status.readyReplicas").is_number()
                                                ? get_path(o, "status.readyReplicas").get<long long>()
                                                : 0) +
                             "/" +
                             std::to_string(get_path(o, "spec.replicas").is_number()
                                                ? get_path(o, "spec.replicas").get<long long>()
                                                : 1);
                    }});
  } else if (key == "networkpolicies.networking.k8s.io") {
    cols.push_back({"Pod-Selector", "string", "", 0, "Pods selected by this policy", [](const json& o) {
                      const json ml = get_path(o, "spec.podSelector.matchLabels");
                      std::string out;
                      if (ml.is_object())
                        for (auto it = ml.begin(); it != ml.end(); ++it)
                          out += (out.empty() ? "" : ",") + it.key() + "=" + it.value().get<std::string>();
                      return out.empty() ? std::string("<none>") : out;
                    }});
  } else if (key == "events") {
    cols.push_back({"Type", "string", "", 0, "Event type", [](const json& o) { return o.value("type", ""); }});
    cols.push_back({"Reason", "string", "", 0, "Event reason", [](const json& o) { return o.value("reason", ""); }});
    cols.push_back({"Message", "string", "", 0, "Event message", [](const json& o) { return o.value("message", ""); }});
  }
  cols.push_back(age_col());
  return cols;
}

std::vector<Column> crd_columns(const ResourceInfo& r, const json& crd) {
  json printer;
  for (const auto& v : crd["spec"].value("versions", json::array())) {
    if (v.value("name", "") == r.version && v.contains("additionalPrinterColumns")) printer = v["additionalPrinterColumns"];
  }
  if (!printer.is_array() || printer.empty()) return {name_col(), age_col()};
  std::vector<Column> cols{name_col()};
  for (const auto& c : printer) {
    const std::string type = c.value("type", "string");
    const std::string path = c.value("jsonPath", "");
    cols.push_back({c.value("name", ""), type == "date" ? "date" : type, c.value("format", ""),
                    c.value("priority", 0), c.value("description", ""), [type, path](const json& o) -> json {
                      const auto vals = eval_jsonpath(o, path);
                      if (vals.empty() || vals[0].is_null()) return nullptr;
                      const json& v = vals[0];
                      if (type == "date" && v.is_string()) {
                        const auto t = util::parse_rfc3339(v.get<std::string>());
                        if (!t) return nullptr;
                        return util::human_duration(
                            std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
                      }
                      if (type == "string" && !v.is_string()) return v.dump();
                      return v;
                    }});
  }
  return cols;
}

}  // namespace

bool wants_table(const std::string& accept) {
  return accept.find("as=Table") != std::string::npos && accept.find("g=meta.k8s.io") != std::string::npos;
}

json to_table(const ResourceInfo& r, const std::vector<json>& objects, const TableOptions& opts) {
  const std::vector<Column> cols = (r.custom && opts.crd.is_object()) ? crd_columns(r, opts.crd)
                                   : r.custom                          ? std::vector<Column>{name_col(), age_col()}
                                                                       : builtin_columns(r);
  json defs = json::array();
  for (const auto& c : cols) {
    defs.push_back({{"name", c.name},
                    {"type", c.type == "date" ? "date" : c.type},
                    {"format", c.format},
                    {"description", c.description},
                    {"priority", c.priority}});
  }
  json rows = json::array();
  for (const auto& o : objects) {
    json cells = json::array();
    for (const auto& c : cols) cells.push_back(c.cell(o));
    json row = {{"cells", cells}};
    if (opts.include_object == "Object") {
      row["object"] = o;
    } else if (opts.include_object != "None") {
      row["object"] = {{"kind", "PartialObjectMetadata"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", o["metadata"]}};
    }
    rows.push_back(row);
  }
  json meta = {{"resourceVersion", opts.resource_version}};
  if (!opts.continue_token.empty()) meta["continue"] = opts.continue_token;
  json t = {{"kind", "Table"}, {"apiVersion", "meta.k8s.io/v1"}, {"metadata", meta}};
  if (!opts.no_headers) t["columnDefinitions"] = defs;
  t["rows"] = rows;
  return t;
}

// ---------------------------------------------------------------- JSONPath subset

namespace {

void step(const std::vector<json>& in, const std::string& path, std::size_t pos, std::vector<json>& out);

void apply_rest(const json& v, const std::string& path, std::size_t pos, std::vector<json>& out) {
  step({v}, path, pos, out);
}

void step(const std::vector<json>& in, const std::string& path, std::size_t pos, std::vector<json>& out) {
  if (pos >= path.size()) {
    out.insert(out.end(), in.begin(), in.end());
    return;
  }
  if (path[pos] == '.') {
    std::size_t end = pos + 1;
    while (end < path.size() && path[end] != '.' && path[end] != '[') ++end;
    const std::string key = path.substr(pos + 1, end - pos - 1);
    for (const auto& v : in) {
      if (key.empty()) {
        apply_rest(v, path, end, out);
      } else if (v.is_object() && v.contains(key)) {
        apply_rest(v[key], path, end, out);
      }
    }
    return;
  }
  if (path[pos] == '[') {
    const std::size_t close = path.find(']', pos);
    if (close == std::string::npos) return;
    std::string inner = path.substr(pos + 1, close - pos - 1);
    std::size_t next = close + 1;
    if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"')) {
      const std::string key = inner.substr(1, inner.size() - 2);
      for (const auto& v : in) {
        if (v.is_object() && v.contains(key)) apply_rest(v[key], path, next, out);
      }
      return;
    }
    if (util::starts_with(inner, "?(")) {
      // [?(@.field=="value")] — the filter may contain ']' inside quotes, find the real end.
      const std::size_t fclose = path.find(")]", pos);
      if (fclose == std::string::npos) return;
      inner = path.substr(pos + 3, fclose - pos - 3);  // @.field=="value"
      next = fclose + 2;
      const auto eq = inner.find("==");
      if (eq == std::string::npos || !util::starts_with(inner, "@.")) return;
      const std::string field = util::trim(inner.substr(2, eq - 2));
      std::string want = util::trim(inner.substr(eq + 2));
      if (want.size() >= 2 && (want.front() == '"' || want.front() == '\'')) want = want.substr(1, want.size() - 2);
      for (const auto& v : in) {
        if (!v.is_array()) continue;
        for (const auto& el : v) {
          if (!el.is_object() || !el.contains(field)) continue;
          const json& f = el[field];
          const std::string s = f.is_string() ? f.get<std::string>() : f.dump();
          if (s == want) apply_rest(el, path, next, out);
        }
      }
      return;
    }
    for (const auto& v : in) {
      if (!v.is_array()) continue;
      if (inner == "*") {
        for (const auto& el : v) apply_rest(el, path, next, out);
      } else {
        try {
          long long i = std::stoll(inner);
          if (i < 0) i += static_cast<long long>(v.size());
          if (i >= 0 && static_cast<std::size_t>(i) < v.size()) apply_rest(v[static_cast<std::size_t>(i)], path, next, out);
        } catch (...) {
        }
      }
    }
    return;
  }
  // A path without a leading dot ("spec.x"): treat as ".spec.x".
  step(in, "." + path.substr(pos), 0, out);
}

}  // namespace

std::vector<json> eval_jsonpath(const json& obj, const std::string& path_in) {
  std::string path = util::trim(path_in);
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}') path = path.substr(1, path.size() - 2);
  if (util::starts_with(path, "$")) path = path.substr(1);
  std::vector<json> out;
  step({obj}, path, 0, out);
  return out;
}

}  // namespace kindly::testapi
