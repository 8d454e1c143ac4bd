#pragma once

#include "trace.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "../compiler/cnn_passes.hpp"
#include "../compiler/compile.hpp"
#include "../compiler/import_passes.hpp"
#include "../compiler/memory_plan.hpp"
#include "../compiler/optimize.hpp"
#include "../compiler/pad_constants.hpp"
#include "../compiler/padding.hpp"
#include "../core/creation.hpp"
#include "../graph/hash.hpp"
#include "../lazy/lazy_tensor.hpp"
#include "../ops.hpp"
#include "../runtime/plan.hpp"
#include "../runtime/traced_module.hpp"

namespace neuron {

namespace detail {

NEURON_INLINE WeightNames weight_names_of(const nn::Module& m) {
  WeightNames n;
  for (const auto& [name, t] : m.state_dict()) {
    if (!t.defined()) continue;
    if (t.device().is_lazy())
      n.by_node.emplace(lazy::node_of(t).get(), name);
    else
      n.by_impl.emplace(t.impl_ptr(), name);
  }
  return n;
}

// Installs the constant capture for one recording and removes it on every path out.
class CaptureScope {
 public:
  CaptureScope();
  ~CaptureScope();
  CaptureScope(const CaptureScope&) = delete;
  CaptureScope& operator=(const CaptureScope&) = delete;
  const lazy::ConstantCapture& capture() const { return capture_; }

 private:
  lazy::ConstantCapture capture_;
};

NEURON_INLINE CaptureScope::CaptureScope() {
  if (lazy::active_capture())
    throw_error<ValueError>("trace: cannot trace while another trace is recording on this thread");
  lazy::active_capture() = &capture_;
  capturing_constants() = true;
}
NEURON_INLINE CaptureScope::~CaptureScope() {
  lazy::active_capture() = nullptr;
  capturing_constants() = false;
}

// The module-wide weight table: a weight is stored once, under one name, however many plans use it.
struct WeightTable {
  std::vector<std::string> names;
  std::vector<Tensor> tensors;
  std::map<std::string, int> index;

  int add(const std::string& name, const Tensor& cpu_view);
};

NEURON_INLINE int WeightTable::add(const std::string& name, const Tensor& cpu_view) {
  auto it = index.find(name);
  if (it != index.end()) {
    const Tensor& have = tensors[static_cast<std::size_t>(it->second)];
    if (!(spec_of(have) == spec_of(cpu_view)))
      throw_error<ValueError>("trace: weight '", name, "' has shape ", have.shape(), " in one ",
                              "trace and ", cpu_view.shape(), " in another");
    return it->second;
  }
  names.push_back(name);
  tensors.push_back(cpu_view.clone());  // the module keeps its own copy: later edits do not leak in
  index.emplace(name, static_cast<int>(names.size()) - 1);
  return static_cast<int>(names.size()) - 1;
}

// A constant that is not a named parameter is named by its content, so equal constants share one
// stored weight across buckets.
NEURON_INLINE std::string constant_name(const Tensor& t) {
  std::string buf = t.shape().str() + std::string(dtype_name(t.dtype()));
  buf.append(static_cast<const char*>(t.raw_data()), t.nbytes());
  return "const." + hash_bytes(buf).hex().substr(0, 16);
}

// The weight table as the CNN passes see it.
class TableWeights final : public PlanWeights {
 public:
  explicit TableWeights(WeightTable& t) : t_(t) {}
  const Tensor& weight(int i) const override { return t_.tensors[static_cast<std::size_t>(i)]; }
  const std::string& weight_name(int i) const override {
    return t_.names[static_cast<std::size_t>(i)];
  }
  int add_weight(const std::string& name, const Tensor& t) override { return t_.add(name, t); }

