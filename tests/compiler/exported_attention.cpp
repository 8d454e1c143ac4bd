// exported_attention_as_multihead (compiler/exported_attention-inl.hpp): nn.MultiheadAttention
// written as torch.onnx exports it (here in the DSL, op for op: the pass reads plans, whatever
// recorded them) traces to three linears, one multihead_attention and the out-projection, with
// the same results; what does not fit the pattern is left as it was.
#include "test_util.hpp"

#include <map>

namespace {

constexpr std::int64_t B = 2, L = 6, E = 16, H = 4, D = 4;

std::map<std::string, int> step_counts(const nr::TracedModule& t) {
  std::map<std::string, int> c;
  for (const auto& s : t.plans()[0].steps) ++c[s.op->name()];
  return c;
}

struct Weights {
  nr::Tensor w = nr::randn({3 * E, E}) * 0.3f, b = nr::randn({3 * E});
  nr::Tensor wo = nr::randn({E, E}) * 0.3f, bo = nr::randn({E});
};

// torch 1.13's F.multi_head_attention_forward for batch_first inputs, as exported: seq-first,
// one packed in-projection, heads merged with the batch. `key_perm` is how K's heads are laid
// out for the product ({1, 2, 0}: transposed, as exported).
nr::Tensor exported(const Weights& w, const nr::Tensor& x, const nr::Tensor& mask,
                    std::vector<std::int64_t> key_perm = {1, 2, 0}) {
  const nr::Tensor p = nr::linear(nr::permute(x, {1, 0, 2}), w.w, w.b);  // [L, B, 3E]
  auto heads = [&](std::int64_t part, std::vector<std::int64_t> perm) {
    return nr::permute(nr::reshape(nr::slice(p, 2, part * E, (part + 1) * E), {L, B * H, D}), perm);
  };
  const nr::Tensor q(heads(0, {1, 0, 2}) / nr::scalar_tensor(2.0f));  // / sqrt(D), a constant
  nr::Tensor k = heads(1, key_perm);
  if (key_perm != std::vector<std::int64_t>{1, 2, 0}) k = nr::transpose(k, 1, 2);
  nr::Tensor s = nr::matmul(q, k);  // [B*H, L, L]
  if (mask.defined()) s = nr::Tensor(s * nr::scalar_tensor(1.0f) + mask);
  const nr::Tensor o = nr::matmul(nr::softmax(s, -1), heads(2, {1, 0, 2}));
  const nr::Tensor y = nr::linear(nr::reshape(nr::permute(o, {1, 0, 2}), {L * B, E}), w.wo, w.bo);
  return nr::permute(nr::reshape(y, {L, B, E}), {1, 0, 2});
}

}  // namespace

TEST_CASE("exported_attention_as_multihead: the exported attention is one multihead_attention") {
  nr::manual_seed(31);
  const Weights w;
  const nr::Tensor x = nr::randn({B, L, E});
  auto plain = [&](const nr::Tensor& in) { return exported(w, in, nr::Tensor()); };
  const nr::TracedModule t = nr::trace(plain, x);
  auto c = step_counts(t);
  CHECK(c["multihead_attention"] == 1);
  CHECK(c["linear"] == 4);
  for (const char* gone : {"permute", "slice", "reshape", "matmul", "softmax", "fused"})
    CHECK_MESSAGE(c[gone] == 0, gone);
  test::check_close(t(x), plain(x), 1e-5, 1e-5, "no mask");

  // A key padding mask, additive, expanded per head as the export writes it.
  nr::Tensor pad = nr::zeros({B, 1, 1, L});
  pad = nr::Tensor(nr::where(nr::gt(nr::rand({B, 1, 1, L}), 0.6), -1e9f, pad));
  pad =
      nr::Tensor(nr::where(nr::eq(nr::arange(L), 0), 0.0f, pad));  // every row keeps its first key
  auto masked = [&](const std::vector<nr::Tensor>& in) {
    const nr::Tensor m = nr::reshape(nr::expand(in[1], {B, H, 1, L}), {B * H, 1, L});
    return std::vector<nr::Tensor>{exported(w, in[0], m)};
  };
  const nr::TracedModule tm = nr::trace(masked, {x, pad});
  c = step_counts(tm);
  CHECK(c["multihead_attention"] == 1);
  CHECK(c["matmul"] == 0);
  test::check_close(tm.forward({x, pad})[0], masked({x, pad})[0], 1e-5, 1e-5, "key padding mask");

  // K's heads laid out otherwise (transposed by a step of its own): not the pattern, unchanged.
  auto other = [&](const nr::Tensor& in) { return exported(w, in, nr::Tensor(), {1, 0, 2}); };
  const nr::TracedModule to = nr::trace(other, x);
  c = step_counts(to);
  CHECK(c["multihead_attention"] == 0);
  CHECK(c["matmul"] == 2);
  test::check_close(to(x), other(x), 1e-5, 1e-5, "not the pattern");
}
