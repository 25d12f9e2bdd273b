#include "kindly_test_apiserver/store.hpp"

#include <algorithm>
#include <stdexcept>

#include "kindly_test_apiserver/patch.hpp"
#include "kindly_test_apiserver/status.hpp"
#include "util.hpp"
#include "validation.hpp"

namespace kindly::testapi {

using nlohmann::json;

std::uint64_t resource_version_of(const json& obj) {
  if (!obj.is_object() || !obj.contains("metadata") || !obj["metadata"].is_object()) return 0;
  const std::string rv = obj["metadata"].value("resourceVersion", "");
  try {
    return rv.empty() ? 0 : std::stoull(rv);
  } catch (...) {
    return 0;
  }
}

namespace {

bool is_core(const ResourceInfo& r, const char* plural) { return r.group.empty() && r.plural == plural; }

json& meta(json& obj) {
  if (!obj.contains("metadata") || !obj["metadata"].is_object()) obj["metadata"] = json::object();
  return obj["metadata"];
}

std::string str_field(const json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return (it != obj.end() && it->is_string()) ? it->get<std::string>() : "";
}

// What the generation counts: everything but metadata (and status, when it has its own endpoint).
json generation_part(const ResourceInfo& r, json obj) {
  obj.erase("metadata");
  if (r.has_status) obj.erase("status");
  return obj;
}

std::uint64_t parse_rv(const std::string& s, const char* what) {
  try {
    std::size_t used = 0;
    const auto v = std::stoull(s, &used);
    if (used != s.size()) throw std::invalid_argument(s);
    return v;
  } catch (...) {
    throw errors::bad_request(std::string("invalid ") + what + ": \"" + s + "\"");
  }
}

// Secrets: stringData is written into data (base64) and never stored; type defaults to Opaque.
void fold_string_data(const ResourceInfo& r, json& obj) {
  if (!is_core(r, "secrets")) return;
  if (!obj.contains("type") || obj["type"] == "") obj["type"] = "Opaque";
  if (!obj.contains("stringData")) return;
  if (obj["stringData"].is_object()) {
    if (!obj.contains("data") || !obj["data"].is_object()) obj["data"] = json::object();
    for (auto it = obj["stringData"].begin(); it != obj["stringData"].end(); ++it) {
      if (it.value().is_string()) obj["data"][it.key()] = util::base64_encode(it.value().get<std::string>());
    }
  }
  obj.erase("stringData");
}

const char* kServerManaged[] = {"uid", "creationTimestamp", "generation", "deletionTimestamp",
                                "deletionGracePeriodSeconds"};

}  // namespace

// ---------------------------------------------------------------- StoreView

const json* StoreView::get(std::string_view resource, const std::string& ns, const std::string& name) const {
  const ResourceInfo& r = s_.resolve(resource);
  const auto* t = s_.table_if(r);
  if (!t) return nullptr;
  auto it = t->find({r.namespaced ? ns : "", name});
  return it == t->end() ? nullptr : &it->second;
}

std::vector<json> StoreView::list(std::string_view resource, const std::string& ns) const {
  const ResourceInfo& r = s_.resolve(resource);
  std::vector<json> out;
  if (const auto* t = s_.table_if(r)) {
    for (const auto& [k, v] : *t) {
      if (ns.empty() || k.first == ns) out.push_back(v);
    }
  }
  return out;
}

std::uint64_t StoreView::resource_version() const { return s_.rv_; }

std::size_t StoreView::watch_count(std::string_view resource) const {
  return s_.hub_.count(resource.empty() ? nullptr : &s_.resolve(resource));
}

// ---------------------------------------------------------------- ObjectStore basics

ObjectStore::ObjectStore(ResourceRegistry& registry, Config config)
    : registry_(registry), config_(std::move(config)), rv_(config_.initial_resource_version), floor_(rv_) {
  if (const ResourceInfo* ns = registry_.find("", "v1", "namespaces")) {
    for (const auto& name : config_.initial_namespaces) {
      create(*ns, "", json{{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name}}}},
             WriteMode::Api);
    }
  }
  // Start with an empty history: nothing before "now" can be watched from anyway.
  std::lock_guard lock(mu_);
  history_.clear();
  floor_ = rv_;
}

