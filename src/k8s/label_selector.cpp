#include "kindlyguard/k8s/label_selector.hpp"

#include <algorithm>
#include <optional>
#include <tuple>

#include <nlohmann/json.hpp>

#include "label_names.hpp"
#include "quote.hpp"

namespace kindlyguard::k8s {
namespace {

using nlohmann::json;
using Op = LabelRequirement::Op;

const char* type_name(const json& j) {
  switch (j.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return "boolean";
    case json::value_t::object: return "map";
    case json::value_t::array: return "list";
    case json::value_t::string: return "string";
    default: return "number";
  }
}

std::string indexed(const std::string& path, std::string_view field, std::size_t i) {
  return detail::join_path(path, field) + "[" + std::to_string(i) + "]";
}

std::optional<Op> op_named(std::string_view name) {
  if (name == "In") return Op::In;
  if (name == "NotIn") return Op::NotIn;
  if (name == "Exists") return Op::Exists;
  if (name == "DoesNotExist") return Op::DoesNotExist;
  return std::nullopt;
}

Result<LabelRequirement> expression_from_json(const json& e, const std::string& path) {
  if (!e.is_object())
    return Error{std::string("must be an expression with key, operator and values, not a ") + type_name(e), path};
  const json* key = nullptr;
  const json* op = nullptr;
  const json* values = nullptr;
  for (const auto& [name, value] : e.items()) {
    if (name == "key") key = &value;
    else if (name == "operator") op = &value;
    else if (name == "values") values = &value;
    else
      return Error{"unknown field " + detail::quote(name) + " (an expression has key, operator and values)",
                   detail::join_path(path, name)};
  }

  LabelRequirement r;
  const std::string key_path = detail::join_path(path, "key");
  if (key == nullptr || key->is_null()) return Error{"is required: the label key the expression tests", key_path};
  if (!key->is_string()) return Error{std::string("must be a string, not a ") + type_name(*key), key_path};
  r.key = key->get<std::string>();
  if (auto p = detail::label_key_problem(r.key); !p.empty()) return Error{p, key_path};

  const std::string op_path = detail::join_path(path, "operator");
  if (op == nullptr || op->is_null()) return Error{"is required: one of In, NotIn, Exists, DoesNotExist", op_path};
  const auto parsed_op = op->is_string() ? op_named(op->get_ref<const std::string&>()) : std::nullopt;
  if (!parsed_op)
    return Error{"unsupported operator " + (op->is_string() ? detail::quote(op->get_ref<const std::string&>()) : op->dump()) +
                     ": must be one of In, NotIn, Exists, DoesNotExist (case matters)",
                 op_path};
  r.op = *parsed_op;

  const std::string values_path = detail::join_path(path, "values");
  if (values != nullptr && !values->is_null()) {
    if (!values->is_array()) return Error{std::string("must be a list of strings, not a ") + type_name(*values), values_path};
    for (std::size_t i = 0; i < values->size(); ++i) {
      const json& v = (*values)[i];
      const std::string value_path = values_path + "[" + std::to_string(i) + "]";
      if (!v.is_string()) return Error{std::string("must be a string, not a ") + type_name(v), value_path};
      r.values.push_back(v.get<std::string>());
      if (auto p = detail::label_value_problem(r.values.back()); !p.empty()) return Error{p, value_path};
    }
  }
  const bool set_based = r.op == Op::In || r.op == Op::NotIn;
  if (set_based && r.values.empty())
    return Error{"must list at least one value when the operator is In or NotIn", values_path};
  if (!set_based && !r.values.empty())
    return Error{"must be empty when the operator is Exists or DoesNotExist", values_path};
  return r;
}

Result<std::vector<LabelRequirement>> match_labels_from_json(const json& m, const std::string& path) {
  std::vector<LabelRequirement> out;
  if (m.is_null()) return out;
  if (!m.is_object()) return Error{std::string("must be a map of label keys to values, not a ") + type_name(m), path};
  for (const auto& [key, value] : m.items()) {
    if (auto p = detail::label_key_problem(key); !p.empty()) return Error{p, path};
    if (!value.is_string())
      return Error{"the value of label " + detail::quote(key) + " must be a string, not a " + type_name(value) +
                       " (quote it: \"true\", \"1\")",
                   path};
    const auto& v = value.get_ref<const std::string&>();
    if (auto p = detail::label_value_problem(v); !p.empty()) return Error{p, path};
    out.push_back({key, Op::In, {v}});
  }
  return out;
}

std::string join_values(const std::vector<std::string>& values) {
  std::string out;
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';  // by index: the empty value is a value too
    out += values[i];
  }
  return out;
}

}  // namespace

