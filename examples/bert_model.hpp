// TinyBert: a BERT-style encoder in neuron's DSL with the parameter names of the PyTorch model in
// tests/fixtures/make_seq_model_fixtures.py: word + position + token-type embeddings and a
// LayerNorm (embeddings.*), nn::TransformerEncoder with GELU (encoder.layers.N.*) and a tanh
// pooler on the first token (pooler.dense). forward({ids, types, padding}) -> {sequence, pooled}:
// ids and types [B, L] int64, padding [B, L] bool (true = a padded position, ignored as a key).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

namespace bert {

namespace nr = neuron;
namespace nn = neuron::nn;

struct Config {
  std::int64_t vocab = 100, d_model = 32, n_head = 4, d_ff = 64, n_layer = 2, max_len = 64;
};

class Embeddings : public nn::Module {
 public:
  explicit Embeddings(const Config& c) {
    word = register_module("word_embeddings", std::make_shared<nn::Embedding>(c.vocab, c.d_model));
    position = register_module("position_embeddings",
                               std::make_shared<nn::Embedding>(c.max_len, c.d_model));
    token_type =
        register_module("token_type_embeddings", std::make_shared<nn::Embedding>(2, c.d_model));
    norm = register_module("LayerNorm", std::make_shared<nn::LayerNorm>(c.d_model, 1e-12));
  }
  std::string type_name() const override { return "Embeddings"; }
  nr::Tensor forward(const nr::Tensor& ids) override {
    return forward(ids, nr::zeros(ids.shape(), nr::int64).to(ids.device()));
  }
  nr::Tensor forward(const nr::Tensor& ids, const nr::Tensor& types) {
    // Position ids arange(L): a constant made from the (padded) length, as model code writes it.
    nr::Tensor pos = nr::arange(ids.size(1)).to(ids.device());
    return norm->forward(word->forward(ids) + position->forward(pos) + token_type->forward(types));
  }
  std::shared_ptr<nn::Embedding> word, position, token_type;
  std::shared_ptr<nn::LayerNorm> norm;
};

// tanh(dense(x[:, 0])): the first token's state.
class Pooler : public nn::Module {
 public:
  explicit Pooler(const Config& c) {
    dense = register_module("dense", std::make_shared<nn::Linear>(c.d_model, c.d_model));
  }
  std::string type_name() const override { return "Pooler"; }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor first = nr::reshape(nr::slice(x, 1, 0, 1), {x.size(0), x.size(2)});
    return nr::tanh(dense->forward(first));
  }
  std::shared_ptr<nn::Linear> dense;
};

class TinyBert : public nn::Module {
 public:
  explicit TinyBert(const Config& c) {
    embeddings = register_module("embeddings", std::make_shared<Embeddings>(c));
    nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(c.d_model, c.n_head)
                                          .dim_feedforward(c.d_ff)
                                          .dropout(0.0)
                                          .activation("gelu")
                                          .layer_norm_eps(1e-12));
    encoder =
        register_module("encoder", std::make_shared<nn::TransformerEncoder>(layer, c.n_layer));
    pooler = register_module("pooler", std::make_shared<Pooler>(c));
  }
  std::string type_name() const override { return "TinyBert"; }
  nr::Tensor forward(const nr::Tensor& ids) override {
    return run(ids, nr::zeros(ids.shape(), nr::int64).to(ids.device()), {})[1];
  }

  std::vector<nr::Tensor> run(const nr::Tensor& ids, const nr::Tensor& types,
                              const nr::Tensor& padding) {
    nr::Tensor x = encoder->forward(embeddings->forward(ids, types), {}, padding);
    return {x, pooler->forward(x)};
  }
  // trace() and trace_buckets() take {ids, types, padding} -> {sequence, pooled}.
  std::vector<nr::Tensor> operator()(const std::vector<nr::Tensor>& in) {
    return run(in.at(0), in.at(1), in.at(2));
  }

  std::shared_ptr<Embeddings> embeddings;
  std::shared_ptr<nn::TransformerEncoder> encoder;
  std::shared_ptr<Pooler> pooler;
};

}  // namespace bert
