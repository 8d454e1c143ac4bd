// nn::Embedding(num_embeddings, embedding_dim): a lookup table, initialised N(0, 1) like PyTorch.
#pragma once

#include "../core/random.hpp"
#include "../ops/embedding.hpp"
#include "module.hpp"

namespace neuron::nn {

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim) {
    if (num_embeddings < 0 || embedding_dim < 0)
      throw_error<ValueError>("Embedding: sizes must be >= 0, got ", num_embeddings, " x ",
                              embedding_dim);
    register_parameter("weight", randn({num_embeddings, embedding_dim}));
  }
  Tensor forward(const Tensor& ids) override { return embedding(ids, param("weight")); }
  std::string type_name() const override { return "Embedding"; }
  const Tensor& weight() const { return param("weight"); }
};

}  // namespace neuron::nn
