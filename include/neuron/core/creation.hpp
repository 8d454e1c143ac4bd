// Tensor creation: empty, zeros, ones, full, arange, from nested initializer lists or a vector.
#pragma once

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <type_traits>
#include <vector>

#include "tensor.hpp"

namespace neuron {

// Tensors are made on the CPU and moved when another device is asked for.
Tensor on_device(Tensor t, Device device);

Tensor empty(const Shape& shape, DType dtype = float32, Device device = cpu());
Tensor empty(const Shape& shape, Device device);

Tensor full(const Shape& shape, double value, DType dtype = float32, Device device = cpu());
Tensor full(const Shape& shape, double value, Device device);

Tensor zeros(const Shape& shape, DType dtype = float32, Device device = cpu());
Tensor zeros(const Shape& shape, Device device);
Tensor ones(const Shape& shape, DType dtype = float32, Device device = cpu());
Tensor ones(const Shape& shape, Device device);

// 0, 1, ..., n-1 as a 1-d tensor.
Tensor arange(std::int64_t n, DType dtype = int64);

namespace detail {
// start, start + step, ... while before end: ceil((end - start) / step) values (torch.arange).
// Integer ranges (all_int) are computed exactly in int64; others in double, then converted.
Tensor arange_range(double start, double end, double step, std::int64_t istart, std::int64_t iend,
                    std::int64_t istep, bool all_int, DType dtype);
}  // namespace detail

// torch.arange(start, end, step, dtype): without a dtype, int64 when start, end and step are all
// integers, else float32. step 0, or a step of the wrong sign, is a ValueError.
template <
    class A, class B, class C = std::int64_t,
    std::enable_if_t<std::is_arithmetic_v<A> && std::is_arithmetic_v<B> && std::is_arithmetic_v<C>,
                     int> = 0>
Tensor arange(A start, B end, C step = 1, std::optional<DType> dtype = std::nullopt) {
  constexpr bool all_int = std::is_integral_v<A> && std::is_integral_v<B> && std::is_integral_v<C>;
  const DType d = dtype ? *dtype : (all_int ? int64 : float32);
  if constexpr (all_int)
    return detail::arange_range(0, 0, 0, static_cast<std::int64_t>(start),
                                static_cast<std::int64_t>(end), static_cast<std::int64_t>(step),
                                true, d);
  else
    return detail::arange_range(static_cast<double>(start), static_cast<double>(end),
                                static_cast<double>(step), 0, 0, 0, false, d);
}

// A tensor of `shape` holding a copy of `values` (row-major).
template <class T>
Tensor from_vector(const std::vector<T>& values, const Shape& shape) {
  static_assert(is_element_type_v<T>,
                "from_vector: T must be bool, int32_t, int64_t, float or double");
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    throw_error<ShapeError>("from_vector: ", values.size(), " values do not fill shape ", shape,
                            " (", shape.numel(), " elements)");
  Tensor t = empty(shape, dtype_of_v<T>);
  std::copy(values.begin(), values.end(), t.data<T>());
  return t;
}
// std::vector<bool> is packed, so it gets its own path.
Tensor from_vector(const std::vector<bool>& values, const Shape& shape);

// A 0-d tensor.
template <class T>
Tensor scalar_tensor(T value) {
  return from_vector(std::vector<T>{value}, Shape{});
}

// tensor<T>({...}), tensor<T>({{...}, {...}}), tensor<T>({{{...}}}): rows must be equally long.
template <class T>
Tensor tensor(std::initializer_list<T> values) {
  return from_vector(std::vector<T>(values), Shape{static_cast<std::int64_t>(values.size())});
}
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<T>> rows) {
  std::vector<T> flat;
  std::int64_t cols = rows.size() ? static_cast<std::int64_t>(rows.begin()->size()) : 0;
  std::int64_t r = 0;
  for (const auto& row : rows) {
    if (static_cast<std::int64_t>(row.size()) != cols)
      throw_error<ShapeError>("tensor: row ", r, " has ", row.size(), " elements, expected ", cols,
                              " like row 0");
    flat.insert(flat.end(), row.begin(), row.end());
    ++r;
  }
  return from_vector(flat, Shape{static_cast<std::int64_t>(rows.size()), cols});
}
template <class T>
Tensor tensor(std::initializer_list<std::initializer_list<std::initializer_list<T>>> blocks) {
  std::vector<T> flat;
  std::int64_t rows = blocks.size() ? static_cast<std::int64_t>(blocks.begin()->size()) : 0;
  std::int64_t cols = rows ? static_cast<std::int64_t>(blocks.begin()->begin()->size()) : 0;
  std::int64_t b = 0;
  for (const auto& block : blocks) {
    if (static_cast<std::int64_t>(block.size()) != rows)
      throw_error<ShapeError>("tensor: block ", b, " has ", block.size(), " rows, expected ", rows);
    std::int64_t r = 0;
    for (const auto& row : block) {
      if (static_cast<std::int64_t>(row.size()) != cols)
        throw_error<ShapeError>("tensor: row [", b, "][", r, "] has ", row.size(),
                                " elements, expected ", cols);
      flat.insert(flat.end(), row.begin(), row.end());
      ++r;
    }
    ++b;
  }
  return from_vector(flat, Shape{static_cast<std::int64_t>(blocks.size()), rows, cols});
}

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "creation-inl.hpp"
#endif
