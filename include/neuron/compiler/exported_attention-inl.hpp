// Definition of exported_attention_as_multihead (import_passes.hpp): nn.MultiheadAttention as
// torch.onnx writes it (torch 1.13's F.multi_head_attention_forward, batch_first), back to the
// one multihead_attention step the DSL records. The exported graph, in plan steps:
//   Xp = permute(X, 1 0 2)                      [L, B, E]    X [B, L, E]
//   P  = linear(Xp, W, b)                       [L, B, 3E]   the packed in-projection
//   Qh = permute(reshape(slice(P, 2, 0, E)), 1 0 2) [B*H, L, D], then / sqrt(D) (or * c)
//   Kt = permute(reshape(slice(P, 2, E, 2E)), 1 2 0) [B*H, D, S]
//   Vh = permute(reshape(slice(P, 2, 2E, 3E)), 1 0 2) [B*H, S, D]
//   A  = softmax(matmul(Qh, Kt) [* c2] [+ mask], -1)    mask [B*H, 1 or L, S]
//   O  = matmul(A, Vh)                          [B*H, L, D]
//   Y  = permute(reshape(linear(reshape(permute(O, 1 0 2)), Wo, bo)), 1 0 2)  [B, L, E]
// becomes
//   Q, K, V = linear(X, W[0:E], b[0:E]), ... [B, L, E]   (the in-projection's rows, as the DSL)
//   M = multihead_attention(Q, K, V, H, reshape(mask) [B, H, 1 or L, S], scale c2 / sqrt(D))
//   Y = linear(M, Wo, bo)
// 19-25 steps, with 3 slices, 6 permutes and 4 copying reshapes, become 5 or 6.
#pragma once

#include <cmath>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../ops/attention.hpp"
#include "../ops/matmul.hpp"
#include "../ops/permute.hpp"
#include "../ops/reshape.hpp"
#include "../ops/slice.hpp"
#include "../ops/softmax.hpp"
#include "cnn_passes-inl.hpp"
#include "import_passes-inl.hpp"  // constant_value, is_weight_of
#include "import_passes.hpp"

namespace neuron {

namespace detail {

// One exported attention found in a plan.
struct ExportedAttention {
  int x = -1;                  // [B, L, E], what the in-projection reads (before its permute)
  int in_w = -1, in_b = -1;    // [3E, E], [3E]
  int mask = -1;               // [B*H, 1 or L, S], added to the scores; -1: none
  int out_w = -1, out_b = -1;  // [E, E], [E]
  int result = -1;             // the [B, L, E] slot it ends in
  std::int64_t batch = 0, len = 0, embed = 0, heads = 0;
  double scale = 1.0;
  int attention_step = -1;  // O: the new steps take its place
  int result_step = -1;     // the last permute: the out-projection takes its place
  std::vector<int> replaced;
};

// Walks the single-reader chains of one pattern; every accessor returns nullptr / -1 / false when
// the plan does not have the expected step there.
class AttentionMatcher {
 public:
  AttentionMatcher(const Plan& plan, const SlotUse& use, PlanWeights& weights)
      : plan_(plan), use_(use), weights_(weights) {}

  bool match(int attention_step, ExportedAttention& a) {
    a = ExportedAttention();
    a.attention_step = attention_step;
    const PlanStep& o = plan_.steps[static_cast<std::size_t>(attention_step)];
    if (!op_as<Matmul>(o) || o.inputs.size() != 2 || !f32_rank(o.output, 3)) return false;
    a.replaced.push_back(attention_step);
    const PlanStep* sm = producer(o.inputs[0], a);
    if (!sm || !op_as<Softmax>(*sm) || op_as<Softmax>(*sm)->dim != 2) return false;
    double c2 = 1.0;
    const PlanStep* qk = scores(sm->inputs[0], a, c2);
    if (!qk) return false;
    double cq = 1.0;
    const int qh = scaled_query(qk->inputs[0], a, cq);
    int p = -1, pk = -1, pv = -1;
    std::vector<std::int64_t> rq, rk, rv;
    if (qh < 0 || !head_split(qh, {1, 0, 2}, 0, a, p, rq) ||
        !head_split(qk->inputs[1], {1, 2, 0}, 1, a, pk, rk) ||
        !head_split(o.inputs[1], {1, 0, 2}, 2, a, pv, rv) || pk != p || pv != p)
      return false;
    if (!in_projection(p, a) || rq != rk || rq != rv) return false;
    // rq = [L, B*H, D] (self-attention: keys and queries have the same length)
    if (rq[0] != a.len || rq[1] % a.batch != 0) return false;
    a.heads = rq[1] / a.batch;
    if (a.heads * rq[2] != a.embed) return false;
    a.scale = cq * c2;
    return mask_fits(a) && tail(o.output, a);
  }

