// Status and Result<T>: how medcred reports failure across module lines.
//
// A Status is either OK or an error of one kind with one clear sentence naming
// the file, line, field or URL at fault. The kind decides the process exit code
// (docs/cli.md#exit-codes): usage 1, bad input data 2, external failure 3. Exceptions do
// not cross module boundaries; functions that can fail return Status or
// Result<T>.
//
// Thread safety: Status and Result are values. Distinct objects may be used from
// different threads; a const object may be shared.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <variant>

namespace medcred {

class Status {
 public:
  enum class Kind { kOk = 0, kUsage = 1, kBadInput = 2, kExternal = 3 };

  Status() = default;  // OK
  static Status OK() { return Status(); }
  static Status Usage(std::string msg) { return Status(Kind::kUsage, std::move(msg)); }
  static Status BadInput(std::string msg) { return Status(Kind::kBadInput, std::move(msg)); }
  static Status External(std::string msg) { return Status(Kind::kExternal, std::move(msg)); }

  bool ok() const { return rep_ == nullptr; }
  Kind kind() const { return rep_ ? rep_->kind : Kind::kOk; }
  const std::string& message() const;
  // The process exit code for this status (0 when OK).
  int exit_code() const { return static_cast<int>(kind()); }

 private:
  struct Rep {
    Kind kind;
    std::string message;
  };
  Status(Kind kind, std::string msg) : rep_(std::make_shared<const Rep>(Rep{kind, std::move(msg)})) {}
  std::shared_ptr<const Rep> rep_;  // null when OK: copying an OK status is free
};

// Result<T> holds a T or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  // The value, or `fallback` when this holds an error.
  T value_or(T fallback) const& { return ok() ? value() : std::move(fallback); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace medcred

// Returns early from the enclosing function when `expr` yields a non-OK Status.
#define MEDCRED_RETURN_IF_ERROR(expr) \
  do {                                \
    ::medcred::Status _st = (expr);   \
    if (!_st.ok()) return _st;        \
  } while (0)

#define MEDCRED_CONCAT_INNER(a, b) a##b
#define MEDCRED_CONCAT(a, b) MEDCRED_CONCAT_INNER(a, b)
// Declares `lhs` from a Result, returning its Status early on error.
#define MEDCRED_ASSIGN_OR_RETURN(lhs, expr)                                                   \
  auto MEDCRED_CONCAT(_res_, __LINE__) = (expr);                                              \
  if (!MEDCRED_CONCAT(_res_, __LINE__).ok()) return MEDCRED_CONCAT(_res_, __LINE__).status(); \
  lhs = std::move(MEDCRED_CONCAT(_res_, __LINE__)).value()