 private:
  WeightTable& t_;
};

NEURON_INLINE Plan trace_plan(const TraceFn& fn, const std::vector<Tensor>& examples,
                              const WeightNames& names, WeightTable& weights,
                              const CompileOptions& options) {
  // No inputs is fine: a model of constants (an imported ONNX graph whose inputs were all bound)
  // traces to a plan that returns them.
  Plan plan;
  Graph g;
  std::unordered_map<const IrNode*, int> input_of;
  std::vector<Tensor> inputs;
  for (std::size_t i = 0; i < examples.size(); ++i) {  // examples may be lazy: read them first
    const Tensor& x = examples[i];
    if (!x.defined()) throw_error<ValueError>("trace: example ", i, " is an undefined tensor");
    Tensor cpu_x = x.device().is_cpu() ? x.clone() : x.cpu();
    plan.inputs.push_back(spec_of(cpu_x));
    inputs.push_back(lazy::make_data_tensor(cpu_x));
    input_of.emplace(lazy::node_of(inputs.back()).get(), static_cast<int>(i));
  }
  {
    CaptureScope scope;
    std::vector<Tensor> outputs = fn(inputs);
    if (outputs.empty()) throw_error<ValueError>("trace: the model returned no outputs");
    std::vector<IrNodePtr> nodes;
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      if (!outputs[o].defined())
        throw_error<ValueError>("trace: output ", o, " is an undefined tensor");
      nodes.push_back(lazy::node_of(outputs[o]));  // a CPU output becomes a captured constant
    }
    g = build_graph(nodes);
  }
  // Lowered as lazy mode lowers (compile.hpp); then the graph's inputs are bound to the caller's
  // inputs or to weights, and the steps keep the scalar values they were recorded with.
  std::vector<TensorSpec> signature = std::move(plan.inputs);
  plan = lower(g, options);
  plan.inputs = std::move(signature);
  using K = PlanSlot::Kind;
  for (const GraphEntry& e : g.entries) {
    if (!e.node->is_data()) continue;
    PlanSlot& s = plan.slots[static_cast<std::size_t>(e.input_index)];
    auto in = input_of.find(e.node.get());
    if (in != input_of.end()) {
      s.index = in->second;
      continue;
    }
    s.kind = K::weight;
    std::string name;
    if (auto it = names.by_node.find(e.node.get()); it != names.by_node.end()) name = it->second;
    if (auto it = names.by_impl.find(e.node->data.impl_ptr()); it != names.by_impl.end())
      name = it->second;  // a CPU parameter, captured as it is
    s.index = weights.add(name.empty() ? constant_name(e.node->data) : name, e.node->data);
  }
  for (PlanStep& st : plan.steps) {
    if (st.scalar_offset < 0) continue;
    const auto first = g.scalars.begin() + st.scalar_offset;
    st.scalars.assign(first, first + st.op->scalar_count());
    st.scalar_offset = -1;
  }
  plan.scalar_count = 0;
  TableWeights w(weights);
  optimize(plan, options, &w);
  plan_memory(plan);
  return plan;
}

// What a padded mode's inputs are padded with: `value` for each, unless `values` gives one per
// input. A value that a padded input's dtype cannot hold (0.5 for ids, 2 for a bool mask) is
// refused: the padding would hold another value than the one the analysis tracks.
NEURON_INLINE std::vector<double> resolve_pad_values(const std::vector<TensorSpec>& inputs,
                                                     const std::vector<DimSource>& padded,
                                                     double value,
                                                     const std::vector<double>& values,
                                                     const std::string& mode) {
  if (!values.empty() && values.size() != inputs.size())
    throw_error<ValueError>(mode, ": pad_values has ", values.size(), " value",
                            values.size() == 1 ? "" : "s", " but the model takes ", inputs.size(),
                            " input", inputs.size() == 1 ? "" : "s", "; give one per input");
  std::vector<double> out;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const double v = values.empty() ? value : values[i];
    const DType t = inputs[i].dtype;
    const bool is_padded = std::any_of(padded.begin(), padded.end(), [&](const DimSource& s) {
      return s.input == static_cast<int>(i);
    });
    if (is_padded && !is_floating(t) && !PadFill::of(stored_as(v, t)).is(v))
      throw_error<ValueError>(mode, ": the pad value ", v, " for input ", i,
                              " does not fit its dtype ", dtype_name(t),
                              t == bool_ ? " (use 0 for false, 1 for true)" : "",
                              values.empty() ? "; give one per input with pad_values" : "");
    out.push_back(v);
  }
  return out;
}

