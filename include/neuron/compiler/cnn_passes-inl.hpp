// Definitions of cnn_passes.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "../graph/hash.hpp"
#include "../ops/add_layer_norm.hpp"
#include "../ops/batch_norm.hpp"
#include "../ops/conv.hpp"
#include "../ops/fused_linear.hpp"
#include "../ops/gemm.hpp"
#include "../ops/layer_norm.hpp"
#include "../ops/matmul.hpp"
#include "../ops/pool.hpp"
#include "cnn_passes.hpp"

namespace neuron {

namespace detail {

// A new weight slot holding `t`, named `prefix` + its content hash (equal contents share one
// weight); returns its slot.
inline int add_weight_slot(Plan& plan, PlanWeights& weights, const std::string& prefix,
                           const Tensor& t) {
  PlanSlot s;
  s.kind = PlanSlot::Kind::weight;
  s.spec = spec_of(t);
  s.index =
      weights.add_weight(prefix + hash_bytes(t.raw_data(), t.nbytes()).hex().substr(0, 16), t);
  plan.slots.push_back(s);
  return static_cast<int>(plan.slots.size()) - 1;
}

// Who reads and who writes each slot of a plan.
struct SlotUse {
  std::vector<std::vector<int>> readers;  // step indices
  std::vector<int> writer;                // step index or -1
  std::vector<bool> is_output;

