// Definitions of embedding.hpp.
#pragma once

#include <cstdint>

#include "../core/random.hpp"
#include "../ops/embedding.hpp"
#include "embedding.hpp"
#include "module-inl.hpp"

namespace neuron::nn {

NEURON_INLINE Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim) {
  if (num_embeddings < 0 || embedding_dim < 0)
    throw_error<ValueError>("Embedding: sizes must be >= 0, got ", num_embeddings, " x ",
                            embedding_dim);
  register_parameter("weight", randn({num_embeddings, embedding_dim}));
}

NEURON_INLINE Tensor Embedding::forward(const Tensor& ids) {
  return embedding(ids, param("weight"));
}

}  // namespace neuron::nn