 private:
  const Plan& plan_;
  const SlotUse& use_;
  PlanWeights& weights_;

  const TensorSpec& spec(int slot) const {
    return plan_.slots[static_cast<std::size_t>(slot)].spec;
  }
  bool f32_rank(int slot, int rank) const {
    return spec(slot).dtype == float32 && spec(slot).shape.rank() == rank;
  }
  // The step writing `slot` when `slot` is an intermediate value read only by the pattern.
  const PlanStep* producer(int slot, ExportedAttention& a) {
    const int w = use_.writer[static_cast<std::size_t>(slot)];
    if (w < 0 || !use_.single_reader(slot)) return nullptr;
    a.replaced.push_back(w);
    return &plan_.steps[static_cast<std::size_t>(w)];
  }
  double constant(int slot) const { return constant_value(plan_, weights_, slot); }

  // softmax's input: matmul(Qh, Kt), optionally * c2 (a constant) and + mask, as one fused step.
  const PlanStep* scores(int slot, ExportedAttention& a, double& c2) {
    const PlanStep* st = producer(slot, a);
    if (!st) return nullptr;
    if (st->op->name() == "fused") {
      if (st->has_scalars()) return nullptr;
      const std::string t = tree_text(st->op->attrs_json());
      const auto& in = st->inputs;
      if (t == "mul(x,x)" && in.size() == 2) {
        c2 = constant(in[1]);
      } else if (t == "add(x,x)" && in.size() == 2) {
        a.mask = in[1];
      } else if (t == "add(mul(x,x),x)" && in.size() == 3) {
        c2 = constant(in[1]);
        a.mask = in[2];
      } else {
        return nullptr;
      }
      if (!std::isfinite(c2)) return nullptr;
      st = producer(in[0], a);
      if (!st) return nullptr;
    }
    return op_as<Matmul>(*st) && st->inputs.size() == 2 ? st : nullptr;
  }

  // The query heads, divided or multiplied by a constant (cq: the factor) or not scaled.
  int scaled_query(int slot, ExportedAttention& a, double& cq) {
    const int w = use_.writer[static_cast<std::size_t>(slot)];
    if (w < 0) return -1;
    const PlanStep& st = plan_.steps[static_cast<std::size_t>(w)];
    if (st.op->name() != "fused") return slot;
    if (!use_.single_reader(slot) || st.has_scalars() || st.inputs.size() != 2) return -1;
    const std::string t = tree_text(st.op->attrs_json());
    const bool div = t == "div(x,x)";
    if (!div && t != "mul(x,x)") return -1;
    const double c = constant(st.inputs[1]);
    if (!std::isfinite(c) || c == 0) return -1;
    cq = div ? 1.0 / c : c;
    a.replaced.push_back(w);
    return st.inputs[0];
  }

  // permute(reshape(slice(P, 2, part*E, (part+1)*E)), perm): P and the reshape's shape.
  bool head_split(int slot, const std::vector<std::int64_t>& perm, int part, ExportedAttention& a,
                  int& p, std::vector<std::int64_t>& shape) {
    const PlanStep* pe = producer(slot, a);
    if (!pe || !op_as<Permute>(*pe) || op_as<Permute>(*pe)->dims != perm) return false;
    const PlanStep* re = producer(pe->inputs[0], a);
    if (!re || !op_as<Reshape>(*re) || !f32_rank(re->output, 3)) return false;
    shape = spec(re->output).shape.vec();
    const int sl_slot = re->inputs[0];
    const int w = use_.writer[static_cast<std::size_t>(sl_slot)];
    if (w < 0 || !use_.single_reader(sl_slot)) return false;
    const PlanStep& sl = plan_.steps[static_cast<std::size_t>(w)];
    const Slice* s = op_as<Slice>(sl);
    if (!s || !f32_rank(sl.inputs[0], 3) || s->dim != 2 || s->step != 1) return false;
    const std::int64_t e3 = spec(sl.inputs[0]).shape[2];
    if (e3 % 3 != 0 || s->start != part * e3 / 3 || s->end != (part + 1) * e3 / 3) return false;
    a.replaced.push_back(w);
    p = sl.inputs[0];
    return true;
  }

