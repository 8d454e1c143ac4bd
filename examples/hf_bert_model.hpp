// Hugging Face's BertModel (transformers' modeling_bert.py) in neuron's DSL, with HF's parameter
// names, so that a checkpoint's model.safetensors loads strictly as it is:
//   embeddings.{word,position,token_type}_embeddings.weight, embeddings.LayerNorm.{weight,bias},
//   embeddings.position_ids (a buffer: arange(max_position_embeddings), [1, max_positions] int64)
//   encoder.layer.N.attention.self.{query,key,value}.{weight,bias}
//   encoder.layer.N.attention.output.{dense,LayerNorm}.{weight,bias}
//   encoder.layer.N.intermediate.dense.{weight,bias}
//   encoder.layer.N.output.{dense,LayerNorm}.{weight,bias}
//   pooler.dense.{weight,bias}
// The post-norm layers of BERT with exact (erf) GELU and absolute positions. HF adds
// (1 - mask) * finfo.min to the scores; here the attention mask becomes a bool mask (true:
// attend) of scaled_dot_product_attention, which gives the same probabilities at every query
// (exp(finfo.min - max) is 0 in float32 as exp(-inf) is) and lets trace_buckets see that padded
// keys are masked.
//
// SentenceEmbedder adds what sentence-transformers' pipeline does after the BertModel
// (Transformer -> Pooling(mean) -> Normalize, as all-MiniLM-L6-v2's modules.json lists it): the
// mean of the token states over real tokens, sum(h * mask) / max(sum(mask), 1e-9), and
// F.normalize's L2 normalisation, x / max(|x|, 1e-12).
//
//   hf_bert::SentenceEmbedder model(hf_bert::Config{});      // all-MiniLM-L6-v2's sizes
//   model.load_state_dict(nr::load_safetensors(".../model.safetensors"));   // strict
//   model.eval();
//   std::vector<nr::Tensor> out = model({ids, attention_mask});   // {[B, hidden], [B, L, hidden]}
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

namespace hf_bert {

namespace nr = neuron;
namespace nn = neuron::nn;

// config.json's numbers (all-MiniLM-L6-v2's by default).
struct Config {
  std::int64_t vocab_size = 30522, hidden_size = 384, num_hidden_layers = 6,
               num_attention_heads = 12, intermediate_size = 1536, max_position_embeddings = 512,
               type_vocab_size = 2;
  double layer_norm_eps = 1e-12;
  std::int64_t head_dim() const { return hidden_size / num_attention_heads; }
};

// Word + position + token-type embeddings, then LayerNorm (dropout is the identity in eval).
class BertEmbeddings : public nn::Module {
 public:
  explicit BertEmbeddings(const Config& c) : c_(c) {
    word_embeddings = register_module("word_embeddings",
                                      std::make_shared<nn::Embedding>(c.vocab_size, c.hidden_size));
    position_embeddings =
        register_module("position_embeddings",
                        std::make_shared<nn::Embedding>(c.max_position_embeddings, c.hidden_size));
    token_type_embeddings = register_module(
        "token_type_embeddings", std::make_shared<nn::Embedding>(c.type_vocab_size, c.hidden_size));
    LayerNorm = register_module("LayerNorm",
                                std::make_shared<nn::LayerNorm>(c.hidden_size, c.layer_norm_eps));
    // HF's persistent buffer: position ids are read from it, as BertEmbeddings does.
    register_buffer("position_ids", nr::reshape(nr::arange(c.max_position_embeddings),
                                                {1, c.max_position_embeddings}));
  }
  std::string type_name() const override { return "BertEmbeddings"; }
  nr::Tensor forward(const nr::Tensor& ids) override { return forward(ids, nr::Tensor()); }
  // ids [B, L] int64; token_types [B, L] int64, or undefined for all zeros (one segment).
  nr::Tensor forward(const nr::Tensor& ids, const nr::Tensor& token_types) {
    const std::int64_t len = ids.size(1);
    if (len > c_.max_position_embeddings)
      nr::throw_error<nr::ValueError>("BertEmbeddings: ", len, " tokens exceed the model's ",
                                      c_.max_position_embeddings, " positions");
    // position_ids[:, :L]: read from the buffer (on the CPU while tracing, a constant arange(L)).
    nr::Tensor positions = nr::slice(buffer("position_ids"), 1, 0, len);
    nr::Tensor types =
        token_types.defined() ? token_types : nr::zeros(ids.shape(), nr::int64).to(ids.device());
    return LayerNorm->forward(word_embeddings->forward(ids) +
                              token_type_embeddings->forward(types) +
                              position_embeddings->forward(positions));
  }