  explicit SlotUse(const Plan& p)
      : readers(p.slots.size()), writer(p.slots.size(), -1), is_output(p.slots.size(), false) {
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      for (int in : p.steps[i].inputs)
        readers[static_cast<std::size_t>(in)].push_back(static_cast<int>(i));
      writer[static_cast<std::size_t>(p.steps[i].output)] = static_cast<int>(i);
    }
    for (int o : p.outputs) is_output[static_cast<std::size_t>(o)] = true;
  }
  // Read by exactly one step, and not a result of the plan.
  bool single_reader(int slot) const {
    const auto s = static_cast<std::size_t>(slot);
    return !is_output[s] && readers[s].size() == 1;
  }
};

template <class Op>
const Op* op_as(const PlanStep& st) {
  const auto* m = dynamic_cast<const OpModel<Op>*>(st.op.get());
  return m ? &m->op() : nullptr;
}

// Calls f(op) on a copy of the step's convolution (conv1d or conv2d) and stores it back; false
// when the step is no such convolution.
template <class F>
bool edit_conv(PlanStep& st, F&& f) {
  if (const auto* c = op_as<Conv2dOp>(st)) {
    Conv2dOp copy = *c;
    f(copy);
    st.op = std::make_shared<OpModel<Conv2dOp>>(std::move(copy));
    return true;
  }
  if (const auto* c = op_as<Conv1dOp>(st)) {
    Conv1dOp copy = *c;
    f(copy);
    st.op = std::make_shared<OpModel<Conv1dOp>>(std::move(copy));
    return true;
  }
  return false;
}

// The epilogue-free convolution of a step: {activation, has_residual, has_bias} or nothing.
struct ConvInfo {
  bool is_conv = false;
  std::int64_t activation = 0;
  bool has_residual = false, has_bias = false;
};
inline ConvInfo conv_info(const PlanStep& st) {
  ConvInfo i;
  auto fill = [&](const auto& c) {
    i.is_conv = true;
    i.activation = c.activation;
    i.has_residual = c.has_residual;
    i.has_bias = c.has_bias;
  };
  if (const auto* c = op_as<Conv2dOp>(st)) fill(*c);
  if (const auto* c = op_as<Conv1dOp>(st)) fill(*c);
  return i;
}

// A float32 fused expression of plain leaves ("x") and these ops only, as a nested tree.
inline bool is_leaf(const nlohmann::json& j) { return j.is_string() && j == "x"; }
inline bool is_op(const nlohmann::json& j, const char* name, std::size_t arity) {
  return j.is_object() && j.value("op", "") == name && j.value("dtype", "") == "float32" &&
         j.contains("args") && j["args"].size() == arity &&
         (!j.contains("attrs") || j["attrs"].empty());
}

// The activation a fused node is, as EpilogueActivation; 0 when it is none of them.
inline std::int64_t activation_of(const nlohmann::json& j) {
  static const std::pair<const char*, EpilogueActivation> acts[] = {
      {"relu", EpilogueActivation::relu},
      {"relu6", EpilogueActivation::relu6},
      {"silu", EpilogueActivation::silu},
      {"hardswish", EpilogueActivation::hardswish}};
  for (const auto& [name, a] : acts)
    if (is_op(j, name, 1)) return static_cast<std::int64_t>(a);
  // gelu has one attribute, tanh_approximation
  if (j.is_object() && j.value("op", "") == "gelu" && j.value("dtype", "") == "float32" &&
      j.contains("args") && j["args"].size() == 1 && j.contains("attrs") && j["attrs"].is_array() &&
      j["attrs"].size() == 1 && j["attrs"][0].is_boolean())
    return static_cast<std::int64_t>(j["attrs"][0].get<bool>() ? EpilogueActivation::gelu_tanh
                                                               : EpilogueActivation::gelu_erf);
  return 0;
}

// An epilogue the step writing slot `out` (step `i`) can absorb: its output's only reader is a
// float32 "fused" step whose tree is act(x), add(x, r) or act(add(x, r)), with r of the output's
// spec written before step i.
struct Epilogue {
  int step = -1;  // the fused step absorbed
  std::int64_t activation = 0;
  int residual = -1;  // slot, or -1
};
inline Epilogue match_epilogue(const Plan& plan, const SlotUse& use,
                               const std::vector<bool>& removed, std::size_t i) {
  const int out = plan.steps[i].output;
  if (plan.slots[static_cast<std::size_t>(out)].spec.dtype != float32 || !use.single_reader(out))
    return {};
  const int j = use.readers[static_cast<std::size_t>(out)][0];
  const PlanStep& next = plan.steps[static_cast<std::size_t>(j)];
  if (removed[static_cast<std::size_t>(j)] || next.op->name() != "fused" || next.has_scalars())
    return {};
  const nlohmann::json tree = next.op->attrs_json();
  const std::int64_t act = activation_of(tree);
  const nlohmann::json* body = act ? &tree["args"][0] : &tree;
  int residual = -1;
  if (is_op(*body, "add", 2) && is_leaf((*body)["args"][0]) && is_leaf((*body)["args"][1]) &&
      next.inputs.size() == 2) {
    residual = next.inputs[0] == out ? next.inputs[1] : next.inputs[0];
    const bool ok = residual != out && (next.inputs[0] == out || next.inputs[1] == out) &&
                    plan.slots[static_cast<std::size_t>(residual)].spec ==
                        plan.slots[static_cast<std::size_t>(out)].spec &&
                    use.writer[static_cast<std::size_t>(residual)] < static_cast<int>(i);
    if (!ok) return {};
  } else if (!(act && is_leaf(*body) && next.inputs.size() == 1)) {
    return {};
  }
  return {j, act, residual};
}

// Makes `st` (whose op already applies the epilogue) read the residual and write the absorbed
// step's output, and marks that step removed.
inline void absorb_epilogue(Plan& plan, PlanStep& st, const Epilogue& e,
                            std::vector<bool>& removed) {
  if (e.residual >= 0) st.inputs.push_back(e.residual);
  st.output = plan.steps[static_cast<std::size_t>(e.step)].output;
  removed[static_cast<std::size_t>(e.step)] = true;
}

// The leaf count of a left-deep chain of float32 adds over plain leaves (add(add(x, x), x), ...),
// or 0 when the tree is anything else.
inline int add_chain_leaves(const nlohmann::json& j) {
  if (is_leaf(j)) return 1;
  if (!is_op(j, "add", 2) || !is_leaf(j["args"][1])) return 0;
  const int left = add_chain_leaves(j["args"][0]);
  return left ? left + 1 : 0;
}

// Drops the steps marked removed.
inline void drop_removed(Plan& plan, const std::vector<bool>& removed) {
  std::vector<PlanStep> kept;
  for (std::size_t i = 0; i < plan.steps.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(plan.steps[i]));
  plan.steps = std::move(kept);
}

}  // namespace detail

