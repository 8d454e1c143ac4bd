// Definitions of add_layer_norm.hpp.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/parallel.hpp"
#include "add_layer_norm.hpp"
#include "any_op-inl.hpp"
#include "binary.hpp"
#include "layer_norm-inl.hpp"

namespace neuron {

NEURON_INLINE TensorSpec AddLayerNorm::infer(const std::vector<TensorSpec>& in) const {
  if (addends < 2) throw_error<ValueError>(name, ": needs at least 2 addends, got ", addends);
  const std::size_t k = static_cast<std::size_t>(addends);
  expect_arity(name, in, k + (has_weight ? 1 : 0) + (has_bias ? 1 : 0));
  const Shape ns(normalized_shape);
  if (ns.rank() == 0)
    throw_error<ShapeError>(name, ": normalized_shape must have at least one dim");
  if (!(eps >= 0)) throw_error<ValueError>(name, ": eps must be >= 0, got ", eps);
  Shape out = in[0].shape;
  for (std::size_t i = 0; i < k; ++i) {
    const TensorSpec& a = in[i];
    if (a.dtype != float32)
      throw_error<DTypeError>(name, ": addend ", i, " has dtype ", a.dtype,
                              "; float32 only (the compiler makes it for float32 sums)");
    bool ends = ns.rank() <= a.shape.rank();
    for (int d = 0; ends && d < ns.rank(); ++d)
      ends = a.shape[a.shape.rank() - ns.rank() + d] == ns[d];
    if (!ends)
      throw_error<ShapeError>(name, ": addend ", i, " of shape ", a.shape,
                              " does not end with normalized_shape ", ns);
    if (i > 0) out = broadcast_shapes(out, a.shape, name, "the sum so far", "the next addend");
  }
  for (std::size_t i = k; i < in.size(); ++i) {
    if (in[i].shape != ns)
      throw_error<ShapeError>(name, ": ", (i == k && has_weight) ? "weight" : "bias", " has shape ",
                              in[i].shape, ", expected normalized_shape ", ns);
    if (in[i].dtype != float32)
      throw_error<DTypeError>(name, ": ", (i == k && has_weight) ? "weight" : "bias", " has dtype ",
                              in[i].dtype, ", expected float32");
  }
  return {out, float32};
}

NEURON_INLINE DimFlow AddLayerNorm::dim_flow(const std::vector<TensorSpec>& in,
                                             const TensorSpec& out) const {
  DimFlow f = DimFlow::broadcast(in, out);
  const int n = static_cast<int>(normalized_shape.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const int r = in[i].shape.rank();
    const int from = i < static_cast<std::size_t>(addends) ? r - n : 0;  // weight, bias: all
    for (int d = from; d < r; ++d) f.set(i, d, DimFlow::kMixed);
  }
  return f;
}

NEURON_INLINE void AddLayerNorm::pad_rule(PadCheck& c) const {
  for (std::size_t i = 0; i < static_cast<std::size_t>(addends); ++i)
    for (int d = 0; d < c.in[i].shape.rank(); ++d)
      if (c.padded(i, d) && c.flow_of(i, d) == DimFlow::kMixed)
        c.need(i, d, detail::kNormalizedDimPadded);
}

namespace detail {
// Where row r of the output starts in each addend: addends broadcast over the leading dims only.
struct AddendRows {
  const float* data = nullptr;
  Shape lead;                            // the output's leading dims, right-aligned
  std::vector<std::int64_t> row_stride;  // per output leading dim, 0 where broadcast
  std::int64_t row_offset(std::int64_t r) const {
    std::int64_t off = 0;
    for (int d = lead.rank(); d-- > 0;) {
      const std::int64_t extent = lead[d];
      off += (r % extent) * row_stride[static_cast<std::size_t>(d)];
      r /= extent;
    }
    return off;
  }
};
inline AddendRows addend_rows(const Tensor& a, const Shape& out, int norm_rank, std::int64_t n) {
  AddendRows rows;
  rows.data = a.data<float>();
  const int lead = out.rank() - norm_rank, a_lead = a.shape().rank() - norm_rank;
  rows.lead = Shape(out.begin(), out.begin() + lead);
  rows.row_stride.assign(static_cast<std::size_t>(lead), 0);
  std::int64_t stride = n;
  for (int d = a_lead; d-- > 0;) {  // the addend's own leading dims, right-aligned to the output's
    const std::int64_t extent = a.shape()[d];
    if (extent != 1) rows.row_stride[static_cast<std::size_t>(d + lead - a_lead)] = stride;
    stride *= extent;
  }
  return rows;
}
}  // namespace detail

NEURON_INLINE void AddLayerNorm::run(const std::vector<Tensor>& in, Tensor& out) const {
  const std::size_t k = static_cast<std::size_t>(addends);
  const std::int64_t n = Shape(normalized_shape).numel();
  const std::int64_t rows = n ? out.numel() / n : 0;
  const int norm_rank = static_cast<int>(normalized_shape.size());
  std::vector<detail::AddendRows> terms;
  for (std::size_t i = 0; i < k; ++i)
    terms.push_back(detail::addend_rows(in[i], out.shape(), norm_rank, n));
  const float* w = has_weight ? in[k].data<float>() : nullptr;
  const float* b = has_bias ? in[k + (has_weight ? 1 : 0)].data<float>() : nullptr;
  float* y = out.data<float>();
  const ElementwiseTypes t{{float32, float32, float32}, float32};
  const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(n, 1));
  const detail::IsaKernels* isa = detail::isa_kernels();
  detail::parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      float* yr = y + r * n;
      // ((x0 + x1) + x2) + ...: add's own kernel, in the order of the unfused expression
      const void* first[2] = {terms[0].data + terms[0].row_offset(r),
                              terms[1].data + terms[1].row_offset(r)};
      Add{}.run_chunk(t, first, yr, n);
      for (std::size_t i = 2; i < k; ++i) {
        const void* next[2] = {yr, terms[i].data + terms[i].row_offset(r)};
        Add{}.run_chunk(t, next, yr, n);
      }
      detail::layer_norm_rows_dispatch(isa, yr, yr, w, b, n, eps, 0, 1);
    }
  });
}

// For callers that run it eagerly (tests, tools): the compiler makes it in plans only.
#ifndef NEURON_HEADER_ONLY
template Tensor run_op<AddLayerNorm>(const AddLayerNorm&, const std::vector<Tensor>&);
#endif

}  // namespace neuron
