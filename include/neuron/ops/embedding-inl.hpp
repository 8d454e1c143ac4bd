// Definitions of embedding.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "any_op-inl.hpp"
#include "embedding.hpp"

namespace neuron {

NEURON_INLINE TensorSpec Embedding::infer(const std::vector<TensorSpec>& in) const {
  expect_arity(name, in, 2);
  const TensorSpec& ids = in[0];
  const TensorSpec& w = in[1];
  if (!is_integral(ids.dtype))
    throw_error<DTypeError>("embedding: ids (input 0) must be int32 or int64, got ", ids.dtype);
  if (w.shape.rank() != 2)
    throw_error<ShapeError>(
        "embedding: weight (input 1) must be 2-d [num_embeddings, dim], got "
        "shape ",
        w.shape);
  Shape out = ids.shape;
  out.push_back(w.shape[1]);
  return {out, w.dtype};
}

NEURON_INLINE DimFlow Embedding::dim_flow(const std::vector<TensorSpec>& in,
                                          const TensorSpec& out) const {
  DimFlow f = DimFlow::all(in, DimFlow::kMixed);
  for (int d = 0; d < in[0].shape.rank(); ++d) f.set(0, d, d);
  f.set(1, 1, out.shape.rank() - 1);
  return f;
}

NEURON_INLINE void Embedding::run(const std::vector<Tensor>& in, Tensor& out) const {
  const Tensor& ids = in[0];
  const Tensor& w = in[1];
  const std::int64_t rows = w.shape()[0];
  const std::size_t row_bytes = static_cast<std::size_t>(w.shape()[1]) * dtype_size(w.dtype());
  const std::byte* src = static_cast<const std::byte*>(w.raw_data());
  std::byte* dst = static_cast<std::byte*>(out.raw_data());
  visit_dtype(ids.dtype(), [&](auto tag) {
    using I = decltype(tag);
    if constexpr (std::is_integral_v<I> && !std::is_same_v<I, bool>) {
      const I* p = ids.data<I>();
      for (std::int64_t k = 0; k < ids.numel(); ++k) {
        std::int64_t id = static_cast<std::int64_t>(p[k]);
        if (id < 0 || id >= rows)
          throw_error<IndexError>("embedding: id ", id, " at index ", index_str(ids.shape(), k),
                                  " of ids with shape ", ids.shape(),
                                  " is out of range for weight of shape ", w.shape(),
                                  " (expected 0 <= id < ", rows, ")");
        std::memcpy(dst + static_cast<std::size_t>(k) * row_bytes,
                    src + static_cast<std::size_t>(id) * row_bytes, row_bytes);
      }
    }
  });
}

NEURON_INLINE std::string Embedding::index_str(const Shape& s, std::int64_t k) {
  std::vector<std::int64_t> idx(static_cast<std::size_t>(s.rank()));
  for (int i = s.rank() - 1; i >= 0; --i) {
    idx[static_cast<std::size_t>(i)] = s[i] ? k % s[i] : 0;
    k = s[i] ? k / s[i] : 0;
  }
  return Shape(idx).str();
}

// torch.nn.functional.embedding(input, weight).
NEURON_INLINE Tensor embedding(const Tensor& ids, const Tensor& weight) {
  return run_op(Embedding{}, {ids, weight});
}

}  // namespace neuron