NEURON_INLINE int fold_batch_norms(Plan& plan, PlanWeights& weights) {
  using K = PlanSlot::Kind;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  int folded = 0;
  auto is_weight = [&](int s) { return plan.slots[static_cast<std::size_t>(s)].kind == K::weight; };
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& bn_step = plan.steps[i];
    const auto* bn = detail::op_as<BatchNorm>(bn_step);
    if (!bn) continue;
    const int x = bn_step.inputs[0];
    const int c = use.writer[static_cast<std::size_t>(x)];
    if (c < 0 || removed[static_cast<std::size_t>(c)] || !use.single_reader(x)) continue;
    PlanStep& conv = plan.steps[static_cast<std::size_t>(c)];
    const detail::ConvInfo info = detail::conv_info(conv);
    if (!info.is_conv || info.activation != 0 || info.has_residual) continue;
    bool constant = is_weight(conv.inputs[1]) && (!info.has_bias || is_weight(conv.inputs[2]));
    for (std::size_t k = 1; k < bn_step.inputs.size(); ++k)
      constant = constant && is_weight(bn_step.inputs[k]);
    if (!constant) continue;
    auto w_of = [&](int slot) -> const Tensor& {
      return weights.weight(plan.slots[static_cast<std::size_t>(slot)].index);
    };
    const Tensor& w = w_of(conv.inputs[1]);
    const std::int64_t out_channels = w.shape()[0];
    const std::int64_t per_channel = out_channels ? w.numel() / out_channels : 0;
    const Tensor& mean = w_of(bn_step.inputs[1]);
    const Tensor& var = w_of(bn_step.inputs[2]);
    std::size_t k = 3;
    const Tensor gamma = bn->has_weight ? w_of(bn_step.inputs[k++]) : Tensor();
    const Tensor beta = bn->has_bias ? w_of(bn_step.inputs[k++]) : Tensor();
    Tensor new_w = Tensor::empty(w.shape(), float32),
           new_b = Tensor::empty({out_channels}, float32);
    const float* wp = w.data<float>();
    const float* bp = info.has_bias ? w_of(conv.inputs[2]).data<float>() : nullptr;
    float* nw = new_w.data<float>();
    float* nb = new_b.data<float>();
    for (std::int64_t o = 0; o < out_channels; ++o) {  // in double, rounded once
      const double g = gamma.defined() ? gamma.data<float>()[o] : 1.0;
      const double s = g / std::sqrt(static_cast<double>(var.data<float>()[o]) + bn->eps);
      for (std::int64_t j = 0; j < per_channel; ++j)
        nw[o * per_channel + j] = static_cast<float>(wp[o * per_channel + j] * s);
      const double b = bp ? bp[o] : 0.0;
      nb[o] = static_cast<float>((b - mean.data<float>()[o]) * s +
                                 (beta.defined() ? beta.data<float>()[o] : 0.0));
    }
    // Named after the conv's weight and the folded contents, so equal folds share one weight.
    const std::string base =
        weights.weight_name(plan.slots[static_cast<std::size_t>(conv.inputs[1])].index);
    const int wslot = detail::add_weight_slot(plan, weights, base + ".bn_folded.", new_w);
    const int bslot = detail::add_weight_slot(plan, weights, base + ".bn_folded_bias.", new_b);
    conv.inputs = {conv.inputs[0], wslot, bslot};
    detail::edit_conv(conv, [](auto& op) { op.has_bias = true; });
    conv.output = bn_step.output;
    removed[i] = true;
    ++folded;
  }
  std::vector<PlanStep> kept;
  for (std::size_t i = 0; i < plan.steps.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(plan.steps[i]));
  plan.steps = std::move(kept);
  remove_unused_slots(plan);
  return folded;
}

NEURON_INLINE std::pair<int, int> fuse_conv_epilogues(Plan& plan) {
  int acts = 0, residuals = 0;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& conv = plan.steps[i];
    const detail::ConvInfo info = detail::conv_info(conv);
    if (!info.is_conv || info.activation != 0 || info.has_residual) continue;
    const detail::Epilogue e = detail::match_epilogue(plan, use, removed, i);
    if (e.step < 0) continue;
    detail::edit_conv(conv, [&](auto& op) {
      op.activation = e.activation;
      op.has_residual = e.residual >= 0;
    });
    detail::absorb_epilogue(plan, conv, e, removed);
    acts += e.activation != 0;
    residuals += e.residual >= 0;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return {acts, residuals};
}

