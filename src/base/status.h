// Status and Result<T>: the one error vocabulary of Dalil.
//
// Every operation that can fail for a reason outside the program returns a
// Status (or a Result<T> carrying either a value or a non-OK Status). Library
// exceptions are caught at the edges (main() and the HTTP layer) only.
// The mapping of codes to HTTP statuses and CLI exit codes lives in
// base/error_map.h, and nowhere else.
#ifndef DALIL_BASE_STATUS_H_
#define DALIL_BASE_STATUS_H_

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace dalil {

enum class Code {
  kOk = 0,
  kInvalidArgument,   // bad input from the caller; `field` names what was wrong
  kNotFound,          // the named record does not exist (or is not visible)
  kConflict,          // violates a uniqueness or state rule, or stale version
  kPayloadTooLarge,   // input larger than a configured limit
  kUnauthenticated,   // no or bad credentials
  kPermissionDenied,  // authenticated but not allowed
  kIoError,           // file system or database I/O failed
  kCorruption,        // stored data failed an integrity check
  kUnavailable,       // temporarily unable (busy database, shutting down)
  kInternal,          // a bug: an invariant did not hold
};

// Stable lower-case name of a code, used in JSON errors: "invalid_argument".
std::string_view CodeName(Code code);

class Status {
 public:
  Status() = default;  // OK
  Status(Code code, std::string message, std::string field = {})
      : code_(code), message_(std::move(message)), field_(std::move(field)) {}

  static Status Ok() { return Status(); }
  static Status Invalid(std::string field, std::string message) {
    return Status(Code::kInvalidArgument, std::move(message), std::move(field));
  }
  static Status NotFound(std::string message, std::string field = {}) {
    return Status(Code::kNotFound, std::move(message), std::move(field));
  }
  static Status Conflict(std::string message, std::string field = {}) {
    return Status(Code::kConflict, std::move(message), std::move(field));
  }
  static Status TooLarge(std::string message, std::string field = {}) {
    return Status(Code::kPayloadTooLarge, std::move(message), std::move(field));
  }
  static Status Io(std::string message) {
    return Status(Code::kIoError, std::move(message));
  }
  static Status Corruption(std::string message) {
    return Status(Code::kCorruption, std::move(message));
  }
  static Status Unavailable(std::string message) {
    return Status(Code::kUnavailable, std::move(message));
  }
  static Status Internal(std::string message) {
    return Status(Code::kInternal, std::move(message));
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  // The input field the error is about ("start_date", "body", "query.limit"),
  // or empty when it is not about one field.
  const std::string& field() const { return field_; }

  // "invalid_argument: end_date: must not be before start_date"
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
  std::string field_;
};

// Either a T or a non-OK Status. Accessing value() of an error is a bug.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok());
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & {
    assert(ok());
    return std::get<T>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<T>(v_);
  }
  // On a temporary Result these return the value itself, not a reference
  // into the dying temporary, so `for (auto& x : *Load())` is safe.
  T value() && {
    assert(ok());
    return std::get<T>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T operator*() && { return std::move(*this).value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace dalil

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define DALIL_RETURN_IF_ERROR(expr)              \
  do {                                           \
    ::dalil::Status dalil_status_ = (expr);      \
    if (!dalil_status_.ok()) return dalil_status_; \
  } while (0)

#define DALIL_CONCAT_INNER_(a, b) a##b
#define DALIL_CONCAT_(a, b) DALIL_CONCAT_INNER_(a, b)
// Evaluates `rexpr` (a Result<T>); on error returns its Status, otherwise
// moves the value into `lhs` (a declaration such as `auto x`).
#define DALIL_ASSIGN_OR_RETURN(lhs, rexpr) \
  DALIL_ASSIGN_OR_RETURN_IMPL_(DALIL_CONCAT_(dalil_result_, __LINE__), lhs, rexpr)
#define DALIL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                 \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#endif  // DALIL_BASE_STATUS_H_
