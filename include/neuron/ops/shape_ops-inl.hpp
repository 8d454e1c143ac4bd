// Definitions of shape_ops.hpp.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "concat.hpp"
#include "layout-inl.hpp"
#include "reshape.hpp"
#include "shape_ops.hpp"
#include "slice.hpp"

namespace neuron {

namespace detail {
// The shape x of shape `s` expands to; `to` may hold -1 (keep) at the input's dims.
NEURON_INLINE Shape expand_shape(const Shape& s, const std::vector<std::int64_t>& to) {
  const int r = s.rank();
  const int n = static_cast<int>(std::min<std::size_t>(to.size(), kMaxRank + 1));
  if (n > kMaxRank)
    throw_error<ShapeError>("expand: the target ", ints_text(to), " has ", to.size(),
                            " dims, above the maximum rank ", kMaxRank);
  if (n < r)
    throw_error<ShapeError>("expand: the target ", ints_text(to), " has ", n,
                            " dims, fewer than the input's ", r, " (input shape ", s, ")");
  Shape out;
  for (int i = 0; i < n; ++i) {
    std::int64_t t = to[static_cast<std::size_t>(i)];
    const int d = i - (n - r);  // the input dim at target dim i, or < 0 for a new leading dim
    if (d < 0 && t < 0)
      throw_error<ShapeError>("expand: size ", t, " at the new leading dim ", i, " of the target ",
                              ints_text(to), " must be >= 0 (-1 keeps only the input's dims)");
    if (d >= 0 && t == -1) t = s[d];
    if (t < 0)
      throw_error<ShapeError>("expand: invalid size ", t, " at dim ", i, " of the target ",
                              ints_text(to), "; sizes are >= 0, or -1 to keep the input's size");
    if (d >= 0 && t != s[d] && s[d] != 1)
      throw_error<ShapeError>("expand: the size ", t, " at dim ", i, " of the target ",
                              ints_text(to), " must match the input's size ", s[d], " at its dim ",
                              d, " (input shape ", s, "); only dims of size 1 expand");
    out.push_back(t);
  }
  return out;
}

// Padding (before, after) of dim d of a rank-r tensor; (0, 0) for dims the pads do not reach.
NEURON_INLINE std::array<std::int64_t, 2> pads_of(const std::vector<std::int64_t>& pads, int r,
                                                  int d) {
  const std::size_t j = static_cast<std::size_t>(r - 1 - d);  // torch: the last dim first
  if (2 * j + 1 >= pads.size()) return {0, 0};
  return {pads[2 * j], pads[2 * j + 1]};
}

NEURON_INLINE const char* pad_mode_name(std::int64_t mode) {
  return mode == Pad::constant ? "constant" : mode == Pad::reflect ? "reflect" : "replicate";
}
}  // namespace detail

NEURON_INLINE TensorSpec Expand::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  return {detail::expand_shape(in[0].shape, shape), in[0].dtype};
}

NEURON_INLINE DimFlow Expand::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const Shape& s = in[0].shape;
  for (int d = 0; d < s.rank(); ++d)
    if (s[d] != out.shape[out.shape.rank() - s.rank() + d]) f.set(0, d, DimFlow::kLost);
  return f;
}

NEURON_INLINE void Expand::run(const std::vector<Tensor>& in, Tensor& out) const {
  strided_copy(in[0].raw_data(), broadcast_strides(in[0].shape(), out.shape()), out.shape(),
               out.raw_data(), dtype_size(in[0].dtype()));
}