  // P = linear(permute(X, 1 0 2), W, b), read by the three slices only.
  bool in_projection(int p, ExportedAttention& a) {
    const int w = use_.writer[static_cast<std::size_t>(p)];
    if (w < 0 || use_.is_output[static_cast<std::size_t>(p)] ||
        use_.readers[static_cast<std::size_t>(p)].size() != 3)
      return false;
    const PlanStep& lin = plan_.steps[static_cast<std::size_t>(w)];
    const Linear* l = op_as<Linear>(lin);
    if (!l || !l->has_bias || lin.inputs.size() != 3) return false;
    const Shape& ps = spec(p).shape;  // [L, B, 3E]
    const std::int64_t e = ps[2] / 3;
    if (!is_weight_of(plan_, lin.inputs[1], Shape{3 * e, e}) ||
        !is_weight_of(plan_, lin.inputs[2], Shape{3 * e}))
      return false;
    a.replaced.push_back(w);
    const PlanStep* xp = producer(lin.inputs[0], a);
    if (!xp || !op_as<Permute>(*xp) ||
        op_as<Permute>(*xp)->dims != std::vector<std::int64_t>{1, 0, 2} ||
        !f32_rank(xp->inputs[0], 3))
      return false;
    a.x = xp->inputs[0];
    a.in_w = lin.inputs[1];
    a.in_b = lin.inputs[2];
    a.len = ps[0];
    a.batch = ps[1];
    a.embed = e;
    return spec(a.x).shape == Shape{a.batch, a.len, e};
  }

  // A float32 mask of [B*H, 1 or L, S] (S = L) reshapes to [B, H, 1 or L, S].
  bool mask_fits(const ExportedAttention& a) const {
    if (a.mask < 0) return true;
    const Shape& m = spec(a.mask).shape;
    return spec(a.mask).dtype == float32 && m.rank() == 3 && m[0] == a.batch * a.heads &&
           (m[1] == 1 || m[1] == a.len) && m[2] == a.len;
  }

