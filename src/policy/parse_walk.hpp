#pragma once
// Private to the policy parser: a small reader over nlohmann::json that knows the field path it
// is at, collects every error instead of stopping at the first, and reports unknown fields with
// a did-you-mean. Absent and null fields are the same thing (as for Kubernetes' optional fields).

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "kindlyguard/util/result.hpp"

namespace kindlyguard::policy::detail {

using nlohmann::json;

// Errors of one document, in the order the fields are checked.
class Errors {
 public:
  void add(std::string path, std::string message);
  void add(Error e) { errors_.push_back(std::move(e)); }
  bool empty() const { return errors_.empty(); }
  std::size_t size() const { return errors_.size(); }
  const std::vector<Error>& all() const { return errors_; }

 private:
  std::vector<Error> errors_;
};

// `s` in double quotes, escaped and shortened: input may be hostile and ends up in kubectl
// output, Events and logs.
std::string quote(std::string_view s, std::size_t max_chars = 100);

// "a string \"x\"", "a number 12", "a map", "a list", "a boolean true", "null".
std::string describe(const json& v);

// The closest candidate, if close enough to be a likely typo (case-insensitive equality, or a
// small edit distance); empty when none is.
std::string closest(std::string_view word, const std::vector<std::string_view>& candidates);

// "a.b", "a.b[3]", "a[example.com/gpu]" (keys that are not plain identifiers go in brackets).
std::string join(const std::string& path, std::string_view key);
std::string index(const std::string& path, std::size_t i);

// Reads the fields of one JSON object. Each get() marks a field known; finish() then reports
// every other field as unknown. Keys are kept as string_views: pass string literals. A missing or null object reads as empty; a value of another type
// is reported once, and every get() on it returns nullptr.
class ObjectReader {
 public:
  ObjectReader(Errors& errors, const json* object, std::string path);
  ObjectReader(const ObjectReader&) = delete;
  ObjectReader& operator=(const ObjectReader&) = delete;

  bool present() const { return object_ != nullptr; }  // an object (possibly empty) was given
  Errors& errors() const { return errors_; }
  const std::string& path() const { return path_; }
  std::string path(std::string_view key) const { return join(path_, key); }

  // The field's value, nullptr when absent or null.
  const json* get(std::string_view key);
  // As get(), and a field absent (or null) from a given map is reported: "is required: <what>".
  const json* required(std::string_view key, std::string_view what);
  // Declares fields that are accepted and ignored.
  void ignore(std::initializer_list<std::string_view> keys);

  // Typed reads: nullopt when absent; a type error is recorded and nullopt returned.
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::string> string(std::string_view key);
  std::optional<int64_t> integer(std::string_view key);
  // A list of strings; every element checked, non-strings reported with their index.
  std::optional<std::vector<std::string>> strings(std::string_view key);

  // Reports fields never asked for.
  void finish();

 private:
  Errors& errors_;
  const json* object_ = nullptr;
  std::string path_;
  std::vector<std::string_view> known_;
  bool finished_ = false;
};

// A type error: "must be a boolean, not a string \"yes\"" (with a hint where one helps).
void type_error(Errors& errors, const std::string& path, std::string_view expected, const json& got);

// Kubernetes name syntax (k8s.io/apimachinery/pkg/util/validation).
bool is_dns1123_label(std::string_view s);      // namespace names: <= 63, [a-z0-9]([-a-z0-9]*[a-z0-9])?
bool is_dns1123_subdomain(std::string_view s);  // object names: <= 253, labels joined by '.'

}  // namespace kindlyguard::policy::detail
