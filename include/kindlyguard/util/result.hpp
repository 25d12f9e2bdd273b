#pragma once
// Errors are values: a Result<T> holds either a T or an Error a cluster admin can act on, and a
// Status (Result<void>) says only whether something worked: `return {};` is success.

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace kindlyguard {

struct Error {
  std::string message;  // complete sentence: what is wrong and what is expected instead
  std::string path;     // field path in the offending document, e.g. spec.rules.resources.maxLimits.memory

  // "path: message" when a path is known, else the message alone.
  std::string to_string() const { return path.empty() ? message : path + ": " + message; }
};

// E is the error type: Error here, client::ApiError for Kubernetes API calls.
template <class T, class E = Error>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(E error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

// A result without a value, shaped like std::expected<void, E>: default-constructed it is success
// (`return {};`), from an error it is that error. Callers test it as they test a Result<T>.
template <class E>
class Result<void, E> {
 public:
  Result() = default;
  Result(E error) : error_(std::move(error)) {}

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }

  const E& error() const { return *error_; }

 private:
  std::optional<E> error_;
};

using Status = Result<void>;

}  // namespace kindlyguard
