#include "parse_walk.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>

#include "../k8s/quote.hpp"

namespace kindlyguard::policy::detail {

void Errors::add(std::string path, std::string message) { errors_.push_back(Error{std::move(message), std::move(path)}); }

// Unlike k8s::detail::quote, newlines and tabs keep their names and "..." goes after the closing
// quote: the messages users already see.
std::string quote(std::string_view s, std::size_t max_chars) {
  std::string out = "\"";
  const std::size_t n = std::min(s.size(), max_chars);
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i] == '\n') out += "\\n";
    else if (s[i] == '\t') out += "\\t";
    else k8s::detail::append_escaped(out, s[i]);
  }
  out += '"';
  if (s.size() > max_chars) out += "...";
  return out;
}

std::string describe(const json& v) {
  switch (v.type()) {
    case json::value_t::null: return "null";
    case json::value_t::boolean: return std::string("a boolean ") + (v.get<bool>() ? "true" : "false");
    case json::value_t::string: return "a string " + quote(v.get_ref<const std::string&>(), 40);
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number " + v.dump();
    case json::value_t::object: return "a map";
    case json::value_t::array: return "a list";
    default: return "an unsupported value";
  }
}

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment distance: insertions, deletions, substitutions and transpositions.
  std::vector<std::size_t> before(b.size() + 1), prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t sub = prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      // A swap of two neighbours ("nmae") is one typo, not two.
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) cur[j] = std::min(cur[j], before[j - 2] + 1);
    }
    std::swap(before, prev);
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool plain_key(std::string_view key) {
  if (key.empty()) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-';
  });
}

}  // namespace

std::string closest(std::string_view word, const std::vector<std::string_view>& candidates) {
  if (word.size() > 64) return "";
  const std::string lw = lower(word);
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (auto c : candidates) {
    const std::string lc = lower(c);
    if (lc == lw) return std::string(c);
    const std::size_t d = edit_distance(lw, lc);
    // Close: at most 2 edits, and fewer than a third of the longer word.
    const std::size_t longest = std::max(lw.size(), lc.size());
    if (d <= 2 && d * 3 < longest && d < best_distance) {
      best_distance = d;
      best = std::string(c);
    }
  }
  return best;
}

std::string join(const std::string& path, std::string_view key) {
  if (!plain_key(key)) return path + "[" + std::string(key) + "]";
  if (path.empty()) return std::string(key);
  return path + "." + std::string(key);
}

std::string index(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }

void type_error(Errors& errors, const std::string& path, std::string_view expected, const json& got) {
  std::string message = "must be " + std::string(expected) + ", not " + describe(got);
  if (expected.find("boolean") != std::string_view::npos && got.is_string()) {
    const std::string l = lower(got.get_ref<const std::string&>());
    if (l == "true" || l == "false") message += " (remove the quotes)";
  } else if (expected.find("integer") != std::string_view::npos && got.is_string()) {
    const auto& s = got.get_ref<const std::string&>();
    if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
      message += " (remove the quotes)";
  }
  errors.add(path, std::move(message));
}

ObjectReader::ObjectReader(Errors& errors, const json* object, std::string path)
    : errors_(errors), path_(std::move(path)) {
  if (object == nullptr || object->is_null()) return;
  if (!object->is_object()) {
    type_error(errors_, path_, "a map", *object);
    finished_ = true;  // nothing further to report about its fields
    return;
  }
  object_ = object;
}

const json* ObjectReader::get(std::string_view key) {
  known_.push_back(key);
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

const json* ObjectReader::required(std::string_view key, std::string_view what) {
  const json* v = get(key);
  if (v == nullptr && object_ != nullptr) errors_.add(path(key), "is required: " + std::string(what));
  return v;
}

void ObjectReader::ignore(std::initializer_list<std::string_view> keys) {
  for (auto k : keys) known_.push_back(k);
}

std::optional<bool> ObjectReader::boolean(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_boolean()) {
    type_error(errors_, path(key), "a boolean (true or false)", *v);
    return std::nullopt;
  }
  return v->get<bool>();
}

std::optional<std::string> ObjectReader::string(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_string()) {
    type_error(errors_, path(key), "a string", *v);
    return std::nullopt;
  }
  return v->get<std::string>();
}

std::optional<int64_t> ObjectReader::integer(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (v->is_number_unsigned()) {
    if (v->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      errors_.add(path(key), v->dump() + " is out of range for a 64-bit integer");
      return std::nullopt;
    }
    return static_cast<int64_t>(v->get<uint64_t>());
  }
  if (v->is_number_integer()) return v->get<int64_t>();
  if (v->is_number_float()) {
    // 1e4 in YAML is a float, and Kubernetes accepts a whole float for an integer field.
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::trunc(d) && std::fabs(d) < 9.2e18) return static_cast<int64_t>(d);
  }
  type_error(errors_, path(key), "an integer", *v);
  return std::nullopt;
}

std::optional<std::vector<std::string>> ObjectReader::strings(std::string_view key) {
  const json* v = get(key);
  if (v == nullptr) return std::nullopt;
  if (!v->is_array()) {
    type_error(errors_, path(key), "a list of strings", *v);
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (std::size_t i = 0; i < v->size(); ++i) {
    const json& e = (*v)[i];
    if (!e.is_string()) {
      type_error(errors_, index(path(key), i), "a string", e);
      ok = false;
      continue;
    }
    out.push_back(e.get<std::string>());
  }
  if (!ok) return std::nullopt;
  return out;
}

void ObjectReader::finish() {
  if (finished_) return;
  finished_ = true;
  if (object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(known_.begin(), known_.end(), key) != known_.end()) continue;
    const std::string suggestion = closest(key, known_);
    std::string message = "unknown field";
    if (!suggestion.empty()) {
      message += " (did you mean " + suggestion + "?)";
    } else {
      std::string list;
      std::vector<std::string_view> listed;
      for (auto k : known_) {
        if (std::find(listed.begin(), listed.end(), k) != listed.end()) continue;
        listed.push_back(k);
        list += (list.empty() ? "" : ", ") + std::string(k);
      }
      message += " (expected one of: " + list + ")";
    }
    errors_.add(join(path_, key), std::move(message));
  }
}

bool is_dns1123_label(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

bool is_dns1123_subdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    const std::string_view label = s.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    // Subdomain labels have no 63-character limit of their own in Kubernetes' regex, only the
    // label syntax.
    if (label.empty()) return false;
    auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
    if (!alnum(label.front()) || !alnum(label.back())) return false;
    if (!std::all_of(label.begin(), label.end(), [&](char c) { return alnum(c) || c == '-'; })) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace kindlyguard::policy::detail