NEURON_INLINE TensorSpec Pad::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const TensorSpec& x = in[0];
  const Shape& s = x.shape;
  if (mode != constant && mode != reflect && mode != replicate)
    throw_error<ValueError>("pad: unknown mode ", mode);
  if (mode != constant && value != 0)
    throw_error<ValueError>("pad: mode '", detail::pad_mode_name(mode), "' takes no value");
  if (pads.size() % 2)
    throw_error<ValueError>("pad: pads must hold a (before, after) pair per padded dim, last dim ",
                            "first; got ", pads.size(), " values ", ints_text(pads));
  if (pads.size() / 2 > static_cast<std::size_t>(s.rank()))
    throw_error<ValueError>("pad: ", pads.size(), " pads pad ", pads.size() / 2,
                            " dims, but the input of shape ", s, " has ", s.rank());
  if (mode == constant && is_integral(x.dtype)) {
    const double lo = x.dtype == int32 ? -2147483648.0 : -9223372036854775808.0;
    const double t = std::trunc(value);
    if (!(t >= lo && t < -lo))
      throw_error<ValueError>("pad: value ", value, " does not fit the input's dtype ", x.dtype);
  }
  Shape out = s;
  for (int d = s.rank() - static_cast<int>(pads.size() / 2); d < s.rank(); ++d) {
    const auto [before, after] = detail::pads_of(pads, s.rank(), d);
    std::int64_t n = 0;
    if (__builtin_add_overflow(s[d], before, &n) || __builtin_add_overflow(n, after, &n))
      throw_error<ShapeError>("pad: pads (", before, ", ", after, ") of dim ", d,
                              " are too large (input shape ", s, ")");
    if (n < 0)
      throw_error<ShapeError>("pad: pads (", before, ", ", after, ") of dim ", d, " crop its size ",
                              s[d], " to ", n, " (input shape ", s, ")");
    if (mode == reflect && ((before > 0 && before >= s[d]) || (after > 0 && after >= s[d])))
      throw_error<ValueError>("pad: reflect padding (", before, ", ", after, ") of dim ", d,
                              " must be less than its size ", s[d], " (input shape ", s, ")");
    if (mode == replicate && s[d] == 0 && (before > 0 || after > 0))
      throw_error<ValueError>("pad: replicate cannot pad dim ", d,
                              " of size 0: it has no edge to repeat (input shape ", s, ")");
    out[d] = n;
  }
  return {out, x.dtype};
}

NEURON_INLINE DimFlow Pad::dim_flow(const std::vector<TensorSpec>& in,
                                    const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int r = in[0].shape.rank();
  for (int d = 0; d < r; ++d) {
    const auto p = detail::pads_of(pads, r, d);
    if (p[0] || p[1]) f.set(0, d, DimFlow::kLost);
  }
  return f;
}