NEURON_INLINE std::pair<int, int> fuse_linear_epilogues(Plan& plan) {
  int acts = 0, residuals = 0;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    PlanStep& st = plan.steps[i];
    const auto* lin = detail::op_as<Linear>(st);
    if (!lin) continue;
    // float32 and not empty (fused_linear's domain); the kernel rule (gemm.hpp) then runs it as
    // one oneDNN matmul with post-ops, or as Eigen's GEMV with the epilogue on its output
    const TensorSpec& x = plan.slots[static_cast<std::size_t>(st.inputs[0])].spec;
    const TensorSpec& w = plan.slots[static_cast<std::size_t>(st.inputs[1])].spec;
    if (x.dtype != float32 || w.shape[1] == 0 || x.shape.numel() == 0) continue;
    const detail::Epilogue e = detail::match_epilogue(plan, use, removed, i);
    if (e.step < 0) continue;
    FusedLinear f;
    f.has_bias = lin->has_bias;
    f.activation = e.activation;
    f.has_residual = e.residual >= 0;
    st.op = std::make_shared<OpModel<FusedLinear>>(f);
    detail::absorb_epilogue(plan, st, e, removed);
    acts += e.activation != 0;
    residuals += e.residual >= 0;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return {acts, residuals};
}

NEURON_INLINE int fuse_add_layer_norm(Plan& plan) {
  int fused = 0;
  detail::SlotUse use(plan);
  std::vector<bool> removed(plan.steps.size(), false);
  for (PlanStep& st : plan.steps) {
    const auto* ln = detail::op_as<LayerNorm>(st);
    if (!ln || st.has_scalars()) continue;
    const int x = st.inputs[0];
    const int w = use.writer[static_cast<std::size_t>(x)];
    if (w < 0 || removed[static_cast<std::size_t>(w)] || !use.single_reader(x)) continue;
    const PlanStep& sum = plan.steps[static_cast<std::size_t>(w)];
    if (sum.op->name() != "fused" || sum.has_scalars()) continue;
    const int leaves = detail::add_chain_leaves(sum.op->attrs_json());
    if (leaves < 2 || leaves != static_cast<int>(sum.inputs.size())) continue;
    AddLayerNorm f;
    f.addends = leaves;
    f.normalized_shape = ln->normalized_shape;
    f.eps = ln->eps;
    f.has_weight = ln->has_weight;
    f.has_bias = ln->has_bias;
    std::vector<int> inputs = sum.inputs;
    inputs.insert(inputs.end(), st.inputs.begin() + 1, st.inputs.end());
    std::vector<TensorSpec> specs;
    for (int in : inputs) specs.push_back(plan.slots[static_cast<std::size_t>(in)].spec);
    try {  // float32 addends that broadcast over their leading dims only, to the same output
      if (!(f.infer(specs) == plan.slots[static_cast<std::size_t>(st.output)].spec)) continue;
    } catch (const Error&) {
      continue;
    }
    st.op = std::make_shared<OpModel<AddLayerNorm>>(f);
    st.inputs = std::move(inputs);
    removed[static_cast<std::size_t>(w)] = true;
    ++fused;
  }
  detail::drop_removed(plan, removed);
  remove_unused_slots(plan);
  return fused;
}

namespace detail {
// Which channels-last slots (`last`) of a plan are kept in blocks of `block` channels: those of
// rank 4 whose channel count the block divides, tied per step: a step's channels-last slots are
// all blocked or none is (one attribute says the layout of a pooling's or batch norm's tensors,
// and an elementwise step reads its operands in the output's order), except a convolution's input,
// which it reorders itself; transposed convolutions keep NHWC (not measured blocked).
inline std::vector<bool> channel_blocked_slots(const Plan& plan, const std::vector<bool>& last,
                                               std::int64_t block) {
  const std::size_t n = plan.slots.size();
  std::vector<bool> blocked(n, false);
  if (block <= 0) return blocked;
  for (std::size_t s = 0; s < n; ++s) {
    const Shape& shape = plan.slots[s].spec.shape;
    blocked[s] = last[s] && shape.rank() == 4 && shape[1] % block == 0;
  }
  for (bool changed = true; changed;) {
    changed = false;
    for (const PlanStep& st : plan.steps) {
      std::vector<std::size_t> tied;
      const bool conv = op_as<Conv2dOp>(st) || op_as<Conv1dOp>(st);
      for (std::size_t k = conv ? 1 : 0; k < st.inputs.size(); ++k)  // weights are never `last`
        if (last[static_cast<std::size_t>(st.inputs[k])])
          tied.push_back(static_cast<std::size_t>(st.inputs[k]));
      if (last[static_cast<std::size_t>(st.output)])
        tied.push_back(static_cast<std::size_t>(st.output));
      bool all = !op_as<ConvTranspose2dOp>(st);
      for (std::size_t s : tied) all = all && blocked[s];
      if (all) continue;
      for (std::size_t s : tied)
        if (blocked[s]) {
          blocked[s] = false;
          changed = true;
        }
    }
  }
  return blocked;
}
}  // namespace detail

