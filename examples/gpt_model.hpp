// TinyGPT: a GPT-2-style decoder-only language model written in neuron's DSL, with the parameter
// names of the PyTorch model in tests/fixtures/make_seq_model_fixtures.py (wte, wpe,
// h.N.ln_1, h.N.attn.c_attn, h.N.attn.c_proj, h.N.ln_2, h.N.mlp.c_fc, h.N.mlp.c_proj, ln_f):
// token + learned position embeddings, pre-norm causal blocks with GELU, a final LayerNorm and an
// LM head tied to the token embedding (logits = ln_f(x) @ wte^T).
// Two ways to run it:
//   forward(ids [B, T])   full causal attention over the ids, positions 0..T-1: [B, T, vocab]
//   step({ids [B, T], pos [1], k_0, v_0, k_1, v_1, ...})   with a static KV cache per layer
//       ([B, heads, max_len, head_dim]): the new keys and values are written at positions
//       pos..pos+T-1 (index_copy) and each query attends to the cache entries at positions <= its
//       own (arange(max_len) <= position). pos is data, not shape, so every decode step records
//       the same graph. Returns {logits [B, T, vocab], k_0, v_0, ...} (the updated caches).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

namespace gpt {

namespace nr = neuron;
namespace nn = neuron::nn;

struct Config {
  std::int64_t vocab = 256, d_model = 64, n_layer = 2, n_head = 4, max_len = 64;
  std::int64_t head_dim() const { return d_model / n_head; }
};

// Multi-head causal self-attention: one packed projection to q, k, v (c_attn), one out (c_proj).
class Attention : public nn::Module {
 public:
  explicit Attention(const Config& c) : c_(c) {
    c_attn = register_module("c_attn", std::make_shared<nn::Linear>(c.d_model, 3 * c.d_model));
    c_proj = register_module("c_proj", std::make_shared<nn::Linear>(c.d_model, c.d_model));
  }
  std::string type_name() const override { return "Attention"; }

  nr::Tensor forward(const nr::Tensor& x) override {
    auto [q, k, v] = heads(x);
    return merge(nr::scaled_dot_product_attention(q, k, v, {}, /*is_causal=*/true));
  }

  // Writes this call's keys and values into the caches at `positions` and attends over them.
  nr::Tensor forward_cached(const nr::Tensor& x, const nr::Tensor& positions,
                            const nr::Tensor& allowed, nr::Tensor& k_cache, nr::Tensor& v_cache) {
    auto [q, k, v] = heads(x);
    k_cache = nr::index_copy(k_cache, 2, positions, k);
    v_cache = nr::index_copy(v_cache, 2, positions, v);
    return merge(nr::scaled_dot_product_attention(q, k_cache, v_cache, allowed));
  }

  std::shared_ptr<nn::Linear> c_attn, c_proj;

 private:
  // [B, T, d] -> q, k, v as [B, heads, T, head_dim]
  std::tuple<nr::Tensor, nr::Tensor, nr::Tensor> heads(const nr::Tensor& x) const {
    const std::int64_t B = x.size(0), T = x.size(1), d = c_.d_model;
    nr::Tensor qkv = c_attn->forward(x);
    auto part = [&](std::int64_t i) {
      nr::Tensor p = nr::slice(qkv, 2, i * d, (i + 1) * d);
      return nr::permute(nr::reshape(p, {B, T, c_.n_head, c_.head_dim()}), {0, 2, 1, 3});
    };
    return {part(0), part(1), part(2)};
  }
  nr::Tensor merge(const nr::Tensor& y) const {  // [B, heads, T, head_dim] -> [B, T, d]
    return c_proj->forward(
        nr::reshape(nr::permute(y, {0, 2, 1, 3}), {y.size(0), y.size(2), c_.d_model}));
  }
  Config c_;
};

class Mlp : public nn::Module {
 public:
  explicit Mlp(const Config& c) {
    c_fc = register_module("c_fc", std::make_shared<nn::Linear>(c.d_model, 4 * c.d_model));
    c_proj = register_module("c_proj", std::make_shared<nn::Linear>(4 * c.d_model, c.d_model));
  }
  nr::Tensor forward(const nr::Tensor& x) override {
    return c_proj->forward(nr::gelu(c_fc->forward(x)));
  }
  std::string type_name() const override { return "Mlp"; }
  std::shared_ptr<nn::Linear> c_fc, c_proj;
};

class Block : public nn::Module {
 public:
  explicit Block(const Config& c) {
    ln_1 = register_module("ln_1", std::make_shared<nn::LayerNorm>(c.d_model));
    attn = register_module("attn", std::make_shared<Attention>(c));
    ln_2 = register_module("ln_2", std::make_shared<nn::LayerNorm>(c.d_model));
    mlp = register_module("mlp", std::make_shared<Mlp>(c));
  }
  std::string type_name() const override { return "Block"; }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor h = x + attn->forward(ln_1->forward(x));
    return h + mlp->forward(ln_2->forward(h));
  }
  nr::Tensor forward_cached(const nr::Tensor& x, const nr::Tensor& positions,
                            const nr::Tensor& allowed, nr::Tensor& k_cache, nr::Tensor& v_cache) {
    nr::Tensor h = x + attn->forward_cached(ln_1->forward(x), positions, allowed, k_cache, v_cache);
    return h + mlp->forward(ln_2->forward(h));
  }