const ResourceInfo& ObjectStore::resolve(std::string_view resource) const {
  const ResourceInfo* r = registry_.resolve(resource);
  if (!r) throw std::invalid_argument("unknown resource: " + std::string(resource));
  return *r;
}

ObjectStore::Table& ObjectStore::table(const ResourceInfo& r) {
  auto& b = objects_[r.qualified()];
  if (!b.resource) b.resource = &r;
  return b.objects;
}

const ObjectStore::Table* ObjectStore::table_if(const ResourceInfo& r) const {
  auto it = objects_.find(r.qualified());
  return it == objects_.end() ? nullptr : &it->second.objects;
}

json* ObjectStore::find_locked(const ResourceInfo& r, const std::string& ns, const std::string& name) {
  auto& t = table(r);
  auto it = t.find({r.namespaced ? ns : "", name});
  return it == t.end() ? nullptr : &it->second;
}

std::uint64_t ObjectStore::commit(const ResourceInfo& r, const std::string& type, json& obj, const json& previous) {
  ++rv_;
  meta(obj)["resourceVersion"] = std::to_string(rv_);
  const std::string ns = r.namespaced ? str_field(obj["metadata"], "namespace") : "";
  const std::string name = str_field(obj["metadata"], "name");
  auto& t = table(r);
  if (type == "DELETED") {
    t.erase({ns, name});
  } else {
    t[{ns, name}] = obj;
  }
  history_.push_back(StoredEvent{type, rv_, &r, ns, name, obj, previous});
  while (history_.size() > config_.history_limit && !history_.empty()) {
    floor_ = history_.front().resource_version;
    history_.pop_front();
  }
  hub_.publish(history_.back());
  if (r.group == "apiextensions.k8s.io" && r.plural == "customresourcedefinitions" && type != "DELETED") {
    on_crd_written(obj);
  }
  changed_.notify_all();
  return rv_;
}

void ObjectStore::on_crd_written(const json& crd) {
  const json spec = crd.value("spec", json::object());
  const json names = spec.value("names", json::object());
  ResourceInfo base;
  base.group = spec.value("group", "");
  base.kind = names.value("kind", "");
  base.plural = names.value("plural", "");
  base.singular = names.value("singular", "");
  base.namespaced = spec.value("scope", "Namespaced") == "Namespaced";
  base.custom = true;
  if (names.contains("shortNames") && names["shortNames"].is_array()) {
    for (const auto& s : names["shortNames"]) base.short_names.push_back(s.get<std::string>());
  }
  if (names.contains("categories") && names["categories"].is_array()) {
    for (const auto& s : names["categories"]) base.categories.push_back(s.get<std::string>());
  }
  if (base.group.empty() || base.plural.empty() || base.kind.empty()) return;
  for (const auto& v : spec.value("versions", json::array())) {
    if (!v.value("served", true)) continue;
    ResourceInfo r = base;
    r.version = v.value("name", "");
    r.has_status = v.contains("subresources") && v["subresources"].contains("status");
    if (!r.version.empty()) registry_.add(r);
  }
}

// ---------------------------------------------------------------- writes

void ObjectStore::check_body_identity(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                      json& body) const {
  if (!body.is_object()) throw errors::bad_request("the body of the request must be a JSON object");
  const std::string kind = str_field(body, "kind");
  const std::string api_version = str_field(body, "apiVersion");
  if (!kind.empty() && kind != r.kind) {
    throw errors::bad_request("the kind of the object (" + kind + ") does not match the kind of the resource (" +
                              r.kind + ")");
  }
  if (!api_version.empty() && api_version != r.api_version()) {
    // Another served version of the same group is accepted (no conversion is done).
    const auto slash = api_version.find('/');
    const std::string group = slash == std::string::npos ? "" : api_version.substr(0, slash);
    if (group != r.group) {
      throw errors::bad_request("the API version in the data (" + api_version +
                                ") does not match the expected API version (" + r.api_version() + ")");
    }
  }
  body["kind"] = r.kind;
  if (api_version.empty()) body["apiVersion"] = r.api_version();
  json& m = meta(body);
  const std::string body_ns = str_field(m, "namespace");
  if (r.namespaced) {
    if (!body_ns.empty() && body_ns != ns) {
      throw errors::bad_request("the namespace of the provided object does not match the namespace sent on the request");
    }
    m["namespace"] = ns;
  } else {
    m.erase("namespace");
  }
  if (!name.empty()) {
    const std::string body_name = str_field(m, "name");
    if (body_name.empty()) {
      m["name"] = name;
    } else if (body_name != name) {
      throw errors::bad_request("the name of the object (" + body_name + ") does not match the name on the URL (" +
                                name + ")");
    }
  }
}

