// Definitions of import_passes.hpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../expr/interpreted_expr.hpp"
#include "../graph/hash.hpp"
#include "../ops/layer_norm.hpp"
#include "../ops/matmul.hpp"
#include "../ops/reduce.hpp"
#include "cnn_passes-inl.hpp"
#include "import_passes.hpp"

namespace neuron {

namespace detail {

// Replaces leaf number `leaf` of a fused tree (depth-first, as InterpretedExpr numbers leaves)
// with `sub` (moved in); counts in `scalars_before` the C++ numbers met before it (their slots in
// the step's scalars, numbered the same way). False (`sub` untouched) when there is no such leaf.
inline bool substitute_leaf(nlohmann::json& j, int& leaf, nlohmann::json& sub,
                            int& scalars_before) {
  if (is_leaf(j)) {
    if (leaf-- != 0) return false;
    j = std::move(sub);
    return true;
  }
  if (j.is_object() && j.contains("scalar")) {
    ++scalars_before;
    return false;
  }
  if (j.is_object() && j.contains("args") && j["args"].is_array())
    for (nlohmann::json& a : j["args"])
      if (substitute_leaf(a, leaf, sub, scalars_before)) return true;
  return false;
}

// Levels of ops in a fused tree (a leaf or a scalar: 0).
inline int tree_height(const nlohmann::json& t) {
  int h = 0;
  if (t.is_object() && t.contains("args") && t["args"].is_array())
    for (const nlohmann::json& a : t["args"]) h = std::max(h, 1 + tree_height(a));
  return h;
}

// fuse_elementwise_chains' merges, made on the steps' trees as JSON; each merged step's op is
// built once, at the end. (Building the op at every merge cost a chain of n elementwise steps n
// builds of trees up to kMaxFusedDepth deep: 76 s for a lazy chain of 100,000 negations.)
class ChainMerger {
 public:
  explicit ChainMerger(Plan& plan)
      : plan_(plan),
        trees_(plan.steps.size()),
        heights_(plan.steps.size(), 0),
        merged_(plan.steps.size(), false) {}

  // Inlines fused step `w` (whose result only operand `k` of fused step `i` reads) into step `i`;
  // false (nothing changed) when the merged tree could be too deep to build or store.
  bool merge(std::size_t w, std::size_t i, std::size_t k) {
    PlanStep &a = plan_.steps[w], &b = plan_.steps[i];
    // A lazy plan's steps read their scalars at their own offsets in each call's values, which a
    // merged tree could not keep in order: only steps with stored (or no) scalars merge.
    if (a.scalar_offset >= 0 || b.scalar_offset >= 0) return false;
    nlohmann::json &ta = tree(w), &tb = tree(i);
    if (heights_[w] + heights_[i] > expr::kMaxFusedDepth) return false;  // may be deeper
    int leaf = static_cast<int>(k), scalars_before = 0;
    if (!substitute_leaf(tb, leaf, ta, scalars_before)) return false;
    heights_[i] = tree_height(tb);
    const auto at = b.inputs.begin() + static_cast<std::ptrdiff_t>(k);
    b.inputs.insert(b.inputs.erase(at), a.inputs.begin(), a.inputs.end());
    b.scalars.insert(b.scalars.begin() + scalars_before, a.scalars.begin(), a.scalars.end());
    merged_[i] = true;
    return true;
  }

  // Builds the op of every step that took others in (not those in `removed`); false when one does
  // not build or does not give its output's spec (the caller then keeps the plan as it was).
  bool build(const std::vector<bool>& removed) {
    for (std::size_t i = 0; i < plan_.steps.size(); ++i) {
      if (!merged_[i] || removed[i]) continue;
      PlanStep& st = plan_.steps[i];
      std::vector<TensorSpec> specs;
      for (int in : st.inputs) specs.push_back(plan_.slots[static_cast<std::size_t>(in)].spec);
      try {
        std::shared_ptr<const AnyOp> op = expr::fused_op_from_json(trees_[i], specs);
        if (!(op->infer(specs) == plan_.slots[static_cast<std::size_t>(st.output)].spec) ||
            static_cast<int>(st.scalars.size()) != op->scalar_count())
          return false;
        st.op = std::move(op);
      } catch (const Error&) {
        return false;
      }
    }
    return true;
  }