NEURON_INLINE void Pad::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& s = x.shape();
  const Shape& os = out.shape();
  const int r = s.rank();
  const std::size_t es = dtype_size(x.dtype());
  if (os.numel() == 0) return;
  const std::byte* src = static_cast<const std::byte*>(x.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  if (r == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  std::array<std::byte, 8> fill{};  // `value` in the output's dtype
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T v = std::is_same_v<T, bool> ? static_cast<T>(value != 0) : static_cast<T>(value);
    std::memcpy(fill.data(), &v, sizeof(T));
  });
  // Per dim, the input index each output index reads, or -1 for the constant.
  std::vector<std::vector<std::int64_t>> from(static_cast<std::size_t>(r));
  for (int d = 0; d < r; ++d) {
    const std::int64_t before = detail::pads_of(pads, r, d)[0], n = s[d];
    auto& f = from[static_cast<std::size_t>(d)];
    f.resize(static_cast<std::size_t>(os[d]));
    for (std::int64_t j = 0; j < os[d]; ++j) {
      std::int64_t p = j - before;
      if (p < 0 || p >= n) {
        if (mode == constant)
          p = -1;
        else if (mode == reflect)
          p = p < 0 ? -p : 2 * (n - 1) - p;
        else
          p = p < 0 ? 0 : n - 1;
      }
      f[static_cast<std::size_t>(j)] = p;
    }
  }
  const auto xst = contiguous_strides(s);
  const int last = r - 1;
  const std::int64_t cols = os[last];
  const auto& last_from = from[static_cast<std::size_t>(last)];
  const auto lp = detail::pads_of(pads, r, last);
  const bool whole_rows = lp[0] == 0 && lp[1] == 0;
  std::array<std::int64_t, kMaxRank> idx{};
  for (std::int64_t row = 0, rows = os.numel() / cols; row < rows; ++row) {
    std::int64_t off = 0;
    bool constant_row = false;
    for (int d = 0; d < last; ++d) {
      const std::int64_t p = from[static_cast<std::size_t>(d)]
                                 [static_cast<std::size_t>(idx[static_cast<std::size_t>(d)])];
      constant_row = constant_row || p < 0;
      off += p * xst[static_cast<std::size_t>(d)];
    }
    if (!constant_row && whole_rows) {
      std::memcpy(dst, src + static_cast<std::size_t>(off) * es,
                  static_cast<std::size_t>(cols) * es);
    } else {
      for (std::int64_t j = 0; j < cols; ++j) {
        const std::int64_t p = constant_row ? -1 : last_from[static_cast<std::size_t>(j)];
        std::memcpy(dst + static_cast<std::size_t>(j) * es,
                    p < 0 ? fill.data() : src + static_cast<std::size_t>(off + p) * es, es);
      }
    }
    dst += static_cast<std::size_t>(cols) * es;
    for (int d = last; d-- > 0;) {
      if (++idx[static_cast<std::size_t>(d)] < os[d]) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
}

NEURON_INLINE TensorSpec Repeat::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  const Shape& s = in[0].shape;
  const int r = s.rank();
  if (repeats.size() < static_cast<std::size_t>(r))
    throw_error<ShapeError>("repeat: got ", repeats.size(), " repeats ", ints_text(repeats),
                            " for the input of shape ", s, "; give at least one per dim (", r, ")");
  if (repeats.size() > static_cast<std::size_t>(kMaxRank))
    throw_error<ShapeError>("repeat: ", repeats.size(), " repeats ", ints_text(repeats),
                            " exceed the maximum rank ", kMaxRank);
  const int n = static_cast<int>(repeats.size());
  Shape out;
  for (int i = 0; i < n; ++i) {
    const std::int64_t k = repeats[static_cast<std::size_t>(i)];
    if (k < 0) throw_error<ValueError>("repeat: repeats must be >= 0, got ", ints_text(repeats));
    const std::int64_t size = i < n - r ? 1 : s[i - (n - r)];
    std::int64_t total = 0;
    if (__builtin_mul_overflow(size, k, &total))
      throw_error<ShapeError>("repeat: repeating the input of shape ", s, " by ",
                              ints_text(repeats), " gives too many elements");
    out.push_back(total);  // checks the element count
  }
  return {out, in[0].dtype};
}

NEURON_INLINE DimFlow Repeat::dim_flow(const std::vector<TensorSpec>& in,
                                       const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int r = in[0].shape.rank(), n = static_cast<int>(repeats.size());
  for (int d = 0; d < r; ++d)
    if (repeats[static_cast<std::size_t>(n - r + d)] != 1) f.set(0, d, DimFlow::kLost);
  return f;
}

NEURON_INLINE void Repeat::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& x = in[0];
  const Shape& os = out.shape();
  const int n = os.rank();
  const std::size_t es = dtype_size(x.dtype());
  if (os.numel() == 0) return;
  const std::byte* src = static_cast<const std::byte*>(x.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  if (n == 0) {
    std::memcpy(dst, src, es);
    return;
  }
  // The input as rank n (leading 1s); output index i along dim d reads input index i % size.
  Shape s;
  for (int d = 0; d < n - x.rank(); ++d) s.push_back(1);
  for (int d = 0; d < x.rank(); ++d) s.push_back(x.shape()[d]);
  const auto xst = contiguous_strides(s);
  const std::int64_t cols = s[n - 1], times = repeats[static_cast<std::size_t>(n - 1)];
  const std::size_t row = static_cast<std::size_t>(cols) * es;
  std::array<std::int64_t, kMaxRank> idx{};
  for (std::int64_t o = 0, rows = os.numel() / os[n - 1]; o < rows; ++o) {
    std::int64_t off = 0;
    for (int d = 0; d < n - 1; ++d)
      off += idx[static_cast<std::size_t>(d)] % s[d] * xst[static_cast<std::size_t>(d)];
    for (std::int64_t t = 0; t < times; ++t, dst += row)
      std::memcpy(dst, src + static_cast<std::size_t>(off) * es, row);
    for (int d = n - 1; d-- > 0;) {
      if (++idx[static_cast<std::size_t>(d)] < os[d]) break;
      idx[static_cast<std::size_t>(d)] = 0;
    }
  }
}

