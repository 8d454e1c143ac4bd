// nn::Embedding(num_embeddings, embedding_dim): a lookup table, initialised N(0, 1) like PyTorch.
#pragma once

#include <cstdint>
#include <string>

#include "../core/random.hpp"
#include "../ops/embedding.hpp"
#include "module.hpp"

namespace neuron::nn {

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim);
  Tensor forward(const Tensor& ids) override;
  std::string type_name() const override { return "Embedding"; }
  const Tensor& weight() const { return param("weight"); }
};

}  // namespace neuron::nn

#ifdef NEURON_HEADER_ONLY
#include "embedding-inl.hpp"
#endif