// The data of each weight slot of `plan`, from the table its trace filled.
NEURON_INLINE std::vector<const Tensor*> slot_constants(const Plan& plan, const WeightTable& w) {
  std::vector<const Tensor*> out(plan.slots.size(), nullptr);
  for (std::size_t s = 0; s < plan.slots.size(); ++s)
    if (plan.slots[s].kind == PlanSlot::Kind::weight)
      out[s] = &w.tensors[static_cast<std::size_t>(plan.slots[s].index)];
  return out;
}

NEURON_INLINE std::shared_ptr<ModuleData> finish(WeightTable& w, std::vector<Plan> plans,
                                                 TraceMode mode, double pad_value,
                                                 std::vector<double> pad_values,
                                                 std::vector<DimSource> padded, PadFindings found) {
  // Weights that passes replaced (a convolution's weight before batch norm was folded into it)
  // are used by no plan: they are dropped, and the others renumbered.
  std::vector<int> remap(w.tensors.size(), -1);
  for (const Plan& p : plans)
    for (const PlanSlot& s : p.slots)
      if (s.kind == PlanSlot::Kind::weight) remap[static_cast<std::size_t>(s.index)] = 0;
  WeightTable kept;
  for (std::size_t i = 0; i < w.tensors.size(); ++i)
    if (remap[i] == 0) {
      remap[i] = static_cast<int>(kept.names.size());
      kept.names.push_back(std::move(w.names[i]));
      kept.tensors.push_back(std::move(w.tensors[i]));
    }
  for (Plan& p : plans)
    for (PlanSlot& s : p.slots)
      if (s.kind == PlanSlot::Kind::weight) s.index = remap[static_cast<std::size_t>(s.index)];
  w = std::move(kept);
  auto d = std::make_shared<ModuleData>();
  d->weight_names = std::move(w.names);
  d->weights = std::move(w.tensors);
  d->plans = std::move(plans);
  d->mode = mode;
  d->pad_value = pad_value;
  d->pad_values = std::move(pad_values);
  d->padded_dims = std::move(padded);
  d->tied_dims = std::move(found.tied);
  d->min_extents = std::move(found.min_extents);
  d->min_extents.resize(d->padded_dims.size(), 0);
  std::vector<TensorSpec> specs;
  for (const Tensor& t : d->weights) specs.push_back(spec_of(t));
  for (std::size_t b = 0; b < d->plans.size(); ++b)  // the compiler's output meets the loader's bar
    validate_plan(d->plans[b], specs, "trace (bucket " + std::to_string(b) + ")");
  d->make_ready();
  return d;
}

// Padding is safe only if the graph does not depend on the padded sizes. Ops that mix values
// along them are caught by track_padding, constants made from them by match_padded_constants;
// scalars the model computes from a size in C++ (`1.0 / x.shape()[1]`) are not in the graph's
// wiring, but they show up as plans of identical structure that differ in a scalar. `a` and `b`
// were traced at different padded sizes, described by `a_name` and `b_name`.
NEURON_INLINE void check_size_independent(const Plan& a, const std::string& a_name, const Plan& b,
                                          const std::string& b_name, const std::string& mode) {
  if (!same_structure(a, b)) return;  // different graphs: nothing to line up
  for (std::size_t i = 0; i < a.steps.size(); ++i)
    for (std::size_t k = 0; k < a.steps[i].scalars.size(); ++k) {
      const ScalarValue x = a.steps[i].scalars[k], y = b.steps[i].scalars[k];
      if (x == y || (x != x && y != y)) continue;
      throw_error<ValueError>(mode, ": ", a.steps[i].op->name(), " (node ", i, ") uses the scalar ",
                              static_cast<double>(x), " in ", a_name, " and ",
                              static_cast<double>(y), " in ", b_name, kSizeDependenceAdvice);
    }
}