json ObjectStore::create_locked(const ResourceInfo& r, const std::string& ns, json obj, WriteMode mode,
                                bool dry_run) {
  check_body_identity(r, ns, "", obj);
  json& m = meta(obj);
  if (str_field(m, "name").empty()) {
    const std::string gen = str_field(m, "generateName");
    if (gen.empty()) {
      throw errors::invalid(r, "", "metadata.name", "Required value: name or generateName is required",
                            "FieldValueRequired");
    }
    m["name"] = gen + util::random_suffix(5);
  }
  const std::string name = m["name"].get<std::string>();
  if (mode != WriteMode::Direct && !str_field(m, "resourceVersion").empty()) {
    throw ApiError(500, "", "resourceVersion should not be set on objects to be created");
  }
  m.erase("resourceVersion");
  m.erase("selfLink");
  validation::validate_object_meta(r, obj);
  if (r.namespaced && mode != WriteMode::Direct && config_.require_namespace) {
    const ResourceInfo* nsr = registry_.find("", "v1", "namespaces");
    if (nsr && !find_locked(*nsr, "", ns)) throw errors::not_found(*nsr, ns);
  }
  if (find_locked(r, ns, name)) throw errors::already_exists(r, name);

  const auto now = std::chrono::system_clock::now();
  if (mode != WriteMode::Direct || str_field(m, "uid").empty()) m["uid"] = util::new_uid();
  if (mode != WriteMode::Direct || str_field(m, "creationTimestamp").empty()) m["creationTimestamp"] = util::rfc3339(now);
  m["generation"] = 1;
  m.erase("deletionTimestamp");
  m.erase("deletionGracePeriodSeconds");
  if (mode == WriteMode::Api && r.has_status) {
    // Create cannot set status where status has its own endpoint; built-ins get their defaults.
    obj.erase("status");
    if (is_core(r, "pods")) obj["status"] = {{"phase", "Pending"}};
    if (is_core(r, "namespaces")) obj["status"] = {{"phase", "Active"}};
  }
  if (is_core(r, "namespaces") && !obj.contains("spec")) obj["spec"] = {{"finalizers", json::array({"kubernetes"})}};
  fold_string_data(r, obj);
  if (dry_run) return obj;
  commit(r, "ADDED", obj, nullptr);
  return obj;
}

json ObjectStore::merge_for_mode(const ResourceInfo& r, const json& current, const json& body, WriteMode mode) const {
  json next;
  if (mode == WriteMode::Status) {
    next = current;
    if (body.contains("status")) {
      next["status"] = body["status"];
    } else {
      next.erase("status");
    }
  } else {
    next = body;
    if (mode == WriteMode::Api && r.has_status) {
      if (current.contains("status")) {
        next["status"] = current["status"];
      } else {
        next.erase("status");
      }
    }
    json& m = meta(next);
    const json& cm = current.at("metadata");
    for (const char* k : kServerManaged) {
      if (cm.contains(k)) {
        m[k] = cm[k];
      } else {
        m.erase(k);
      }
    }
    m.erase("selfLink");
  }
  return next;
}

