#pragma once

#include "trace.hpp"

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>

#include "../compiler/cnn_passes.hpp"
#include "../compiler/compile.hpp"
#include "../compiler/memory_plan.hpp"
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

// The traced-plan passes the options ask for (cnn_passes.hpp), in order.
NEURON_INLINE void run_cnn_passes(Plan& plan, WeightTable& weights, const CompileOptions& options) {
  TableWeights w(weights);
  if (options.fold_batch_norm) fold_batch_norms(plan, w);
  if (options.fuse_conv_epilogues) fuse_conv_epilogues(plan);
  if (options.channels_last) use_channels_last(plan);
}

NEURON_INLINE Plan trace_plan(const TraceFn& fn, const std::vector<Tensor>& examples,
                              const WeightNames& names, WeightTable& weights,
                              const CompileOptions& options) {
  if (examples.empty()) throw_error<ValueError>("trace: at least one example input is needed");
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
  // Lowered only: the plan gets every CNN pass below, and its primitives at make_ready().
  std::shared_ptr<const Executable> exe = lower(g, options);

  // Slots: the executable's graph inputs are the caller's inputs or weights.
  using K = PlanSlot::Kind;
  plan.slots.resize(exe->slots.size());
  for (const GraphEntry& e : g.entries) {
    if (!e.node->is_data()) continue;
    PlanSlot& s = plan.slots[static_cast<std::size_t>(e.input_index)];
    s.spec = e.node->spec;
    auto in = input_of.find(e.node.get());
    if (in != input_of.end()) {
      s.kind = K::input;
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
  std::vector<bool> is_output(exe->slots.size(), false);
  for (int o : exe->outputs) is_output[static_cast<std::size_t>(o)] = true;
  for (const Step& st : exe->steps) {
    PlanSlot& s = plan.slots[static_cast<std::size_t>(st.output)];
    s.kind = is_output[static_cast<std::size_t>(st.output)] ? K::output : K::arena;
    s.spec = exe->slots[static_cast<std::size_t>(st.output)];
    PlanStep ps;
    ps.op = st.op;
    ps.inputs = st.inputs;
    ps.output = st.output;
    ps.scalars.assign(g.scalars.begin() + st.scalar_offset,
                      g.scalars.begin() + st.scalar_offset + st.op->scalar_count());
    plan.steps.push_back(std::move(ps));
  }
  // An input that no output depends on still has a place in the signature.
  plan.outputs = exe->outputs;
  run_cnn_passes(plan, weights, options);
  plan_memory(plan);
  return plan;
}

NEURON_INLINE std::shared_ptr<ModuleData> finish(WeightTable& w, std::vector<Plan> plans,
                                                 TraceMode mode, double pad_value,
                                                 std::vector<DimSource> padded) {
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
  d->padded_dims = std::move(padded);
  std::vector<TensorSpec> specs;
  for (const Tensor& t : d->weights) specs.push_back(spec_of(t));
  for (std::size_t b = 0; b < d->plans.size(); ++b)  // the compiler's output meets the loader's bar
    validate_plan(d->plans[b], specs, "trace (bucket " + std::to_string(b) + ")");
  d->make_ready();
  return d;
}

// Padding is safe only if the graph does not depend on the padded sizes. Ops that mix values
// along them are caught by track_padding; values the model computes from a size in C++ (a scalar
// `1.0 / x.shape()[1]`, a constant filled with it) are not in the graph's wiring, but they show up
// as plans of identical structure that differ in a scalar, or in a constant of the same shape.
// `a` and `b` were traced at different padded sizes, described by `a_name` and `b_name`.
NEURON_INLINE void check_size_independent(const Plan& a, const std::vector<std::string>& a_weights,
                                          const std::string& a_name, const Plan& b,
                                          const std::vector<std::string>& b_weights,
                                          const std::string& b_name, const std::string& mode) {
  if (a.steps.size() != b.steps.size() || a.slots.size() != b.slots.size()) return;
  for (std::size_t i = 0; i < a.steps.size(); ++i)
    if (a.steps[i].op->name() != b.steps[i].op->name() ||
        a.steps[i].scalars.size() != b.steps[i].scalars.size() ||
        a.steps[i].inputs != b.steps[i].inputs)
      return;  // different graphs: nothing to line up
  const std::string advice =
      "; the model computes a value from a padded size, so padding would change its results. "
      "Derive it from a tensor that holds the real size, or trace without padding";
  for (std::size_t i = 0; i < a.steps.size(); ++i)
    for (std::size_t k = 0; k < a.steps[i].scalars.size(); ++k) {
      const ScalarValue x = a.steps[i].scalars[k], y = b.steps[i].scalars[k];
      if (x == y || (x != x && y != y)) continue;
      throw_error<ValueError>(mode, ": ", a.steps[i].op->name(), " (node ", i, ") uses the scalar ",
                              static_cast<double>(x), " in ", a_name, " and ",
                              static_cast<double>(y), " in ", b_name, advice);
    }
  for (std::size_t s = 0; s < a.slots.size(); ++s) {
    const PlanSlot &x = a.slots[s], &y = b.slots[s];
    if (x.kind != PlanSlot::Kind::weight || y.kind != PlanSlot::Kind::weight || !(x.spec == y.spec))
      continue;
    const std::string& xn = a_weights[static_cast<std::size_t>(x.index)];
    const std::string& yn = b_weights[static_cast<std::size_t>(y.index)];
    if (xn != yn)
      throw_error<ValueError>(mode, ": the constant ", spec_str(x.spec), " (slot ", s,
                              ") has other values in ", a_name, " than in ", b_name, advice,
                              " (a constant drawn at random while tracing differs too)");
  }
}

NEURON_INLINE TracedModule trace_module(const TraceFn& fn, const WeightNames& names,
                                        const std::vector<Tensor>& examples,
                                        const TraceOptions& o) {
  WeightTable weights;
  Plan plan = trace_plan(fn, examples, names, weights, o.compile);
  std::vector<DimSource> padded;
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
    track_padding(plan, padded, "dynamic_batch");
    // A second trace one larger in the batch must give the same plan (see
    // check_size_independent); the extra row repeats the first.
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
    check_size_independent(
        plan, weights.names, "the trace at batch " + std::to_string(plan.inputs[0].shape[0]), other,
        wider_weights.names, "the trace at batch " + std::to_string(other.inputs[0].shape[0]),
        "dynamic_batch");
    for (std::size_t k = 0; k < plan.outputs.size(); ++k) {
      int found = 0;
      for (const auto& dim : plan.output_sources[k]) found += !dim.empty();
      if (found != 1)
        throw_error<ValueError>("dynamic_batch: output ", k, " ",
                                found == 0 ? "does not follow the batch dim"
                                           : "follows the batch dim in more than one dim",
                                ", so batches cannot be run in chunks and concatenated");
    }
  }
  std::vector<Plan> plans;
  plans.push_back(std::move(plan));
  return TracedModule(finish(weights, std::move(plans),
                             o.dynamic_batch ? TraceMode::dynamic_batch : TraceMode::fixed,
                             o.pad_value, std::move(padded)));
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
  for (const auto& ex : sorted) {
    plans.push_back(trace_plan(fn, ex, names, weights, o.compile));
    track_padding(plans.back(), padded, "trace_buckets");
  }
  auto bucket_name = [&](std::size_t b) {
    std::string out = "bucket " + std::to_string(b) + " (";
    for (std::size_t i = 0; i < plans[b].inputs.size(); ++i)
      out += (i ? ", " : "") + plans[b].inputs[i].shape.str();
    return out + ")";
  };
  for (std::size_t b = 1; b < plans.size(); ++b)
    check_size_independent(plans[0], weights.names, bucket_name(0), plans[b], weights.names,
                           bucket_name(b), "trace_buckets");
  return TracedModule(
      finish(weights, std::move(plans), TraceMode::buckets, o.pad_value, std::move(padded)));
}

}  // namespace detail

}  // namespace neuron