NEURON_INLINE TracedModule trace_module(const TraceFn& fn, const WeightNames& names,
                                        const std::vector<Tensor>& examples,
                                        const TraceOptions& o) {
  WeightTable weights;
  Plan plan = trace_plan(fn, examples, names, weights, o.compile);
  std::vector<DimSource> padded;
  std::vector<double> pad_values;
  PadFindings found;
  if (o.dynamic_batch && plan.inputs.empty())
    throw_error<ValueError>("dynamic_batch: the model takes no inputs, so it has no batch dim");
  if (o.dynamic_batch) {
    for (std::size_t i = 0; i < plan.inputs.size(); ++i) {
      if (plan.inputs[i].shape.rank() == 0)
        throw_error<ValueError>("dynamic_batch: input ", i, " is 0-d and has no batch dim");
      if (plan.inputs[i].shape[0] != plan.inputs[0].shape[0])
        throw_error<ValueError>("dynamic_batch: example ", i, " has batch ",
                                plan.inputs[i].shape[0], " but example 0 has batch ",
                                plan.inputs[0].shape[0], "; every input's dim 0 is the batch");
      padded.push_back({static_cast<int>(i), 0});
    }
    pad_values =
        resolve_pad_values(plan.inputs, padded, o.pad_value, o.pad_values, "dynamic_batch");
    // A second trace one larger in the batch shows what depends on the batch size (constants,
    // scalars: see match_padded_constants and check_size_independent); the extra row repeats
    // the first.
    std::vector<Tensor> wider;
    for (const Tensor& x : examples) {
      Tensor cpu_x = x.device().is_cpu() ? x : x.cpu();
      wider.push_back(concat({cpu_x, slice(cpu_x, 0, 0, 1)}, 0));
    }
    WeightTable wider_weights;
    Plan other;
    try {
      other = trace_plan(fn, wider, names, wider_weights, o.compile);
    } catch (const Error& e) {
      throw_error<ValueError>("dynamic_batch: the model fails at batch ",
                              plan.inputs[0].shape[0] + 1,
                              ", so it cannot take any batch: ", e.what());
    }
    const std::string at = "the trace at batch " + std::to_string(plan.inputs[0].shape[0]);
    const std::string wider_at = "the trace at batch " + std::to_string(other.inputs[0].shape[0]);
    PadSetup setup{"dynamic_batch", padded, pad_values, /*chunked=*/true, /*min_real=*/1};
    auto constants =
        match_padded_constants({{&plan, at, &weights.names, &weights.tensors},
                                {&other, wider_at, &wider_weights.names, &wider_weights.tensors}},
                               setup);
    found = track_padding(plan, setup, slot_constants(plan, weights), constants[0]);
    check_size_independent(plan, at, other, wider_at, "dynamic_batch");
    for (std::size_t k = 0; k < plan.outputs.size(); ++k) {
      int n = 0;
      for (const auto& dim : plan.output_sources[k]) n += !dim.empty();
      if (n != 1)
        throw_error<ValueError>(
            "dynamic_batch: output ", k, " ",
            n == 0 ? "does not follow the batch dim" : "follows the batch dim in more than one dim",
            ", so batches cannot be run in chunks and concatenated");
    }
    found.tied.clear();  // every input's batch is the same anyway
  }
  std::vector<Plan> plans;
  plans.push_back(std::move(plan));
  return TracedModule(finish(
      weights, std::move(plans), o.dynamic_batch ? TraceMode::dynamic_batch : TraceMode::fixed,
      o.pad_value, std::move(pad_values), std::move(padded), std::move(found)));
}