json ObjectStore::replace_locked(const ResourceInfo& r, const json& current, json next, bool dry_run) {
  const std::string name = str_field(current["metadata"], "name");
  const std::string want_rv = str_field(meta(next), "resourceVersion");
  if (!want_rv.empty() && want_rv != str_field(current["metadata"], "resourceVersion")) {
    throw errors::modified_conflict(r, name);
  }
  json& m = meta(next);
  validation::validate_object_meta(r, next);
  fold_string_data(r, next);
  // Generation: bumped when anything but metadata (and status, with a status endpoint) changes.
  const std::int64_t gen = current["metadata"].value("generation", std::int64_t{1});
  m["generation"] = generation_part(r, next) != generation_part(r, current) ? gen + 1 : gen;
  const bool deleting = current["metadata"].contains("deletionTimestamp");
  if (deleting) {
    const json old_f = current["metadata"].value("finalizers", json::array());
    for (const auto& f : m.value("finalizers", json::array())) {
      if (std::find(old_f.begin(), old_f.end(), f) == old_f.end()) {
        throw errors::invalid(r, name, "metadata.finalizers",
                              "Forbidden: no new finalizers can be added if the object is being deleted, found new "
                              "finalizers []string{" + f.dump() + "}",
                              "FieldValueForbidden");
      }
    }
  }
  m["resourceVersion"] = current["metadata"]["resourceVersion"];
  if (next == current) return next;  // a no-op write makes no new resourceVersion and no event
  if (dry_run) return next;
  if (deleting && m.value("finalizers", json::array()).empty()) {
    commit(r, "DELETED", next, current);
    return next;
  }
  commit(r, "MODIFIED", next, current);
  return next;
}

json ObjectStore::create(const ResourceInfo& r, const std::string& ns, json obj, WriteMode mode, bool dry_run) {
  std::lock_guard lock(mu_);
  return create_locked(r, r.namespaced ? ns : "", std::move(obj), mode, dry_run);
}

json ObjectStore::get(const ResourceInfo& r, const std::string& ns, const std::string& name) const {
  std::lock_guard lock(mu_);
  const auto* t = table_if(r);
  if (t) {
    auto it = t->find({r.namespaced ? ns : "", name});
    if (it != t->end()) return it->second;
  }
  throw errors::not_found(r, name);
}

json ObjectStore::update(const ResourceInfo& r, const std::string& ns_in, const std::string& name, json obj,
                         WriteMode mode, bool dry_run) {
  const std::string ns = r.namespaced ? ns_in : "";
  check_body_identity(r, ns, name, obj);
  std::lock_guard lock(mu_);
  json* cur = find_locked(r, ns, name);
  if (!cur) throw errors::not_found(r, name);
  const std::string uid = str_field(obj["metadata"], "uid");
  if (!uid.empty() && uid != str_field((*cur)["metadata"], "uid")) {
    throw errors::conflict(r, name, "Precondition failed: UID in precondition: " + uid +
                                        ", UID in object meta: " + str_field((*cur)["metadata"], "uid"));
  }
  json next = merge_for_mode(r, *cur, obj, mode);
  meta(next)["resourceVersion"] = obj["metadata"].value("resourceVersion", "");
  return replace_locked(r, json(*cur), std::move(next), dry_run);
}

json ObjectStore::modify(const ResourceInfo& r, const std::string& ns_in, const std::string& name, const Mutator& mut,
                         WriteMode mode, bool dry_run, bool create_if_missing, bool* created) {
  const std::string ns = r.namespaced ? ns_in : "";
  std::lock_guard lock(mu_);
  json* cur = find_locked(r, ns, name);
  if (created) *created = false;
  if (!cur) {
    if (!create_if_missing) throw errors::not_found(r, name);
    json obj = mut(json::object());
    meta(obj)["name"] = name;
    if (r.namespaced) obj["metadata"]["namespace"] = ns;
    json out = create_locked(r, ns, std::move(obj), mode, dry_run);
    if (created) *created = true;
    return out;
  }
  const json current = *cur;
  json patched = mut(current);
  check_body_identity(r, ns, name, patched);
  const std::string uid = str_field(patched["metadata"], "uid");
  if (!uid.empty() && uid != str_field(current["metadata"], "uid")) {
    throw errors::conflict(r, name, "Precondition failed: UID in precondition: " + uid +
                                        ", UID in object meta: " + str_field(current["metadata"], "uid"));
  }
  json next = merge_for_mode(r, current, patched, mode);
  // A resourceVersion in the patch is a precondition, exactly as with PUT.
  meta(next)["resourceVersion"] = patched["metadata"].value("resourceVersion", "");
  return replace_locked(r, current, std::move(next), dry_run);
}

