// embedding(ids, weight): rows of weight [num_embeddings, dim] gathered by integer ids of any
// shape. Every id is checked; an out-of-range id is an IndexError naming it and where it is.
#pragma once

#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "any_op.hpp"

namespace neuron {

struct Embedding {
  static constexpr const char* name = "embedding";
  NEURON_ATTRS()

  TensorSpec infer(const std::vector<TensorSpec>& in) const;

  // Each id picks a row: id dims reach the output; the table's rows are indexed (mixed).
  DimFlow dim_flow(const std::vector<TensorSpec>& in, const TensorSpec& out) const;

  void run(const std::vector<Tensor>& in, Tensor& out) const;

  // "[1, 3]": the multi-index of flat position k.
  static std::string index_str(const Shape& s, std::int64_t k);
};

// torch.nn.functional.embedding(input, weight).
Tensor embedding(const Tensor& ids, const Tensor& weight);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "embedding-inl.hpp"
#endif