  std::shared_ptr<nn::LayerNorm> ln_1, ln_2;
  std::shared_ptr<Attention> attn;
  std::shared_ptr<Mlp> mlp;
};

class TinyGPT : public nn::Module {
 public:
  explicit TinyGPT(const Config& c) : c_(c) {
    if (c.d_model % c.n_head != 0)
      nr::throw_error<nr::ValueError>("TinyGPT: d_model ", c.d_model, " is not a multiple of ",
                                      c.n_head, " heads");
    wte = register_module("wte", std::make_shared<nn::Embedding>(c.vocab, c.d_model));
    wpe = register_module("wpe", std::make_shared<nn::Embedding>(c.max_len, c.d_model));
    auto list = register_module("h", std::make_shared<nn::ModuleList>());
    for (std::int64_t i = 0; i < c.n_layer; ++i) {
      blocks.push_back(std::make_shared<Block>(c));
      list->push_back(blocks.back());
    }
    ln_f = register_module("ln_f", std::make_shared<nn::LayerNorm>(c.d_model));
  }
  std::string type_name() const override { return "TinyGPT"; }
  const Config& config() const { return c_; }

  // ids [B, T] -> logits [B, T, vocab]
  nr::Tensor forward(const nr::Tensor& ids) override {
    const std::int64_t T = ids.size(1);
    if (T > c_.max_len)
      nr::throw_error<nr::ValueError>("TinyGPT: ", T, " tokens exceed max_len ", c_.max_len);
    nr::Tensor x = wte->forward(ids) + wpe->forward(nr::arange(T).to(ids.device()));
    for (auto& b : blocks) x = b->forward(x);
    return head(x);
  }

  // The KV-cached step: {ids [B, T], pos [1] int64, k_0, v_0, ...} -> {logits, k_0, v_0, ...}.
  std::vector<nr::Tensor> step(const std::vector<nr::Tensor>& in) {
    if (in.size() != static_cast<std::size_t>(2 + 2 * c_.n_layer))
      nr::throw_error<nr::ValueError>("TinyGPT::step: expected ids, pos and ", 2 * c_.n_layer,
                                      " cache tensors, got ", in.size(), " inputs");
    const nr::Tensor &ids = in[0], &pos = in[1];
    const std::int64_t T = ids.size(1);
    nr::Tensor positions = nr::arange(T).to(ids.device()) + pos;  // [T]
    nr::Tensor key_pos = nr::reshape(nr::arange(c_.max_len).to(ids.device()), {1, c_.max_len});
    nr::Tensor allowed = nr::le(key_pos, nr::reshape(positions, {T, 1}));  // [T, max_len]
    nr::Tensor x = wte->forward(ids) + wpe->forward(positions);
    std::vector<nr::Tensor> out = {nr::Tensor()};  // {logits, k_0, v_0, ...}
    out.insert(out.end(), in.begin() + 2, in.end());
    for (std::size_t l = 0; l < blocks.size(); ++l)
      x = blocks[l]->forward_cached(x, positions, allowed, out[1 + 2 * l], out[2 + 2 * l]);
    out[0] = head(x);
    return out;
  }
  // trace() takes a model that maps a vector of tensors to a vector: the step.
  std::vector<nr::Tensor> operator()(const std::vector<nr::Tensor>& in) { return step(in); }

  // Zeroed caches for `batch` sequences: {k_0, v_0, k_1, v_1, ...}.
  std::vector<nr::Tensor> empty_cache(std::int64_t batch, nr::Device device = nr::cpu()) const {
    std::vector<nr::Tensor> caches;
    for (std::int64_t i = 0; i < 2 * c_.n_layer; ++i)
      caches.push_back(nr::zeros({batch, c_.n_head, c_.max_len, c_.head_dim()}).to(device));
    return caches;
  }

  std::shared_ptr<nn::Embedding> wte, wpe;
  std::vector<std::shared_ptr<Block>> blocks;
  std::shared_ptr<nn::LayerNorm> ln_f;

 private:
  nr::Tensor head(const nr::Tensor& x) { return nr::linear(ln_f->forward(x), wte->weight()); }
  Config c_;
};

}  // namespace gpt