NEURON_INLINE BucketExamples bucket_examples(const std::vector<std::vector<Tensor>>& examples) {
  if (examples.size() < 2)
    throw_error<ValueError>("trace_buckets: give at least two examples (one per bucket), got ",
                            examples.size());
  for (std::size_t b = 1; b < examples.size(); ++b) {
    if (examples[b].size() != examples[0].size())
      throw_error<ValueError>("trace_buckets: example ", b, " has ", examples[b].size(),
                              " inputs, example 0 has ", examples[0].size());
    for (std::size_t i = 0; i < examples[0].size(); ++i)
      if (examples[b][i].rank() != examples[0][i].rank() ||
          examples[b][i].dtype() != examples[0][i].dtype())
        throw_error<ValueError>("trace_buckets: input ", i, " of example ", b, " is ",
                                examples[b][i].shape(), " ", examples[b][i].dtype(),
                                "; buckets may differ only in dim sizes, example 0 has ",
                                examples[0][i].shape(), " ", examples[0][i].dtype());
  }
  std::vector<DimSource> padded;
  for (std::size_t i = 0; i < examples[0].size(); ++i)
    for (int d = 0; d < examples[0][i].rank(); ++d)
      for (const auto& ex : examples)
        if (ex[i].shape()[d] != examples[0][i].shape()[d]) {
          padded.push_back({static_cast<int>(i), d});
          break;
        }
  if (padded.empty())
    throw_error<ValueError>("trace_buckets: the examples all have the same shapes; use trace()");
  // Ascending: a call takes the first bucket that fits.
  std::vector<std::vector<Tensor>> sorted = examples;
  std::stable_sort(sorted.begin(), sorted.end(), [&](const auto& a, const auto& b) {
    std::int64_t na = 0, nb = 0;
    for (const auto& t : a) na += t.numel();
    for (const auto& t : b) nb += t.numel();
    return na < nb;
  });
  for (std::size_t b = 1; b < sorted.size(); ++b)
    for (const DimSource& s : padded)
      if (sorted[b][static_cast<std::size_t>(s.input)].shape()[s.dim] <
          sorted[b - 1][static_cast<std::size_t>(s.input)].shape()[s.dim])
        throw_error<ValueError>("trace_buckets: buckets must grow in every bucketed dim; input ",
                                s.input, " dim ", s.dim, " shrinks from ",
                                sorted[b - 1][static_cast<std::size_t>(s.input)].shape(), " to ",
                                sorted[b][static_cast<std::size_t>(s.input)].shape());
  return {std::move(sorted), std::move(padded)};
}

NEURON_INLINE TracedModule trace_buckets_module(const TraceFn& fn, const WeightNames& names,
                                                const BucketExamples& buckets,
                                                const BucketOptions& o) {
  const std::vector<std::vector<Tensor>>& sorted = buckets.sorted;
  const std::vector<DimSource>& padded = buckets.padded;
  WeightTable weights;
  std::vector<Plan> plans;
  for (const auto& ex : sorted) plans.push_back(trace_plan(fn, ex, names, weights, o.compile));
  auto bucket_name = [&](std::size_t b) {
    std::string out = "bucket " + std::to_string(b) + " (";
    for (std::size_t i = 0; i < plans[b].inputs.size(); ++i)
      out += (i ? ", " : "") + plans[b].inputs[i].shape.str();
    return out + ")";
  };
  PadSetup setup{
      "trace_buckets", padded,
      resolve_pad_values(plans[0].inputs, padded, o.pad_value, o.pad_values, "trace_buckets"),
      /*chunked=*/false, /*min_real=*/1};
  std::vector<PlanConstants> views;
  for (std::size_t b = 0; b < plans.size(); ++b)
    views.push_back({&plans[b], bucket_name(b), &weights.names, &weights.tensors});
  const auto constants = match_padded_constants(views, setup);
  PadFindings found;
  for (std::size_t b = 0; b < plans.size(); ++b)
    found.merge(track_padding(plans[b], setup, slot_constants(plans[b], weights), constants[b]));
  for (std::size_t b = 1; b < plans.size(); ++b)
    check_size_independent(plans[0], bucket_name(0), plans[b], bucket_name(b), "trace_buckets");
  return TracedModule(finish(weights, std::move(plans), TraceMode::buckets, o.pad_value,
                             setup.pad_values, padded, std::move(found)));
}

}  // namespace detail

}  // namespace neuron