NEURON_INLINE Tensor expand(const Tensor& x, const std::vector<std::int64_t>& shape) {
  Expand op;
  op.shape = detail::expand_shape(x.shape(), shape).vec();
  return run_op(op, {x});
}

NEURON_INLINE Tensor pad(const Tensor& x, const std::vector<std::int64_t>& pads,
                         const std::string& mode, std::optional<double> value) {
  Pad op;
  if (mode == "constant")
    op.mode = Pad::constant;
  else if (mode == "reflect")
    op.mode = Pad::reflect;
  else if (mode == "replicate")
    op.mode = Pad::replicate;
  else
    throw_error<ValueError>("pad: unknown mode '", mode.substr(0, 64),
                            "'; expected 'constant', 'reflect' or 'replicate'");
  if (value && op.mode != Pad::constant)
    throw_error<ValueError>("pad: mode '", mode, "' takes no value (as torch), got ", *value);
  op.pads = pads;
  op.value = value.value_or(0.0);
  return run_op(op, {x});
}

NEURON_INLINE Tensor repeat(const Tensor& x, const std::vector<std::int64_t>& repeats) {
  Repeat op;
  op.repeats = repeats;
  return run_op(op, {x});
}

// A reshape: eagerly a view of x (see shape_ops.hpp for why not a struct).
NEURON_INLINE Tensor squeeze(const Tensor& x) {
  std::vector<std::int64_t> shape;
  for (std::int64_t n : x.shape())
    if (n != 1) shape.push_back(n);
  return reshape(x, shape);
}

// A reshape: eagerly a view of x.
NEURON_INLINE Tensor squeeze(const Tensor& x, std::int64_t dim) {
  const int d = normalize_dim(dim, x.rank(), "squeeze");
  std::vector<std::int64_t> shape = x.shape().vec();
  if (x.rank() > 0 && shape[static_cast<std::size_t>(d)] == 1) shape.erase(shape.begin() + d);
  return reshape(x, shape);
}

// A reshape: eagerly a view of x.
NEURON_INLINE Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  const int r = x.rank();
  if (dim < -(r + 1) || dim > r)
    throw_error<ShapeError>("unsqueeze: dim ", dim, " is out of range for a tensor of rank ", r,
                            " (expected a dim in [", -(r + 1), ", ", r, "])");
  if (r == kMaxRank)
    throw_error<ShapeError>("unsqueeze: the input of shape ", x.shape(),
                            " already has the maximum rank ", kMaxRank);
  std::vector<std::int64_t> shape = x.shape().vec();
  shape.insert(shape.begin() + (dim < 0 ? dim + r + 1 : dim), 1);
  return reshape(x, shape);
}

// A reshape: eagerly a view of x.
NEURON_INLINE Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  const int r = x.rank();
  const int s = normalize_dim(start_dim, r, "flatten");
  const int e = normalize_dim(end_dim, r, "flatten");
  if (r == 0) return reshape(x, {1});  // torch: a 0-d tensor flattens to [1]
  if (s > e)
    throw_error<ValueError>("flatten: start_dim ", start_dim, " comes after end_dim ", end_dim,
                            " for the input of shape ", x.shape());
  std::vector<std::int64_t> shape;
  std::int64_t merged = 1;
  for (int d = 0; d < r; ++d) {
    if (d < s || d > e) {
      shape.push_back(x.shape()[d]);
    } else {
      merged *= x.shape()[d];
      if (d == e) shape.push_back(merged);
    }
  }
  return reshape(x, shape);
}

