// Element types, their sizes and names, the mapping to C++ types, and PyTorch's promotion rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "error.hpp"

namespace neuron {

enum class DType : std::uint8_t { bool_, int32, int64, float32, float64 };

inline constexpr DType bool_ = DType::bool_;
inline constexpr DType int32 = DType::int32;
inline constexpr DType int64 = DType::int64;
inline constexpr DType float32 = DType::float32;
inline constexpr DType float64 = DType::float64;

inline constexpr DType all_dtypes[] = {bool_, int32, int64, float32, float64};

constexpr std::size_t dtype_size(DType d) {
  switch (d) {
    case DType::bool_:
      return 1;
    case DType::int32:
      return 4;
    case DType::int64:
      return 8;
    case DType::float32:
      return 4;
    case DType::float64:
      return 8;
  }
  return 0;
}

constexpr std::string_view dtype_name(DType d) {
  switch (d) {
    case DType::bool_:
      return "bool";
    case DType::int32:
      return "int32";
    case DType::int64:
      return "int64";
    case DType::float32:
      return "float32";
    case DType::float64:
      return "float64";
  }
  return "?";
}

inline std::ostream& operator<<(std::ostream& os, DType d) { return os << dtype_name(d); }

// Parses the names dtype_name() prints; throws DTypeError naming the accepted ones.
inline DType dtype_from_name(std::string_view name) {
  for (DType d : all_dtypes)
    if (dtype_name(d) == name) return d;
  throw_error<DTypeError>("unknown dtype '", name,
                          "': expected one of bool, int32, int64, float32, float64");
}

constexpr bool is_floating(DType d) { return d == DType::float32 || d == DType::float64; }
constexpr bool is_integral(DType d) { return d == DType::int32 || d == DType::int64; }

// C++ type <-> DType.
template <class T>
struct dtype_of;
template <>
struct dtype_of<bool> {
  static constexpr DType value = DType::bool_;
};
template <>
struct dtype_of<std::int32_t> {
  static constexpr DType value = DType::int32;
};
template <>
struct dtype_of<std::int64_t> {
  static constexpr DType value = DType::int64;
};
template <>
struct dtype_of<float> {
  static constexpr DType value = DType::float32;
};
template <>
struct dtype_of<double> {
  static constexpr DType value = DType::float64;
};
template <class T>
inline constexpr DType dtype_of_v = dtype_of<std::remove_cv_t<T>>::value;

template <class T, class = void>
struct is_element_type : std::false_type {};
template <class T>
struct is_element_type<T, std::void_t<decltype(dtype_of<T>::value)>> : std::true_type {};
template <class T>
inline constexpr bool is_element_type_v = is_element_type<std::remove_cv_t<T>>::value;

template <DType D>
struct ctype_of;
template <>
struct ctype_of<DType::bool_> {
  using type = bool;
};
template <>
struct ctype_of<DType::int32> {
  using type = std::int32_t;
};
template <>
struct ctype_of<DType::int64> {
  using type = std::int64_t;
};
template <>
struct ctype_of<DType::float32> {
  using type = float;
};
template <>
struct ctype_of<DType::float64> {
  using type = double;
};
template <DType D>
using ctype_t = typename ctype_of<D>::type;

// Calls f(T{}) with the C++ type of `d`: the one place where a runtime dtype becomes a type.
template <class F>
decltype(auto) visit_dtype(DType d, F&& f) {
  switch (d) {
    case DType::bool_:
      return f(bool{});
    case DType::int32:
      return f(std::int32_t{});
    case DType::int64:
      return f(std::int64_t{});
    case DType::float32:
      return f(float{});
    case DType::float64:
      return f(double{});
  }
  throw_error<DTypeError>("invalid dtype value ", static_cast<int>(d));
}

// Promotion of two tensor dtypes, as torch.promote_types: bool < int32 < int64 < float32 < float64.
constexpr DType promote_types(DType a, DType b) {
  return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b) ? a : b;
}

// PyTorch's result_type: operands rank by priority. Dimensioned tensors decide the dtype unless a
// lower-priority operand is of a higher category (bool < integral < floating); then the category's
// default is used. Plain C++ numbers ("wrapped numbers") count as float32 / int64 / bool.
enum class Priority : std::uint8_t { scalar = 0, zero_dim = 1, dimensioned = 2 };

struct Operand {
  DType dtype;
  Priority priority;
};

class ResultType {
 public:
  void add(Operand op) {
    DType& slot = slots_[static_cast<int>(op.priority)];
    bool& used = used_[static_cast<int>(op.priority)];
    slot = used ? promote_types(slot, op.dtype) : op.dtype;
    used = true;
  }
  DType result() const {
    // Combine from the lowest priority up, as PyTorch's combine_categories does.
    bool have = false;
    DType acc = DType::bool_;
    for (int p = 0; p < 3; ++p) {
      if (!used_[p]) continue;
      acc = have ? combine(slots_[p], acc) : slots_[p];
      have = true;
    }
    return acc;
  }

 private:
  static constexpr int category(DType d) { return is_floating(d) ? 2 : is_integral(d) ? 1 : 0; }
  static constexpr DType combine(DType higher, DType lower) {
    if (category(lower) > category(higher)) return promote_types(higher, lower);
    return higher;
  }
  DType slots_[3] = {DType::bool_, DType::bool_, DType::bool_};
  bool used_[3] = {false, false, false};
};

// The dtype a C++ number takes as an operand: float and double -> float32 (torch's default dtype),
// integers -> int64, bool -> bool.
template <class T>
constexpr DType wrapped_number_dtype() {
  if constexpr (std::is_same_v<T, bool>)
    return DType::bool_;
  else if constexpr (std::is_integral_v<T>)
    return DType::int64;
  else
    return DType::float32;
}

// dtype used when an integral or bool input goes into a floating-point function (exp, div, ...).
constexpr DType to_floating(DType d) { return is_floating(d) ? d : DType::float32; }

}  // namespace neuron