DeleteResult ObjectStore::remove_locked(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                        const Preconditions& pre, bool dry_run, bool force) {
  json* cur = find_locked(r, ns, name);
  if (!cur) throw errors::not_found(r, name);
  const json current = *cur;
  const json& cm = current["metadata"];
  if (!pre.resource_version.empty() && pre.resource_version != str_field(cm, "resourceVersion")) {
    throw errors::conflict(r, name, "Precondition failed: ResourceVersion in precondition: " + pre.resource_version +
                                        ", ResourceVersion in object meta: " + str_field(cm, "resourceVersion"));
  }
  if (!pre.uid.empty() && pre.uid != str_field(cm, "uid")) {
    throw errors::conflict(r, name, "Precondition failed: UID in precondition: " + pre.uid +
                                        ", UID in object meta: " + str_field(cm, "uid"));
  }
  if (dry_run) return {current, true};
  if (is_core(r, "namespaces")) {
    // The namespace controller's work, done at once: every namespaced object in it goes first.
    for (auto& [qualified, bucket] : objects_) {
      if (!bucket.resource || !bucket.resource->namespaced) continue;
      std::vector<Key> keys;
      for (const auto& [k, v] : bucket.objects) {
        if (k.first == name) keys.push_back(k);
      }
      for (const auto& k : keys) {
        json obj = bucket.objects.at(k);
        const json prev = obj;
        commit(*bucket.resource, "DELETED", obj, prev);
      }
    }
  }
  const json finalizers = cm.value("finalizers", json::array());
  if (!force && !finalizers.empty() && !is_core(r, "namespaces")) {
    if (cm.contains("deletionTimestamp")) return {current, false};
    json next = current;
    next["metadata"]["deletionTimestamp"] = util::rfc3339(std::chrono::system_clock::now());
    next["metadata"]["deletionGracePeriodSeconds"] = 0;
    commit(r, "MODIFIED", next, current);
    return {next, false};
  }
  json obj = current;
  commit(r, "DELETED", obj, current);
  return {obj, true};
}

DeleteResult ObjectStore::remove(const ResourceInfo& r, const std::string& ns, const std::string& name,
                                 const Preconditions& pre, bool dry_run) {
  std::lock_guard lock(mu_);
  return remove_locked(r, r.namespaced ? ns : "", name, pre, dry_run, false);
}

std::vector<json> ObjectStore::remove_collection(const ResourceInfo& r, const std::string& ns, const ListOptions& opts,
                                                 bool dry_run) {
  std::lock_guard lock(mu_);
  std::vector<Key> keys;
  for (const auto& [k, v] : table(r)) {
    if (r.namespaced && !ns.empty() && k.first != ns) continue;
    if (!opts.labels.matches(v["metadata"].contains("labels") ? v["metadata"]["labels"] : json())) continue;
    if (!opts.fields.matches(v)) continue;
    keys.push_back(k);
  }
  std::vector<json> out;
  for (const auto& k : keys) out.push_back(remove_locked(r, k.first, k.second, {}, dry_run, false).object);
  return out;
}

// ---------------------------------------------------------------- reads

void ObjectStore::wait_for_rv(std::unique_lock<std::mutex>& lock, std::uint64_t rv) const {
  if (rv <= rv_) return;
  if (!changed_.wait_for(lock, config_.too_large_rv_wait, [&] { return rv_ >= rv; })) {
    throw errors::too_large_resource_version(rv, rv_);
  }
}

std::map<ObjectStore::Key, const json*> ObjectStore::state_at_overlay(const ResourceInfo& r, std::uint64_t rv) const {
  std::map<Key, const json*> out;
  const std::string qualified = r.qualified();
  // Newest to oldest: the oldest event after rv writes last, and its previous state is the one at rv.
  for (auto it = history_.rbegin(); it != history_.rend() && it->resource_version > rv; ++it) {
    if (it->resource->qualified() != qualified) continue;
    out[{it->ns, it->name}] = it->previous.is_null() ? nullptr : &it->previous;
  }
  return out;
}

