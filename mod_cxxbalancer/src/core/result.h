#pragma once
// Result<T>: a value or an error message, with the shape of std::expected (which needs
// -std=c++2b on g++ 12) so it can be swapped for it later. Errors on the configuration and
// data paths are values; exceptions are kept for the unexpected (see STYLE.md §2.5).
#include <string>
#include <utility>
#include <variant>

namespace cxxb {

/** The error side of a Result: a message written for the operator. */
struct Unexpected {
  std::string message;
};

inline Unexpected unexpected(std::string message) { return Unexpected{std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit
  Result(Unexpected error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool ok() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  bool has_value() const noexcept { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  /** @return the message; only valid when !ok(). */
  const std::string& error() const { return std::get<1>(state_).message; }

 private:
  std::variant<T, Unexpected> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Unexpected error) : error_(std::move(error.message)), failed_(true) {}  // NOLINT

  bool ok() const noexcept { return !failed_; }
  explicit operator bool() const noexcept { return ok(); }
  const std::string& error() const { return error_; }

 private:
  std::string error_;
  bool failed_ = false;
};

}  // namespace cxxb