  // O -> permute(1 0 2) -> reshape [L*B, E] -> linear(Wo, bo) -> reshape [L, B, E] ->
  // permute(1 0 2) [B, L, E].
  bool tail(int o, ExportedAttention& a) {
    const std::vector<std::int64_t> swap{1, 0, 2};
    auto next = [&](int slot) -> const PlanStep* {
      if (!use_.single_reader(slot)) return nullptr;
      const int r = use_.readers[static_cast<std::size_t>(slot)][0];
      a.replaced.push_back(r);
      return &plan_.steps[static_cast<std::size_t>(r)];
    };
    const PlanStep* t1 = next(o);
    if (!t1 || !op_as<Permute>(*t1) || op_as<Permute>(*t1)->dims != swap) return false;
    const PlanStep* t2 = next(t1->output);
    if (!t2 || !op_as<Reshape>(*t2) || spec(t2->output).shape != Shape{a.len * a.batch, a.embed})
      return false;
    const PlanStep* t3 = next(t2->output);
    const Linear* l = t3 ? op_as<Linear>(*t3) : nullptr;
    if (!l || !l->has_bias || t3->inputs.size() != 3 || t3->inputs[0] != t2->output ||
        !is_weight_of(plan_, t3->inputs[1], Shape{a.embed, a.embed}) ||
        !is_weight_of(plan_, t3->inputs[2], Shape{a.embed}))
      return false;
    const PlanStep* t4 = next(t3->output);
    if (!t4 || !op_as<Reshape>(*t4) || spec(t4->output).shape != Shape{a.len, a.batch, a.embed})
      return false;
    const PlanStep* t5 = next(t4->output);
    if (!t5 || !op_as<Permute>(*t5) || op_as<Permute>(*t5)->dims != swap) return false;
    a.out_w = t3->inputs[1];
    a.out_b = t3->inputs[2];
    a.result = t5->output;
    a.result_step = use_.writer[static_cast<std::size_t>(t5->output)];
    return spec(a.result).shape == Shape{a.batch, a.len, a.embed};
  }
};

// Rows [part * E, (part + 1) * E) of a weight, as a new weight named after it.
inline int weight_rows(Plan& plan, PlanWeights& weights, int slot, std::int64_t part,
                       std::int64_t e, const char* what) {
  const int index = plan.slots[static_cast<std::size_t>(slot)].index;
  const Tensor& w = weights.weight(index);
  const std::int64_t row = w.numel() / w.shape()[0];
  Shape shape = w.shape();
  shape[0] = e;
  Tensor t = Tensor::empty(shape, float32);
  std::memcpy(t.raw_data(), w.data<float>() + part * e * row,
              static_cast<std::size_t>(e * row) * sizeof(float));
  return add_weight_slot(plan, weights, weights.weight_name(index) + "." + what + ".", t);
}

inline int arena_slot(Plan& plan, const Shape& shape) {
  PlanSlot s;
  s.spec = {shape, float32};
  plan.slots.push_back(s);
  return static_cast<int>(plan.slots.size()) - 1;
}

// The steps that replace `a` at its attention step: three projections, the mask's reshape, the
// attention.
inline std::vector<PlanStep> multihead_steps(Plan& plan, PlanWeights& weights,
                                             const ExportedAttention& a) {
  std::vector<PlanStep> steps;
  Linear lin;
  lin.has_bias = true;
  const char* names[] = {"q", "k", "v"};
  const Shape ble{a.batch, a.len, a.embed};
  std::vector<int> qkv;
  for (std::int64_t part = 0; part < 3; ++part) {
    PlanStep st;
    st.op = std::make_shared<OpModel<Linear>>(lin);
    st.inputs = {a.x, weight_rows(plan, weights, a.in_w, part, a.embed, names[part]),
                 weight_rows(plan, weights, a.in_b, part, a.embed, names[part])};
    st.output = arena_slot(plan, ble);
    qkv.push_back(st.output);
    steps.push_back(std::move(st));
  }
  if (a.mask >= 0) {
    const Shape& m = plan.slots[static_cast<std::size_t>(a.mask)].spec.shape;
    Reshape r;
    r.shape = {a.batch, a.heads, m[1], m[2]};
    PlanStep st;
    st.op = std::make_shared<OpModel<Reshape>>(r);
    st.inputs = {a.mask};
    st.output = arena_slot(plan, Shape(r.shape));
    qkv.push_back(st.output);
    steps.push_back(std::move(st));
  }
  MultiheadAttentionOp mha;
  mha.num_heads = a.heads;
  mha.scale = a.scale;
  PlanStep st;
  st.op = std::make_shared<OpModel<MultiheadAttentionOp>>(mha);
  st.inputs = qkv;
  st.output = arena_slot(plan, ble);
  steps.push_back(std::move(st));
  return steps;
}

}  // namespace detail

NEURON_INLINE int exported_attention_as_multihead(Plan& plan, PlanWeights& weights) {
  std::vector<detail::ExportedAttention> found;
  {
    detail::SlotUse use(plan);
    detail::AttentionMatcher matcher(plan, use, weights);
    std::vector<bool> taken(plan.steps.size(), false);
    for (std::size_t i = 0; i < plan.steps.size(); ++i) {
      detail::ExportedAttention a;
      if (!matcher.match(static_cast<int>(i), a)) continue;
      bool overlaps = false;
      for (int s : a.replaced) overlaps = overlaps || taken[static_cast<std::size_t>(s)];
      if (overlaps) continue;
      for (int s : a.replaced) taken[static_cast<std::size_t>(s)] = true;
      found.push_back(a);
    }
  }
  if (found.empty()) return 0;
  std::vector<bool> removed(plan.steps.size(), false);
  std::vector<std::vector<PlanStep>> at(plan.steps.size());
  for (const detail::ExportedAttention& a : found) {
    for (int s : a.replaced) removed[static_cast<std::size_t>(s)] = true;
    std::vector<PlanStep> mha = detail::multihead_steps(plan, weights, a);
    const int m = mha.back().output;
    at[static_cast<std::size_t>(a.attention_step)] = std::move(mha);
    Linear lin;
    lin.has_bias = true;
    PlanStep out;
    out.op = std::make_shared<OpModel<Linear>>(lin);
    out.inputs = {m, a.out_w, a.out_b};
    out.output = a.result;
    at[static_cast<std::size_t>(a.result_step)].push_back(std::move(out));
  }
  std::vector<PlanStep> steps;
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    if (!removed[i]) steps.push_back(std::move(plan.steps[i]));
    for (PlanStep& st : at[i]) steps.push_back(std::move(st));
  }
  plan.steps = std::move(steps);
  remove_unused_slots(plan);
  return static_cast<int>(found.size());
}

}  // namespace neuron