ListResult ObjectStore::list(const ResourceInfo& r, const std::string& ns_in, const ListOptions& opts) const {
  const std::string ns = r.namespaced ? ns_in : "";
  std::unique_lock lock(mu_);
  std::uint64_t at = rv_;
  Key after;
  bool has_after = false;
  if (!opts.continue_token.empty()) {
    const auto decoded = util::base64_decode(opts.continue_token);
    json tok = decoded ? json::parse(*decoded, nullptr, false) : json();
    if (!tok.is_object() || !tok.contains("rv") || !tok.contains("start")) {
      throw errors::bad_request("continue key is not valid: illegal base64 data or malformed token");
    }
    at = tok["rv"].get<std::uint64_t>();
    if (at < floor_) {
      throw errors::expired(
          "The provided continue parameter is too old to display a consistent list result. You can start a new list "
          "without the continue parameter.");
    }
    after = {tok["start"][0].get<std::string>(), tok["start"][1].get<std::string>()};
    has_after = true;
  } else if (!opts.resource_version.empty() && opts.resource_version != "0") {
    const std::uint64_t want = parse_rv(opts.resource_version, "resourceVersion");
    if (opts.resource_version_match == "Exact") {
      wait_for_rv(lock, want);
      if (want < floor_) throw errors::expired("The resourceVersion for the provided list is too old.");
      at = want;
    } else {
      wait_for_rv(lock, want);
      at = rv_;
    }
  }
  // Pages walk the live table from the continue key, with what changed since the page's
  // resourceVersion laid over it: no page copies the table, so a paged list of n objects costs
  // O(n) in all rather than O(n) per page (a 100,000-pod list in pages of 500 copied 20 million
  // objects, under the store lock).
  static const Table kEmpty;
  static const json kNoLabels;
  const bool everything = opts.labels.empty() && opts.fields.empty();
  // Labels by reference: a copy per object made counting the remaining items the cost of a page.
  auto selects = [&](const json& v) {
    if (everything) return true;
    const json& m = v["metadata"];
    const auto labels = m.find("labels");
    return opts.labels.matches(labels != m.end() ? *labels : kNoLabels) && opts.fields.matches(v);
  };
  const Table& live = table_if(r) ? *table_if(r) : kEmpty;
  const auto overlay = at == rv_ ? std::map<Key, const json*>{} : state_at_overlay(r, at);
  auto lt = has_after ? live.upper_bound(after) : live.lower_bound({ns, ""});
  auto ot = has_after ? overlay.upper_bound(after) : overlay.lower_bound({ns, ""});
  ListResult out;
  out.resource_version = at;
  std::int64_t remaining = 0;
  Key last;
  while (lt != live.end() || ot != overlay.end()) {
    const json* v = nullptr;
    const Key* k = nullptr;
    if (ot == overlay.end() || (lt != live.end() && lt->first < ot->first)) {
      k = &lt->first;
      v = &lt->second;
      ++lt;
    } else {
      if (lt != live.end() && lt->first == ot->first) ++lt;  // the state at `at` wins
      k = &ot->first;
      v = ot->second;
      ++ot;
    }
    if (!ns.empty() && k->first != ns) {
      if (k->first > ns) break;  // keys are ordered by namespace first
      continue;
    }
    if (!v) continue;  // created after `at`
    if (!selects(*v)) continue;
    if (opts.limit > 0 && static_cast<std::int64_t>(out.items.size()) >= opts.limit) {
      ++remaining;
      continue;
    }
    out.items.push_back(*v);
    last = *k;
  }
  if (remaining > 0) {
    const json tok = {{"v", "meta.k8s.io/v1"}, {"rv", at}, {"start", {last.first, last.second}}};
    out.continue_token = util::base64_encode(tok.dump());
    out.remaining_item_count = remaining;
  }
  return out;
}

// ---------------------------------------------------------------- watch

json ObjectStore::bookmark_object(const ResourceInfo& r, bool initial_events_end) const {
  json m = {{"resourceVersion", std::to_string(rv_)}};
  if (!r.custom) m["creationTimestamp"] = nullptr;
  if (initial_events_end) m["annotations"] = {{"k8s.io/initial-events-end", "true"}};
  return {{"kind", r.kind}, {"apiVersion", r.api_version()}, {"metadata", m}};
}

