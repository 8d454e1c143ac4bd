// Definitions of reshape.hpp.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "any_op-inl.hpp"
#include "reshape.hpp"

namespace neuron {

namespace detail {
NEURON_INLINE std::string dims_str(const std::vector<std::int64_t>& d) {
  std::string s = "[";
  for (std::size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + "]";
}

NEURON_INLINE Shape resolve_reshape(const Shape& from, const std::vector<std::int64_t>& to) {
  if (to.size() > static_cast<std::size_t>(kMaxRank))
    throw_error<ShapeError>("reshape: target ", dims_str(to), " has rank ", to.size(),
                            ", above the maximum rank ", kMaxRank);
  const std::int64_t n = from.numel();
  int infer_at = -1;
  std::int64_t known = 1;
  bool overflow = false;
  for (std::size_t i = 0; i < to.size(); ++i) {
    if (to[i] == -1) {
      if (infer_at >= 0)
        throw_error<ShapeError>("reshape: only one dim can be -1, got ", dims_str(to));
      infer_at = static_cast<int>(i);
    } else if (to[i] < 0) {
      throw_error<ShapeError>("reshape: invalid extent ", to[i], " at dim ", i, " of ",
                              dims_str(to));
    } else if (to[i] != 0 && known > std::numeric_limits<std::int64_t>::max() / to[i]) {
      overflow = true;
    } else {
      known *= to[i];
    }
  }
  std::vector<std::int64_t> dims = to;
  if (infer_at >= 0 && !overflow && known != 0 && n % known == 0)
    dims[static_cast<std::size_t>(infer_at)] = n / known;
  else if (infer_at >= 0 || overflow || known != n)
    throw_error<ShapeError>("reshape: cannot reshape a tensor of shape ", from, " (", n,
                            " elements) into ", dims_str(to));
  return Shape(dims);
}
}  // namespace detail

NEURON_INLINE TensorSpec Reshape::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 1);
  return {detail::resolve_reshape(in[0].shape, shape), in[0].dtype};
}

NEURON_INLINE DimFlow Reshape::dim_flow(const std::vector<TensorSpec>& in,
                                        const TensorSpec& out) const {
  DimFlow f = DimFlow::all(in, DimFlow::kLost);
  const Shape& s = in[0].shape;
  std::int64_t before_in = 1;
  for (int d = 0; d < s.rank(); ++d) {
    std::int64_t before_out = 1;
    for (int k = 0; k < out.shape.rank(); ++k) {
      if (before_out == before_in && out.shape[k] == s[d]) {
        f.set(0, d, k);
        break;
      }
      before_out *= out.shape[k];
    }
    before_in *= s[d];
  }
  return f;
}

NEURON_INLINE void Reshape::run(const std::vector<Tensor>& in, Tensor& out) const {
  std::memcpy(out.raw_data(), in[0].raw_data(), in[0].nbytes());
}

NEURON_INLINE Tensor reshape(const Tensor& x, const std::vector<std::int64_t>& shape) {
  Reshape op;
  op.shape = detail::resolve_reshape(x.shape(), shape).vec();
  if (x.device().is_cpu()) {
    op.infer({spec_of(x)});
    return alias_with_shape(x, Shape(op.shape));
  }
  return run_op(op, {x});
}

}  // namespace neuron