 private:
  nlohmann::json& tree(std::size_t i) {
    if (trees_[i].is_null()) {
      trees_[i] = plan_.steps[i].op->attrs_json();
      heights_[i] = tree_height(trees_[i]);
    }
    return trees_[i];
  }

  Plan& plan_;
  std::vector<nlohmann::json> trees_;  // null until read
  std::vector<int> heights_;
  std::vector<bool> merged_;
};

// A float32 weight slot of this shape.
inline bool is_weight_of(const Plan& plan, int slot, const Shape& shape) {
  const PlanSlot& s = plan.slots[static_cast<std::size_t>(slot)];
  return s.kind == PlanSlot::Kind::weight && s.spec.dtype == float32 && s.spec.shape == shape;
}

// The value of a one-element float32 weight slot; NaN for any other slot.
inline double constant_value(const Plan& plan, PlanWeights& weights, int slot) {
  const PlanSlot& s = plan.slots[static_cast<std::size_t>(slot)];
  if (s.kind != PlanSlot::Kind::weight || s.spec.dtype != float32 || s.spec.shape.numel() != 1)
    return std::nan("");
  return weights.weight(s.index).data<float>()[0];
}

// A fused tree as text with its leaves as x: "add(mul(div(x,x),x),x)".
inline std::string tree_text(const nlohmann::json& j) {
  if (is_leaf(j)) return "x";
  if (!j.is_object() || !j.contains("op") || !j.contains("args")) return "?";
  std::string s = j["op"].get<std::string>() + "(";
  for (std::size_t i = 0; i < j["args"].size(); ++i) s += (i ? "," : "") + tree_text(j["args"][i]);
  return s + ")";
}

}  // namespace detail

NEURON_INLINE int erf_gelu_as_gelu(Plan& plan, PlanWeights& weights) {
  int rewritten = 0;
  const auto near = [](double v, double want) { return std::abs(v - want) <= 1e-6 * want; };
  for (PlanStep& st : plan.steps) {
    // torch.onnx's GELU, leaves in order x, x, sqrt(2), 1, 0.5 (the constants checked below)
    if (st.op->name() != "fused" || st.inputs.size() != 5 || st.has_scalars() ||
        detail::tree_text(st.op->attrs_json()) != "mul(mul(x,add(erf(div(x,x)),x)),x)")
      continue;
    const std::vector<int>& in = st.inputs;
    const TensorSpec& x = plan.slots[static_cast<std::size_t>(in[0])].spec;
    if (in[0] != in[1] || x.dtype != float32 ||
        !near(detail::constant_value(plan, weights, in[2]), std::sqrt(2.0)) ||
        !near(detail::constant_value(plan, weights, in[3]), 1.0) ||
        !near(detail::constant_value(plan, weights, in[4]), 0.5))
      continue;
    const nlohmann::json tree = {{"op", "gelu"},
                                 {"attrs", nlohmann::json::array({false})},
                                 {"dtype", "float32"},
                                 {"args", nlohmann::json::array({"x"})}};
    std::shared_ptr<const AnyOp> op;
    try {
      op = expr::fused_op_from_json(tree, {x});
    } catch (const Error&) {
      continue;
    }
    if (!(op->infer({x}) == plan.slots[static_cast<std::size_t>(st.output)].spec)) continue;
    st.op = std::move(op);
    st.inputs = {in[0]};
    ++rewritten;
  }
  remove_unused_slots(plan);
  return rewritten;
}

namespace detail {

// The fused step writing `slot` when it has `arity` inputs, no C++ numbers and the tree `want`
// (its leaves in order); nullptr otherwise.
inline const PlanStep* fused_writer(const Plan& plan, const SlotUse& use, int slot,
                                    std::size_t arity, const char* want) {
  const int w = use.writer[static_cast<std::size_t>(slot)];
  if (w < 0) return nullptr;
  const PlanStep& st = plan.steps[static_cast<std::size_t>(w)];
  if (st.op->name() != "fused" || st.inputs.size() != arity || st.has_scalars()) return nullptr;
  return tree_text(st.op->attrs_json()) == want ? &st : nullptr;
}

// mean over the last dim, kept: [..., E] -> [..., 1].
inline bool is_last_dim_mean(const Plan& plan, const PlanStep& st) {
  const Mean* m = op_as<Mean>(st);
  const int r = plan.slots[static_cast<std::size_t>(st.inputs[0])].spec.shape.rank();
  return m && m->keepdim && r >= 1 && m->dims == std::vector<std::int64_t>{r - 1};
}

}  // namespace detail

NEURON_INLINE int written_layer_norm_as_layer_norm(Plan& plan, PlanWeights& weights) {
  int rewritten = 0;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  auto step_of = [&](const PlanStep* st) {
    return static_cast<std::size_t>(st - plan.steps.data());
  };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& y = plan.steps[i];
    // y = (d / sqrt(v + eps)) * w + b
    if (y.op->name() != "fused" || y.inputs.size() != 4 || y.has_scalars() ||
        detail::tree_text(y.op->attrs_json()) != "add(mul(div(x,x),x),x)")
      continue;
    const int d = y.inputs[0], sd = y.inputs[1];
    const TensorSpec& ds = plan.slots[static_cast<std::size_t>(d)].spec;
    if (ds.dtype != float32 || ds.shape.rank() < 1) continue;
    const std::int64_t e = ds.shape[ds.shape.rank() - 1];
    if (!detail::is_weight_of(plan, y.inputs[2], Shape{e}) ||
        !detail::is_weight_of(plan, y.inputs[3], Shape{e}) || !use.single_reader(sd))
      continue;
    // sd = sqrt(v + eps), v = mean(p), p = pow(d, 2), d = x - mean(x)
    const PlanStep* s = detail::fused_writer(plan, use, sd, 2, "sqrt(add(x,x))");
    const double eps = s ? detail::constant_value(plan, weights, s->inputs[1]) : std::nan("");
    if (!s || !(eps >= 0) || !use.single_reader(s->inputs[0])) continue;
    const int vw = use.writer[static_cast<std::size_t>(s->inputs[0])];
    if (vw < 0 || !detail::is_last_dim_mean(plan, plan.steps[static_cast<std::size_t>(vw)]))
      continue;
    const PlanStep& v = plan.steps[static_cast<std::size_t>(vw)];
    const PlanStep* p = detail::fused_writer(plan, use, v.inputs[0], 2, "pow(x,x)");
    if (!p || !use.single_reader(v.inputs[0]) || p->inputs[0] != d ||
        detail::constant_value(plan, weights, p->inputs[1]) != 2.0)
      continue;
    const PlanStep* sub = detail::fused_writer(plan, use, d, 2, "sub(x,x)");
    if (!sub || use.is_output[static_cast<std::size_t>(d)] ||
        use.readers[static_cast<std::size_t>(d)].size() != 2 || !use.single_reader(sub->inputs[1]))
      continue;
    const int x = sub->inputs[0];
    const int mw = use.writer[static_cast<std::size_t>(sub->inputs[1])];
    if (mw < 0 || !detail::is_last_dim_mean(plan, plan.steps[static_cast<std::size_t>(mw)]) ||
        plan.steps[static_cast<std::size_t>(mw)].inputs[0] != x)
      continue;
    const std::size_t gone[] = {step_of(s), static_cast<std::size_t>(vw), step_of(p), step_of(sub),
                                static_cast<std::size_t>(mw)};
    bool taken = false;
    for (std::size_t g : gone) taken = taken || removed[g];
    if (taken) continue;
    for (std::size_t g : gone) removed[g] = true;
    LayerNorm ln;
    ln.normalized_shape = {e};
    ln.eps = eps;
    ln.has_weight = ln.has_bias = true;
    y.op = std::make_shared<OpModel<LayerNorm>>(ln);
    y.inputs = {x, y.inputs[2], y.inputs[3]};
    ++rewritten;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return rewritten;
}

NEURON_INLINE int fuse_elementwise_chains(Plan& plan) {
  int merged = 0;
  const std::vector<PlanStep> before = plan.steps;  // merges change steps only; restored if a
                                                    // merged tree does not build (not expected)
  detail::SlotUse use(plan);
  detail::ChainMerger merger(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  // In plan order: a producer has taken in its own producers before its reader looks at it.
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& b = plan.steps[i];
    if (b.op->name() != "fused") continue;
    const Shape& out = plan.slots[static_cast<std::size_t>(b.output)].spec.shape;
    for (std::size_t k = 0; k < b.inputs.size();) {
      const int s = b.inputs[k];
      const int w = use.writer[static_cast<std::size_t>(s)];
      // the same shape: an inlined producer is computed once per element of its reader's result,
      // so a smaller one (broadcast by the reader) would be computed more often than before
      const bool candidate = w >= 0 && !removed[static_cast<std::size_t>(w)] &&
                             use.single_reader(s) &&
                             plan.steps[static_cast<std::size_t>(w)].op->name() == "fused" &&
                             plan.slots[static_cast<std::size_t>(s)].spec.shape == out;
      if (!candidate || !merger.merge(static_cast<std::size_t>(w), i, k)) {
        ++k;
        continue;
      }
      // the single reader of a's inputs is now b (as often as a read them)
      for (int in : plan.steps[static_cast<std::size_t>(w)].inputs)
        for (int& r : use.readers[static_cast<std::size_t>(in)])
          if (r == w) r = static_cast<int>(i);
      removed[static_cast<std::size_t>(w)] = true;
      ++merged;  // look at operand k again: it is a's first operand now
    }
  }
  if (!merger.build(removed)) {
    plan.steps = before;
    return 0;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return merged;
}

NEURON_INLINE int matmul_bias_as_linear(Plan& plan, PlanWeights& weights) {
  int rewritten = 0;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& st = plan.steps[i];
    if (!detail::op_as<Matmul>(st) || st.inputs.size() != 2) continue;
    const TensorSpec& x = plan.slots[static_cast<std::size_t>(st.inputs[0])].spec;
    const TensorSpec& w = plan.slots[static_cast<std::size_t>(st.inputs[1])].spec;
    if (x.dtype != float32 || x.shape.rank() < 2 || w.shape.rank() != 2 ||
        !detail::is_weight_of(plan, st.inputs[1], w.shape) ||
        x.shape[x.shape.rank() - 1] != w.shape[0])
      continue;
    const std::int64_t k = w.shape[0], n = w.shape[1];
    // + b: the matmul's only reader is a fused add(x, x) of it and a constant [N]
    int bias = -1, add_step = -1;
    const int out = st.output;
    if (use.single_reader(out)) {
      const int j = use.readers[static_cast<std::size_t>(out)][0];
      const PlanStep& next = plan.steps[static_cast<std::size_t>(j)];
      const nlohmann::json tree =
          next.op->name() == "fused" ? next.op->attrs_json() : nlohmann::json();
      if (!removed[static_cast<std::size_t>(j)] && !next.has_scalars() && next.inputs.size() == 2 &&
          detail::is_op(tree, "add", 2) && detail::is_leaf(tree["args"][0]) &&
          detail::is_leaf(tree["args"][1])) {
        const int other = next.inputs[0] == out ? next.inputs[1] : next.inputs[0];
        if (other != out && detail::is_weight_of(plan, other, Shape{n}) &&
            plan.slots[static_cast<std::size_t>(next.output)].spec ==
                plan.slots[static_cast<std::size_t>(out)].spec) {
          bias = other;
          add_step = j;
        }
      }
    }
    // Without a bias it stays a matmul: as it was recorded, bit for bit, and errors about its
    // weight name the tensor the model gave
    if (bias < 0) continue;
    // W^T, stored once per content (as folded batch norms are)
    const Tensor& wt = weights.weight(plan.slots[static_cast<std::size_t>(st.inputs[1])].index);
    Tensor t = Tensor::empty({n, k}, float32);
    const float* src = wt.data<float>();
    float* dst = t.data<float>();
    for (std::int64_t r = 0; r < k; ++r)
      for (std::int64_t c = 0; c < n; ++c) dst[c * k + r] = src[r * n + c];
    const int wt_slot = detail::add_weight_slot(
        plan, weights,
        weights.weight_name(plan.slots[static_cast<std::size_t>(st.inputs[1])].index) +
            ".transposed.",
        t);
    Linear lin;
    lin.has_bias = true;
    st.op = std::make_shared<OpModel<Linear>>(lin);
    st.inputs = {st.inputs[0], wt_slot, bias};
    st.output = plan.steps[static_cast<std::size_t>(add_step)].output;
    removed[static_cast<std::size_t>(add_step)] = true;
    ++rewritten;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return rewritten;
}

}  // namespace neuron