  std::shared_ptr<nn::Embedding> word_embeddings, position_embeddings, token_type_embeddings;
  std::shared_ptr<nn::LayerNorm> LayerNorm;

 private:
  Config c_;
};

// attention.self: query, key and value projections and scaled dot-product attention per head.
class BertSelfAttention : public nn::Module {
 public:
  explicit BertSelfAttention(const Config& c) : c_(c) {
    if (c.hidden_size % c.num_attention_heads != 0)
      nr::throw_error<nr::ValueError>("BertSelfAttention: hidden_size ", c.hidden_size,
                                      " is not a multiple of ", c.num_attention_heads, " heads");
    query = register_module("query", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
    key = register_module("key", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
    value = register_module("value", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
  }
  std::string type_name() const override { return "BertSelfAttention"; }
  nr::Tensor forward(const nr::Tensor& x) override { return forward(x, nr::Tensor()); }
  // x [B, L, hidden]; attend [B, 1, 1, L] bool (true: a real key), or undefined: every key.
  nr::Tensor forward(const nr::Tensor& x, const nr::Tensor& attend) {
    const std::int64_t b = x.size(0), len = x.size(1);
    auto heads = [&](const nr::Tensor& t) {  // [B, L, hidden] -> [B, heads, L, head_dim]
      return nr::permute(nr::reshape(t, {b, len, c_.num_attention_heads, c_.head_dim()}),
                         {0, 2, 1, 3});
    };
    nr::Tensor context = nr::scaled_dot_product_attention(
        heads(query->forward(x)), heads(key->forward(x)), heads(value->forward(x)), attend);
    return nr::reshape(nr::permute(context, {0, 2, 1, 3}), {b, len, c_.hidden_size});
  }

  std::shared_ptr<nn::Linear> query, key, value;

 private:
  Config c_;
};

// attention.output and output: LayerNorm(dense(x) + residual).
class BertResidualOutput : public nn::Module {
 public:
  BertResidualOutput(const Config& c, std::int64_t in_features) {
    dense = register_module("dense", std::make_shared<nn::Linear>(in_features, c.hidden_size));
    LayerNorm = register_module("LayerNorm",
                                std::make_shared<nn::LayerNorm>(c.hidden_size, c.layer_norm_eps));
  }
  std::string type_name() const override { return "BertResidualOutput"; }
  nr::Tensor forward(const nr::Tensor&) override {
    nr::throw_error<nr::ValueError>("BertResidualOutput takes (x, residual)");
  }
  nr::Tensor forward(const nr::Tensor& x, const nr::Tensor& residual) {
    return LayerNorm->forward(dense->forward(x) + residual);
  }
  std::shared_ptr<nn::Linear> dense;
  std::shared_ptr<nn::LayerNorm> LayerNorm;
};

class BertAttention : public nn::Module {
 public:
  explicit BertAttention(const Config& c) {
    self = register_module("self", std::make_shared<BertSelfAttention>(c));
    output = register_module("output", std::make_shared<BertResidualOutput>(c, c.hidden_size));
  }
  std::string type_name() const override { return "BertAttention"; }
  nr::Tensor forward(const nr::Tensor& x) override { return forward(x, nr::Tensor()); }
  nr::Tensor forward(const nr::Tensor& x, const nr::Tensor& attend) {
    return output->forward(self->forward(x, attend), x);
  }
  std::shared_ptr<BertSelfAttention> self;
  std::shared_ptr<BertResidualOutput> output;
};

// intermediate: dense then GELU (config.json's "gelu": the exact, erf form).
class BertIntermediate : public nn::Module {
 public:
  explicit BertIntermediate(const Config& c) {
    dense =
        register_module("dense", std::make_shared<nn::Linear>(c.hidden_size, c.intermediate_size));
  }
  std::string type_name() const override { return "BertIntermediate"; }
  nr::Tensor forward(const nr::Tensor& x) override { return nr::gelu(dense->forward(x)); }
  std::shared_ptr<nn::Linear> dense;
};

class BertLayer : public nn::Module {
 public:
  explicit BertLayer(const Config& c) {
    attention = register_module("attention", std::make_shared<BertAttention>(c));
    intermediate = register_module("intermediate", std::make_shared<BertIntermediate>(c));
    output =
        register_module("output", std::make_shared<BertResidualOutput>(c, c.intermediate_size));
  }
  std::string type_name() const override { return "BertLayer"; }
  nr::Tensor forward(const nr::Tensor& x) override { return forward(x, nr::Tensor()); }
  nr::Tensor forward(const nr::Tensor& x, const nr::Tensor& attend) {
    nr::Tensor a = attention->forward(x, attend);
    return output->forward(intermediate->forward(a), a);
  }
  std::shared_ptr<BertAttention> attention;
  std::shared_ptr<BertIntermediate> intermediate;
  std::shared_ptr<BertResidualOutput> output;
};

class BertEncoder : public nn::Module {
 public:
  explicit BertEncoder(const Config& c) {
    auto list = register_module("layer", std::make_shared<nn::ModuleList>());
    for (std::int64_t i = 0; i < c.num_hidden_layers; ++i) {
      layers.push_back(std::make_shared<BertLayer>(c));
      list->push_back(layers.back());
    }
  }
  std::string type_name() const override { return "BertEncoder"; }
  nr::Tensor forward(const nr::Tensor& x) override { return forward(x, nr::Tensor()); }
  nr::Tensor forward(nr::Tensor x, const nr::Tensor& attend) {
    for (auto& layer : layers) x = layer->forward(x, attend);
    return x;
  }
  std::vector<std::shared_ptr<BertLayer>> layers;
};

// tanh(dense(h[:, 0])): BertModel's pooler_output (sentence-transformers does not use it).
class BertPooler : public nn::Module {
 public:
  explicit BertPooler(const Config& c) {
    dense = register_module("dense", std::make_shared<nn::Linear>(c.hidden_size, c.hidden_size));
  }
  std::string type_name() const override { return "BertPooler"; }
  nr::Tensor forward(const nr::Tensor& h) override {
    return nr::tanh(dense->forward(nr::reshape(nr::slice(h, 1, 0, 1), {h.size(0), h.size(2)})));
  }
  std::shared_ptr<nn::Linear> dense;
};

// The bool mask scaled_dot_product_attention takes from HF's attention_mask [B, L] (1: a real
// token, 0: padding; any integer or bool dtype): [B, 1, 1, L], true where a key is attended.
inline nr::Tensor attend_mask(const nr::Tensor& attention_mask) {
  if (attention_mask.dim() != 2)
    nr::throw_error<nr::ShapeError>("hf_bert: attention_mask must be [batch, length], got ",
                                    attention_mask.shape());
  return nr::reshape(nr::ne(attention_mask, 0),
                     {attention_mask.size(0), 1, 1, attention_mask.size(1)});
}

class BertModel : public nn::Module {
 public:
  explicit BertModel(const Config& c = Config{}) : c_(c) {
    embeddings = register_module("embeddings", std::make_shared<BertEmbeddings>(c));
    encoder = register_module("encoder", std::make_shared<BertEncoder>(c));
    pooler = register_module("pooler", std::make_shared<BertPooler>(c));
  }
  std::string type_name() const override { return "BertModel"; }
  const Config& config() const { return c_; }

  // ids [B, L] -> last_hidden_state [B, L, hidden], every token attended.
  nr::Tensor forward(const nr::Tensor& ids) override { return last_hidden_state(ids, {}, {}); }
  // attention_mask [B, L] (1 / 0) or undefined; token_types [B, L] or undefined (zeros).
  nr::Tensor last_hidden_state(const nr::Tensor& ids, const nr::Tensor& attention_mask,
                               const nr::Tensor& token_types = {}) {
    check_inputs(ids, attention_mask);
    nr::Tensor attend = attention_mask.defined() ? attend_mask(attention_mask) : nr::Tensor();
    return encoder->forward(embeddings->forward(ids, token_types), attend);
  }

  std::shared_ptr<BertEmbeddings> embeddings;
  std::shared_ptr<BertEncoder> encoder;
  std::shared_ptr<BertPooler> pooler;

 private:
  void check_inputs(const nr::Tensor& ids, const nr::Tensor& mask) const {
    if (ids.dim() != 2)
      nr::throw_error<nr::ShapeError>("BertModel: input_ids must be [batch, length], got ",
                                      ids.shape());
    if (ids.dtype() != nr::int64 && ids.dtype() != nr::int32)
      nr::throw_error<nr::DTypeError>("BertModel: input_ids must be int64 or int32, got ",
                                      ids.dtype());
    if (mask.defined() && mask.shape() != ids.shape())
      nr::throw_error<nr::ShapeError>("BertModel: attention_mask ", mask.shape(),
                                      " does not match input_ids ", ids.shape());
  }
  Config c_;
};

// sentence-transformers' Pooling(mean) + Normalize over a BertModel. It is the BertModel (so its
// state_dict has HF's keys and nothing else) with the pipeline's two parameter-free steps after it.
class SentenceEmbedder : public BertModel {
 public:
  explicit SentenceEmbedder(const Config& c = Config{}) : BertModel(c) {}
  std::string type_name() const override { return "SentenceEmbedder"; }

  // {input_ids [B, L], attention_mask [B, L]} -> {embeddings [B, hidden] (unit L2 norm),
  // last_hidden_state [B, L, hidden]}. trace() and trace_buckets() take this form: bucket with
  // pad_values {0, 0} (a valid id, and a mask that marks the padding as not real).
  std::vector<nr::Tensor> operator()(const std::vector<nr::Tensor>& in) {
    if (in.size() != 2)
      nr::throw_error<nr::ValueError>(
          "SentenceEmbedder: expected {input_ids, attention_mask}, got ", in.size(), " inputs");
    nr::Tensor hidden = last_hidden_state(in[0], in[1]);
    return {embed(hidden, in[1]), hidden};
  }
  // ids alone: every token is real; the embeddings [B, hidden].
  nr::Tensor forward(const nr::Tensor& ids) override {
    return (*this)({ids, nr::ones(ids.shape(), nr::int64).to(ids.device())})[0];
  }

  // Mean over real tokens, then x / max(|x|_2, 1e-12).
  static nr::Tensor embed(const nr::Tensor& hidden, const nr::Tensor& attention_mask) {
    nr::Tensor m = nr::reshape(nr::cast(attention_mask, hidden.dtype()),
                               {attention_mask.size(0), attention_mask.size(1), 1});
    nr::Tensor count = nr::maximum(nr::sum(m, {1}, false), 1e-9f);  // [B, 1]
    nr::Tensor mean = nr::sum(hidden * m, {1}, false) / count;      // [B, hidden]
    nr::Tensor norm = nr::sqrt(nr::sum(mean * mean, {1}, true));    // [B, 1]
    return mean / nr::maximum(norm, 1e-12f);
  }
};

}  // namespace hf_bert