// unsqueeze + concat (see shape_ops.hpp for why not a struct).
NEURON_INLINE Tensor stack(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty()) throw_error<ValueError>("stack: expected a non-empty list of tensors");
  common_device("stack", tensors);
  const Shape& first = tensors[0].shape();
  for (std::size_t k = 1; k < tensors.size(); ++k)
    if (tensors[k].shape() != first)
      throw_error<ShapeError>("stack: input ", k, " has shape ", tensors[k].shape(),
                              " but input 0 has shape ", first, "; stack needs equal shapes");
  const int r = first.rank();
  if (dim < -(r + 1) || dim > r)
    throw_error<ShapeError>("stack: dim ", dim, " is out of range for inputs of rank ", r,
                            " (expected a dim in [", -(r + 1), ", ", r, "])");
  if (r == kMaxRank)
    throw_error<ShapeError>("stack: inputs of shape ", first, " already have the maximum rank ",
                            kMaxRank);
  const std::int64_t d = dim < 0 ? dim + r + 1 : dim;
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(unsqueeze(t, d));
  return concat(parts, d);
}

namespace detail {
NEURON_INLINE int split_dim(const char* op, const Tensor& x, std::int64_t dim) {
  if (!x.defined()) throw_error<ValueError>(op, ": input 0 is an undefined tensor");
  if (x.rank() == 0)
    throw_error<ShapeError>(op, ": expects a tensor with at least 1 dim, got a 0-d tensor");
  return normalize_dim(dim, x.rank(), op);
}
}  // namespace detail

// Slices (see shape_ops.hpp for why not a struct).
NEURON_INLINE std::vector<Tensor> split(const Tensor& x, std::int64_t size, std::int64_t dim) {
  const int d = detail::split_dim("split", x, dim);
  const std::int64_t n = x.shape()[d];
  if (size < 0) throw_error<ValueError>("split: split_size must be >= 0, got ", size);
  if (size == 0 && n != 0)
    throw_error<ValueError>("split: split_size can only be 0 when the dim has size 0, but dim ", d,
                            " of the input of shape ", x.shape(), " has size ", n);
  if (n == 0) return {slice(x, d, 0, 0)};
  std::vector<Tensor> out;
  for (std::int64_t start = 0; start < n; start += std::min(size, n - start))
    out.push_back(slice(x, d, start, size >= n - start ? n : start + size));
  return out;
}

// Slices (see shape_ops.hpp for why not a struct).
NEURON_INLINE std::vector<Tensor> split(const Tensor& x, const std::vector<std::int64_t>& sizes,
                                        std::int64_t dim) {
  const int d = detail::split_dim("split", x, dim);
  const std::int64_t n = x.shape()[d];
  std::int64_t sum = 0;
  for (std::int64_t v : sizes) {
    if (v < 0) throw_error<ValueError>("split: sizes must be >= 0, got ", ints_text(sizes));
    sum = v > n - sum ? n + 1 : sum + v;  // saturates above n: never overflows
  }
  if (sum != n)
    throw_error<ShapeError>("split: sizes ", ints_text(sizes), " must sum to the size ", n,
                            " of dim ", d, " of the input of shape ", x.shape());
  std::vector<Tensor> out;
  std::int64_t start = 0;
  for (std::int64_t v : sizes) {
    out.push_back(slice(x, d, start, start + v));
    start += v;
  }
  return out;
}

// Slices, through split (see shape_ops.hpp for why not a struct).
NEURON_INLINE std::vector<Tensor> chunk(const Tensor& x, std::int64_t n, std::int64_t dim) {
  const int d = detail::split_dim("chunk", x, dim);
  if (n <= 0) throw_error<ValueError>("chunk: the number of chunks must be > 0, got ", n);
  const std::int64_t size = x.shape()[d];
  const std::int64_t each = size / n + (size % n != 0);
  if (each == 0) return split(x, std::vector<std::int64_t>(static_cast<std::size_t>(n), 0), d);
  return split(x, each, d);
}

}  // namespace neuron
