// trace(): records a model once on the lazy device, with the model's parameters (and any other CPU
// tensor the model uses) captured as constant weights, runs the compiler, plans memory, and
// returns a TracedModule that only runs the plan. trace_buckets() does this once per example
// shape, sharing the weights; TraceOptions::dynamic_batch makes the batch dim free.
#pragma once

#include <functional>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

#include "../compiler/compile.hpp"
#include "../compiler/memory_plan.hpp"
#include "../compiler/pad_constants.hpp"
#include "../compiler/padding.hpp"
#include "../core/config.hpp"
#include "../lazy/mark_step.hpp"
#include "../nn/module.hpp"
#include "../runtime/plan_dot.hpp"
#include "../runtime/traced_module.hpp"

namespace neuron {

struct TraceOptions {
  // Any batch size: the module runs in chunks of the traced batch (dim 0 of every input), the last
  // chunk padded; outputs are concatenated along the dims that follow the batch.
  bool dynamic_batch = false;
  // What the padded rows hold: pad_value for every input, unless pad_values gives one per input.
  double pad_value = 0;
  std::vector<double> pad_values;
  CompileOptions compile;
};

struct BucketOptions {
  // What padded positions hold: pad_value for every input, unless pad_values gives one per input,
  // e.g. {0, 1} for token ids (0: a valid id) and a bool key padding mask (true: masked). The
  // compiler tracks these values through the graph (compiler/padding.hpp): a masked softmax over
  // padded keys is accepted when the mask's padding masks them.
  double pad_value = 0;
  std::vector<double> pad_values;
  CompileOptions compile;
};

namespace detail {

using TraceFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

// Names of a module's parameters and buffers, by the tensor that holds them.
struct WeightNames {
  std::unordered_map<const TensorImpl*, std::string> by_impl;
  std::unordered_map<const IrNode*, std::string> by_node;  // a module already on the lazy device
};

WeightNames weight_names_of(const nn::Module& m);

template <class F>
TraceFn as_trace_fn(F& f) {
  if constexpr (std::is_invocable_r_v<std::vector<Tensor>, F&, const std::vector<Tensor>&>) {
    return [&f](const std::vector<Tensor>& in) { return std::vector<Tensor>(f(in)); };
  } else {
    static_assert(std::is_invocable_r_v<Tensor, F&, const Tensor&>,
                  "trace: the model must take a Tensor and return a Tensor, or take and return a "
                  "std::vector<Tensor>");
    return [&f](const std::vector<Tensor>& in) {
      if (in.size() != 1)
        throw_error<ValueError>("trace: this model takes one input, got ", in.size(), " examples");
      return std::vector<Tensor>{f(in[0])};
    };
  }
}

template <class F>
WeightNames names_for(F& f) {
  if constexpr (std::is_base_of_v<nn::Module, std::decay_t<F>>) {
    if (f.is_training())
      throw_error<ValueError>("trace: ", f.type_name(),
                              " is in training mode, so dropout would be recorded into the graph; "
                              "call .eval() before tracing");
    return weight_names_of(f);
  } else {
    return {};
  }
}

// trace() once the model is a function and its weights are named.
TracedModule trace_module(const TraceFn& fn, const WeightNames& names,
                          const std::vector<Tensor>& examples, const TraceOptions& o);

// trace_buckets()'s example sets, checked, sorted ascending, with the bucketed (padded) dims.
struct BucketExamples {
  std::vector<std::vector<Tensor>> sorted;
  std::vector<DimSource> padded;
};
BucketExamples bucket_examples(const std::vector<std::vector<Tensor>>& examples);

// trace_buckets() once the model is a function and its weights are named.
TracedModule trace_buckets_module(const TraceFn& fn, const WeightNames& names,
                                  const BucketExamples& buckets, const BucketOptions& o);

}  // namespace detail

// Traces `model` (an nn::Module, or any callable Tensor -> Tensor or vector -> vector) on
// `examples`. The examples fix the input shapes and dtypes (the batch dim stays free with
// dynamic_batch).
template <class F>
TracedModule trace(F&& model, const std::vector<Tensor>& examples, const TraceOptions& o = {}) {
  detail::WeightNames names = detail::names_for(model);
  detail::TraceFn fn = detail::as_trace_fn(model);
  return detail::trace_module(fn, names, examples, o);
}

template <class F>
TracedModule trace(F&& model, const Tensor& example, const TraceOptions& o = {}) {
  return trace(std::forward<F>(model), std::vector<Tensor>{example}, o);
}

// One trace per example set; the dims in which the examples differ become bucketed dims. A call
// pads its inputs to the smallest bucket that holds them and slices the padding off the outputs.
template <class F>
TracedModule trace_buckets(F&& model, const std::vector<std::vector<Tensor>>& examples,
                           const BucketOptions& o = {}) {
  detail::BucketExamples buckets = detail::bucket_examples(examples);
  detail::WeightNames names = detail::names_for(model);
  detail::TraceFn fn = detail::as_trace_fn(model);
  return detail::trace_buckets_module(fn, names, buckets, o);
}

// Single-input models: one example tensor per bucket.
template <class F>
TracedModule trace_buckets(F&& model, const std::vector<Tensor>& examples,
                           const BucketOptions& o = {}) {
  std::vector<std::vector<Tensor>> sets;
  for (const Tensor& t : examples) sets.push_back({t});
  return trace_buckets(std::forward<F>(model), sets, o);
}

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "trace-inl.hpp"
#endif