NEURON_INLINE int use_channels_last(Plan& plan, std::int64_t channel_block) {
  using K = PlanSlot::Kind;
  detail::SlotUse use(plan);
  const std::size_t n = plan.slots.size();
  enum class Kind { other, conv, conv_transpose, max_pool, batch_norm, fused };
  auto kind_of = [&](const PlanStep& st) {
    if (detail::op_as<Conv2dOp>(st) || detail::op_as<Conv1dOp>(st)) return Kind::conv;
    if (detail::op_as<ConvTranspose2dOp>(st)) return Kind::conv_transpose;
    if (detail::op_as<MaxPool<2>>(st) || detail::op_as<MaxPool<1>>(st)) return Kind::max_pool;
    if (detail::op_as<BatchNorm>(st)) return Kind::batch_norm;
    if (st.op->name() == "fused") return Kind::fused;
    return Kind::other;
  };
  std::vector<bool> last(n, false);  // candidates: batched float32 activations between steps
  for (std::size_t s = 0; s < n; ++s) {
    const PlanSlot& slot = plan.slots[s];
    const int r = slot.spec.shape.rank();
    last[s] = slot.kind == K::arena && slot.spec.dtype == float32 && (r == 3 || r == 4) &&
              use.writer[s] >= 0 && !use.is_output[s];
  }
  auto same_shape_fused = [&](const PlanStep& st) {
    const Shape& out = plan.slots[static_cast<std::size_t>(st.output)].spec.shape;
    for (int in : st.inputs)
      if (plan.slots[static_cast<std::size_t>(in)].spec.shape != out) return false;
    return true;
  };
  // Whether step `st` can have slot `s` (one of its inputs or its output) channels-last, given
  // the current candidates: every layout it ties to `s` must be a candidate too.
  // Spatial dims of a conv or pooling step; its activations must be batched ([B, C, spatial...])
  // for channels-last to mean the same memory order to every step that shares them.
  auto spatial_of = [&](const PlanStep& st) {
    return detail::op_as<Conv1dOp>(st) || detail::op_as<MaxPool<1>>(st) ? 1 : 2;
  };
  auto batched = [&](const PlanStep& st) {
    const int r = spatial_of(st) + 2;
    return plan.slots[static_cast<std::size_t>(st.inputs[0])].spec.shape.rank() == r &&
           plan.slots[static_cast<std::size_t>(st.output)].spec.shape.rank() == r;
  };
  auto accepts = [&](const PlanStep& st, int s) {
    const auto in_last = [&](int slot) -> bool { return last[static_cast<std::size_t>(slot)]; };
    const Kind kind = kind_of(st);
    if ((kind == Kind::conv || kind == Kind::conv_transpose || kind == Kind::max_pool) &&
        !batched(st))
      return false;
    switch (kind) {
      case Kind::conv:
      case Kind::conv_transpose: {
        if (s == st.output || s == st.inputs[0]) {
          // a fused residual has the output's layout
          const detail::ConvInfo info = detail::conv_info(st);
          if (s == st.output && info.has_residual && !in_last(st.inputs.back())) return false;
          return true;
        }
        const detail::ConvInfo info = detail::conv_info(st);
        return info.has_residual && s == st.inputs.back() && in_last(st.output);
      }
      case Kind::max_pool:
        return in_last(st.inputs[0]) && in_last(st.output);
      case Kind::batch_norm:  // per channel; its statistics (inputs 1...) are never activations
        return s == st.inputs[0] || s == st.output
                   ? in_last(st.inputs[0]) && in_last(st.output) &&
                         plan.slots[static_cast<std::size_t>(st.output)].spec.shape.rank() >= 3
                   : false;
      case Kind::fused: {
        if (!same_shape_fused(st) || st.has_scalars()) return false;
        for (int in : st.inputs)
          if (!in_last(in)) return false;
        return in_last(st.output);
      }
      default:
        return false;
    }
  };
  for (bool changed = true; changed;) {
    changed = false;
    for (std::size_t s = 0; s < n; ++s) {
      if (!last[s]) continue;
      bool ok = accepts(plan.steps[static_cast<std::size_t>(use.writer[s])], static_cast<int>(s));
      for (int r : use.readers[s])
        ok = ok && accepts(plan.steps[static_cast<std::size_t>(r)], static_cast<int>(s));
      if (!ok) {
        last[s] = false;
        changed = true;
      }
    }
  }
  int count = 0;
  for (std::size_t s = 0; s < n; ++s) count += last[s];
  if (channel_block < 0) channel_block = conv_channel_block();
  const std::vector<bool> blocked = detail::channel_blocked_slots(plan, last, channel_block);
  for (PlanStep& st : plan.steps) {
    const bool src = last[static_cast<std::size_t>(st.inputs[0])];
    const bool dst = last[static_cast<std::size_t>(st.output)];
    const std::int64_t src_block =
        blocked[static_cast<std::size_t>(st.inputs[0])] ? channel_block : 0;
    const std::int64_t block = blocked[static_cast<std::size_t>(st.output)] ? channel_block : 0;
    if (detail::edit_conv(st, [&](auto& op) {
          op.src_channels_last = src;
          op.dst_channels_last = dst;
          op.src_channel_block = src_block;
          op.dst_channel_block = block;
        }))
      continue;
    if (const auto* c = detail::op_as<ConvTranspose2dOp>(st)) {
      ConvTranspose2dOp copy = *c;
      copy.src_channels_last = src;
      copy.dst_channels_last = dst;
      st.op = std::make_shared<OpModel<ConvTranspose2dOp>>(std::move(copy));
    } else if (const auto* m = detail::op_as<MaxPool<2>>(st)) {
      MaxPool<2> copy = *m;
      copy.channels_last = dst;
      copy.channel_block = block;
      st.op = std::make_shared<OpModel<MaxPool<2>>>(std::move(copy));
    } else if (const auto* m1 = detail::op_as<MaxPool<1>>(st)) {
      MaxPool<1> copy = *m1;
      copy.channels_last = dst;
      copy.channel_block = block;
      st.op = std::make_shared<OpModel<MaxPool<1>>>(std::move(copy));
    } else if (const auto* bn = detail::op_as<BatchNorm>(st)) {
      BatchNorm copy = *bn;
      copy.channels_last = dst;
      copy.channel_block = block;
      st.op = std::make_shared<OpModel<BatchNorm>>(std::move(copy));
    }
  }
  return count;
}

NEURON_INLINE void remove_unused_slots(Plan& plan) {
  std::vector<bool> used(plan.slots.size(), false);
  for (std::size_t s = 0; s < plan.slots.size(); ++s)
    used[s] = plan.slots[s].kind == PlanSlot::Kind::input;  // the signature binds every input
  for (const PlanStep& st : plan.steps) {
    for (int in : st.inputs) used[static_cast<std::size_t>(in)] = true;
    used[static_cast<std::size_t>(st.output)] = true;
  }
  for (int o : plan.outputs) used[static_cast<std::size_t>(o)] = true;
  std::vector<int> remap(plan.slots.size(), -1);
  std::vector<PlanSlot> slots;
  for (std::size_t s = 0; s < plan.slots.size(); ++s)
    if (used[s]) {
      remap[s] = static_cast<int>(slots.size());
      slots.push_back(plan.slots[s]);
    }
  plan.slots = std::move(slots);
  for (PlanStep& st : plan.steps) {
    for (int& in : st.inputs) in = remap[static_cast<std::size_t>(in)];
    st.output = remap[static_cast<std::size_t>(st.output)];
  }
  for (int& o : plan.outputs) o = remap[static_cast<std::size_t>(o)];
}

}  // namespace neuron