Result<LabelSelector> LabelSelector::from_json(const json& j, const std::string& path) {
  if (!j.is_object())
    return Error{std::string("must be a label selector (a map with matchLabels and/or matchExpressions), not a ") +
                     type_name(j),
                 path};
  LabelSelector s;
  for (const auto& [name, value] : j.items()) {
    const std::string field_path = detail::join_path(path, name);
    if (name == "matchLabels") {
      auto labels = match_labels_from_json(value, field_path);
      if (!labels) return labels.error();
      s.requirements_.insert(s.requirements_.end(), labels->begin(), labels->end());
    } else if (name == "matchExpressions") {
      if (value.is_null()) continue;
      if (!value.is_array())
        return Error{std::string("must be a list of expressions, not a ") + type_name(value), field_path};
      for (std::size_t i = 0; i < value.size(); ++i) {
        auto r = expression_from_json(value[i], indexed(path, name, i));
        if (!r) return r.error();
        s.requirements_.push_back(std::move(*r));
      }
    } else {
      return Error{"unknown field " + detail::quote(name) + " (a label selector has matchLabels and matchExpressions)",
                   field_path};
    }
  }
  s.canonicalize();
  return s;
}

void LabelSelector::canonicalize() {
  for (auto& r : requirements_) {
    std::sort(r.values.begin(), r.values.end());
    r.values.erase(std::unique(r.values.begin(), r.values.end()), r.values.end());
  }
  // A total order, so that the same requirements give the same selector whichever way they came
  // (JSON objects iterate matchExpressions before matchLabels; query strings keep their order).
  std::sort(requirements_.begin(), requirements_.end(), [](const LabelRequirement& a, const LabelRequirement& b) {
    return std::tie(a.key, a.op, a.values) < std::tie(b.key, b.op, b.values);
  });
}

bool LabelSelector::matches(const Labels& labels) const {
  for (const auto& r : requirements_) {
    const auto it = labels.find(r.key);
    const bool present = it != labels.end();
    const bool listed = present && std::binary_search(r.values.begin(), r.values.end(), it->second);
    bool ok = false;
    switch (r.op) {
      case Op::In: ok = listed; break;
      case Op::NotIn: ok = !listed; break;  // an absent key is not in any set
      case Op::Exists: ok = present; break;
      case Op::DoesNotExist: ok = !present; break;
    }
    if (!ok) return false;
  }
  return true;
}

std::string LabelSelector::to_string() const {
  std::string out;
  for (const auto& r : requirements_) {
    if (!out.empty()) out += ',';
    switch (r.op) {
      case Op::In:
        out += r.values.size() == 1 ? r.key + "=" + r.values[0] : r.key + " in (" + join_values(r.values) + ")";
        break;
      case Op::NotIn:
        out += r.values.size() == 1 ? r.key + "!=" + r.values[0] : r.key + " notin (" + join_values(r.values) + ")";
        break;
      case Op::Exists: out += r.key; break;
      case Op::DoesNotExist: out += "!" + r.key; break;
    }
  }
  return out;
}

Labels labels_of(const json& metadata) {
  Labels out;
  if (!metadata.is_object()) return out;
  const auto it = metadata.find("labels");
  if (it == metadata.end() || !it->is_object()) return out;
  for (const auto& [key, value] : it->items())
    if (value.is_string()) out.emplace(key, value.get<std::string>());
  return out;
}

}  // namespace kindlyguard::k8s