std::shared_ptr<Watcher> ObjectStore::watch(const ResourceInfo& r, const std::string& ns_in, const WatchOptions& opts) {
  WatchFilter filter{&r, r.namespaced ? ns_in : "", opts.labels, opts.fields};
  std::unique_lock lock(mu_);
  auto w = std::make_shared<Watcher>(next_watch_id_++, filter, opts.allow_bookmarks);
  const bool from_now = opts.resource_version.empty() || opts.resource_version == "0";
  if (opts.send_initial_events || from_now) {
    if (!from_now) {
      try {
        wait_for_rv(lock, parse_rv(opts.resource_version, "resourceVersion"));
      } catch (const ApiError& e) {
        w->close(Watcher::End::Expired, e.to_status());
        return w;
      }
    }
    if (const auto* t = table_if(r)) {
      for (const auto& [k, v] : *t) {
        if (filter.matches(v)) w->push({"ADDED", v});
      }
    }
    if (opts.send_initial_events) w->push({"BOOKMARK", bookmark_object(r, true)});
  } else {
    std::uint64_t want = 0;
    try {
      want = parse_rv(opts.resource_version, "resourceVersion");
      wait_for_rv(lock, want);
    } catch (const ApiError& e) {
      w->close(Watcher::End::Expired, e.to_status());
      return w;
    }
    if (want < floor_) {
      w->close(Watcher::End::Expired,
               errors::expired("too old resource version: " + std::to_string(want) + " (" + std::to_string(floor_) +
                               ")")
                   .to_status());
      return w;
    }
    for (const auto& e : history_) {
      if (e.resource_version <= want) continue;
      if (auto type = filter.translate(e)) w->push({*type, e.object});
    }
  }
  hub_.add(w);
  changed_.notify_all();
  return w;
}

void ObjectStore::release(const std::shared_ptr<Watcher>& w) {
  std::lock_guard lock(mu_);
  w->close(Watcher::End::ClientGone);
  hub_.remove(w.get());
  changed_.notify_all();
}

void ObjectStore::bookmark(Watcher& w, bool initial_events_end) {
  std::lock_guard lock(mu_);
  w.push({"BOOKMARK", bookmark_object(*w.filter().resource, initial_events_end)});
}

std::uint64_t ObjectStore::resource_version() const {
  std::lock_guard lock(mu_);
  return rv_;
}

std::uint64_t ObjectStore::compacted_resource_version() const {
  std::lock_guard lock(mu_);
  return floor_;
}

void ObjectStore::compact() {
  std::lock_guard lock(mu_);
  history_.clear();
  floor_ = rv_;
  changed_.notify_all();
}

void ObjectStore::restart(std::uint64_t rv_jump) {
  std::lock_guard lock(mu_);
  hub_.close_all(Watcher::End::Dropped);
  history_.clear();
  rv_ += rv_jump;
  floor_ = rv_;
  changed_.notify_all();
}

std::size_t ObjectStore::drop_watches(std::string_view resource) {
  std::lock_guard lock(mu_);
  const auto n = hub_.close_all(Watcher::End::Dropped, resource.empty() ? nullptr : &resolve(resource));
  changed_.notify_all();
  return n;
}

std::size_t ObjectStore::expire_watches(std::string_view resource) {
  std::lock_guard lock(mu_);
  const json status =
      errors::expired("too old resource version: " + std::to_string(floor_) + " (" + std::to_string(rv_) + ")")
          .to_status();
  const auto n = hub_.close_all(Watcher::End::Expired, resource.empty() ? nullptr : &resolve(resource), status);
  changed_.notify_all();
  return n;
}

std::size_t ObjectStore::watch_count(std::string_view resource) const {
  std::lock_guard lock(mu_);
  return hub_.count(resource.empty() ? nullptr : &resolve(resource));
}

std::size_t ObjectStore::watch_backlog(std::string_view resource) const {
  std::lock_guard lock(mu_);
  return hub_.backlog(resource.empty() ? nullptr : &resolve(resource));
}

bool ObjectStore::wait_for(const std::function<bool(const StoreView&)>& pred, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  const StoreView view(*this);
  return changed_.wait_for(lock, timeout, [&] { return pred(view); });
}

std::optional<json> ObjectStore::wait_for_object(std::string_view resource, const std::string& ns,
                                                 const std::string& name, const std::function<bool(const json&)>& pred,
                                                 std::chrono::milliseconds timeout) const {
  std::optional<json> found;
  wait_for(
      [&](const StoreView& v) {
        const json* o = v.get(resource, ns, name);
        if (o && (!pred || pred(*o))) {
          found = *o;
          return true;
        }
        return false;
      },
      timeout);
  return found;
}

bool ObjectStore::wait_for_absent(std::string_view resource, const std::string& ns, const std::string& name,
                                  std::chrono::milliseconds timeout) const {
  return wait_for([&](const StoreView& v) { return v.get(resource, ns, name) == nullptr; }, timeout);
}

bool ObjectStore::wait_for_watches(std::string_view resource, std::size_t at_least,
                                   std::chrono::milliseconds timeout) const {
  return wait_for([&](const StoreView& v) { return v.watch_count(resource) >= at_least; }, timeout);
}

std::vector<StoredEvent> ObjectStore::history() const {
  std::lock_guard lock(mu_);
  return {history_.begin(), history_.end()};
}

// ---------------------------------------------------------------- direct access

namespace {
std::string ns_of(const ResourceInfo& r, const json& obj) {
  if (!r.namespaced) return "";
  std::string ns = obj.is_object() && obj.contains("metadata") ? str_field(obj["metadata"], "namespace") : "";
  return ns.empty() ? "default" : ns;
}
}  // namespace

json ObjectStore::create(std::string_view resource, json obj) {
  const ResourceInfo& r = resolve(resource);
  const std::string ns = ns_of(r, obj);
  return create(r, ns, std::move(obj), WriteMode::Direct);
}

std::optional<json> ObjectStore::get(std::string_view resource, const std::string& ns, const std::string& name) const {
  const ResourceInfo& r = resolve(resource);
  std::lock_guard lock(mu_);
  const auto* t = table_if(r);
  if (!t) return std::nullopt;
  auto it = t->find({r.namespaced ? ns : "", name});
  if (it == t->end()) return std::nullopt;
  return it->second;
}

json ObjectStore::update(std::string_view resource, json obj) {
  const ResourceInfo& r = resolve(resource);
  const std::string ns = ns_of(r, obj);
  const std::string name = str_field(meta(obj), "name");
  return update(r, ns, name, std::move(obj), WriteMode::Direct);
}

json ObjectStore::update_status(std::string_view resource, json obj) {
  const ResourceInfo& r = resolve(resource);
  const std::string ns = ns_of(r, obj);
  const std::string name = str_field(meta(obj), "name");
  return update(r, ns, name, std::move(obj), WriteMode::Status);
}

json ObjectStore::merge_patch(std::string_view resource, const std::string& ns, const std::string& name,
                              const json& patch) {
  const ResourceInfo& r = resolve(resource);
  return modify(r, ns, name, [&](const json& cur) { return apply_merge_patch(cur, patch); }, WriteMode::Direct);
}

json ObjectStore::upsert(std::string_view resource, json obj) {
  const ResourceInfo& r = resolve(resource);
  const std::string ns = ns_of(r, obj);
  const std::string name = str_field(meta(obj), "name");
  meta(obj).erase("resourceVersion");
  std::lock_guard lock(mu_);
  if (json* cur = find_locked(r, ns, name)) {
    check_body_identity(r, ns, name, obj);
    return replace_locked(r, json(*cur), merge_for_mode(r, *cur, obj, WriteMode::Direct), false);
  }
  return create_locked(r, ns, std::move(obj), WriteMode::Direct, false);
}

bool ObjectStore::remove(std::string_view resource, const std::string& ns, const std::string& name) {
  const ResourceInfo& r = resolve(resource);
  std::lock_guard lock(mu_);
  if (!find_locked(r, r.namespaced ? ns : "", name)) return false;
  remove_locked(r, r.namespaced ? ns : "", name, {}, false, false);
  return true;
}

std::vector<json> ObjectStore::list(std::string_view resource, const std::string& ns,
                                    std::string_view label_selector) const {
  const ResourceInfo& r = resolve(resource);
  ListOptions opts;
  opts.labels = LabelSelector::parse(label_selector);
  return list(r, ns, opts).items;
}

}  // namespace kindly::testapi
