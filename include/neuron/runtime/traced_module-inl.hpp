#pragma once

#include "traced_module.hpp"

#include <algorithm>
#include <new>
#include <sstream>

#include "../core/creation.hpp"
#include "../ops.hpp"
#include "executor-inl.hpp"
#include "plan-inl.hpp"

namespace neuron {

NEURON_INLINE const char* trace_mode_name(TraceMode m) {
  switch (m) {
    case TraceMode::fixed:
      return "fixed";
    case TraceMode::dynamic_batch:
      return "dynamic_batch";
    case TraceMode::buckets:
      return "buckets";
  }
  return "?";
}

NEURON_INLINE std::string MemoryPlan::str() const {
  std::ostringstream s;
  s << "weights " << weights_bytes << " B, arena " << arena_bytes << " B per call ("
    << intermediates << " intermediates), inputs " << input_bytes << " B, outputs " << output_bytes
    << " B";
  return s.str();
}

NEURON_INLINE void ModuleData::make_ready() {
  for (Plan& p : plans) prepare_plan_steps(p, weights);
  pools.clear();
  for (const Plan& p : plans) pools.push_back(std::make_unique<ArenaPool>(p));
}

NEURON_INLINE Tensor TracedModule::operator()(const Tensor& x) const {
  const detail::ReusedInputs inputs({x});  // no vector per call
  std::vector<Tensor> out = forward(inputs.get());
  if (out.size() != 1)
    throw_error<ValueError>("traced module has ", out.size(),
                            " outputs; call forward() to get all of them");
  return out[0];
}

NEURON_INLINE std::vector<Tensor> TracedModule::forward(const std::vector<Tensor>& inputs) const {
  const ModuleData& d = data();
  if (d.plans[0].scalar_count > 0)
    throw_error<ValueError>("traced module: its steps read ", d.plans[0].scalar_count,
                            " scalars that lazy mode passes with each step (a lazy-mode cache "
                            "entry); it can be loaded and inspected, not called");
  try {
    switch (d.mode) {
      case TraceMode::fixed:
        check_inputs(inputs, d.plans[0], nullptr);
        return run_plan(d.plans[0], d.weights, inputs, *d.pools[0]);
      case TraceMode::buckets:
        return run_buckets(inputs);
      case TraceMode::dynamic_batch:
        return run_dynamic_batch(inputs);
    }
  } catch (const std::bad_alloc&) {
    throw_error<ValueError>("traced module: out of memory (", memory_plan().str(), ")");
  }
  return {};
}

NEURON_INLINE std::vector<TensorSpec> TracedModule::output_specs() const {
  const Plan& p = data().plans.back();
  std::vector<TensorSpec> out;
  for (std::size_t i = 0; i < p.outputs.size(); ++i) out.push_back(p.output_spec(i));
  return out;
}

NEURON_INLINE const ModuleData& TracedModule::data() const {
  if (!d_) throw_error<ValueError>("traced module is empty (default-constructed)");
  return *d_;
}

NEURON_INLINE MemoryPlan TracedModule::memory_plan() const {
  const ModuleData& d = data();
  MemoryPlan m;
  for (const Tensor& w : d.weights)
    m.weights_bytes = saturating_add(m.weights_bytes, static_cast<std::int64_t>(w.nbytes()));
  for (const Plan& p : d.plans) {
    std::int64_t in = 0, out = 0, n = 0;
    for (const TensorSpec& s : p.inputs) in = saturating_add(in, spec_bytes(s));
    for (int o : p.outputs)
      out = saturating_add(out, spec_bytes(p.slots[static_cast<std::size_t>(o)].spec));
    for (const PlanSlot& s : p.slots) n += s.kind == PlanSlot::Kind::arena;
    m.arena_bytes = std::max(m.arena_bytes, p.arena_bytes);
    m.input_bytes = std::max(m.input_bytes, in);
    m.output_bytes = std::max(m.output_bytes, out);
    m.intermediates = std::max(m.intermediates, n);
  }
  return m;
}

NEURON_INLINE void TracedModule::check_inputs(const std::vector<Tensor>& inputs, const Plan& p,
                                              const std::vector<DimSource>* free_dims) {
  if (inputs.size() != p.inputs.size())
    throw_error<ValueError>("traced module expects ", p.inputs.size(), " input",
                            p.inputs.size() == 1 ? "" : "s", ", got ", inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const Tensor& x = inputs[i];
    const TensorSpec& want = p.inputs[i];
    if (!x.defined()) throw_error<ValueError>("input ", i, " is an undefined tensor");
    if (!x.device().is_cpu())
      throw_error<DeviceError>("input ", i, " is on the ", x.device(),
                               " device; traced modules run on the cpu: call .cpu() first");
    if (x.dtype() != want.dtype)
      throw_error<DTypeError>("input ", i, " expects ", spec_text(want), ", got ",
                              spec_text(spec_of(x)));
    bool ok = x.shape().rank() == want.shape.rank();
    for (int k = 0; ok && k < want.shape.rank(); ++k) {
      bool free = free_dims && std::find(free_dims->begin(), free_dims->end(),
                                         DimSource{static_cast<int>(i), k}) != free_dims->end();
      ok = free || x.shape()[k] == want.shape[k];
    }
    if (!ok)
      throw_error<ShapeError>("input ", i, " expects ", spec_text(want), ", got ",
                              spec_text(spec_of(x)));
  }
}

NEURON_INLINE Tensor TracedModule::pad(const Tensor& x, const Shape& to, double value) {
  Tensor t = x;
  for (int k = 0; k < to.rank(); ++k) {
    const std::int64_t have = t.shape()[k];
    if (have == to[k]) continue;
    Shape fill = t.shape();
    fill[k] = to[k] - have;
    t = have == 0 ? full(fill, value, t.dtype()) : concat({t, full(fill, value, t.dtype())}, k);
  }
  return t;
}

NEURON_INLINE void TracedModule::check_extents(const std::vector<Tensor>& inputs) const {
  const ModuleData& d = data();
  auto extent = [&](const DimSource& s) {
    return inputs[static_cast<std::size_t>(s.input)].shape()[s.dim];
  };
  for (const auto& group : d.tied_dims)
    for (const DimSource& s : group)
      if (extent(s) != extent(group[0]))
        throw_error<ShapeError>("input ", group[0].input, " dim ", group[0].dim, " has size ",
                                extent(group[0]), " but input ", s.input, " dim ", s.dim,
                                " has size ", extent(s),
                                "; the model combines them, so padded calls need them equal");
  for (std::size_t i = 0; i < d.padded_dims.size() && i < d.min_extents.size(); ++i)
    if (extent(d.padded_dims[i]) < d.min_extents[i])
      throw_error<ShapeError>("input ", d.padded_dims[i].input, " dim ", d.padded_dims[i].dim,
                              " has size ", extent(d.padded_dims[i]),
                              "; this module reads its first ", d.min_extents[i],
                              " entries as real ones, so it needs at least ", d.min_extents[i]);
}

NEURON_INLINE Tensor TracedModule::unpad(const Tensor& y, const Plan& p, std::size_t o,
                                         const std::vector<Tensor>& real) {
  Tensor t = y;
  if (p.output_sources.size() <= o) return t;
  const auto& dims = p.output_sources[o];
  for (std::size_t k = 0; k < dims.size(); ++k) {
    if (dims[k].empty()) continue;
    std::int64_t n = -1;
    for (const DimSource& s : dims[k]) {
      std::int64_t e = real[static_cast<std::size_t>(s.input)].shape()[s.dim];
      if (n >= 0 && e != n)
        throw_error<ShapeError>("output ", o, " dim ", k, " follows input ", dims[k][0].input,
                                " dim ", dims[k][0].dim, " and input ", s.input, " dim ", s.dim,
                                ", which differ (", n, " vs ", e, ")");
      n = e;
    }
    if (n < t.shape()[static_cast<int>(k)]) t = slice(t, static_cast<std::int64_t>(k), 0, n);
  }
  return t;
}

NEURON_INLINE std::vector<Tensor> TracedModule::run_buckets(
    const std::vector<Tensor>& inputs) const {
  const ModuleData& d = data();
  check_inputs(inputs, d.plans.back(), &d.padded_dims);
  std::size_t b = 0;
  for (; b < d.plans.size(); ++b) {
    bool fits = true;
    for (const DimSource& s : d.padded_dims)
      fits = fits && inputs[static_cast<std::size_t>(s.input)].shape()[s.dim] <=
                         d.plans[b].inputs[static_cast<std::size_t>(s.input)].shape[s.dim];
    if (fits) break;
  }
  if (b == d.plans.size()) {
    std::ostringstream msg;
    msg << "no bucket fits: got";
    for (std::size_t i = 0; i < inputs.size(); ++i) msg << (i ? ", " : " ") << inputs[i].shape();
    msg << "; buckets:";
    for (std::size_t k = 0; k < d.plans.size(); ++k) {
      msg << (k ? "," : "");
      for (const TensorSpec& s : d.plans[k].inputs) msg << " " << s.shape;
    }
    throw ShapeError(msg.str());
  }
  check_extents(inputs);
  const Plan& p = d.plans[b];
  std::vector<Tensor> padded;
  for (std::size_t i = 0; i < inputs.size(); ++i)
    padded.push_back(pad(inputs[i], p.inputs[i].shape, d.pad_value_of(i)));
  std::vector<Tensor> out = run_plan(p, d.weights, padded, *d.pools[b]);
  for (std::size_t o = 0; o < out.size(); ++o) out[o] = unpad(out[o], p, o, inputs);
  return out;
}

NEURON_INLINE std::vector<Tensor> TracedModule::run_dynamic_batch(
    const std::vector<Tensor>& inputs) const {
  const ModuleData& d = data();
  const Plan& p = d.plans[0];
  check_inputs(inputs, p, &d.padded_dims);
  const std::int64_t total = inputs[0].shape()[0];
  if (total == 0) throw_error<ShapeError>("dynamic batch: input 0 has batch size 0");
  for (std::size_t i = 1; i < inputs.size(); ++i)
    if (inputs[i].shape()[0] != total)
      throw_error<ShapeError>("dynamic batch: input 0 has batch ", total, " but input ", i,
                              " has batch ", inputs[i].shape()[0]);
  const std::int64_t chunk = p.inputs[0].shape[0];
  if (chunk < 1) throw_error<ValueError>("dynamic batch: the traced batch is ", chunk);
  if (total == chunk) return run_plan(p, d.weights, inputs, *d.pools[0]);
  // Per output: the dim that follows the batch.
  std::vector<int> batch_dim(p.outputs.size(), -1);
  for (std::size_t o = 0; o < p.outputs.size(); ++o)
    for (std::size_t k = 0; k < p.output_sources[o].size(); ++k)
      if (!p.output_sources[o][k].empty()) batch_dim[o] = static_cast<int>(k);
  std::vector<std::vector<Tensor>> parts(p.outputs.size());
  for (std::int64_t start = 0; start < total; start += chunk) {
    const std::int64_t end = std::min(total, start + chunk);
    std::vector<Tensor> piece, real;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      const Tensor& x = inputs[i];
      Tensor s = (start == 0 && end == total) ? x : slice(x, 0, start, end);
      real.push_back(s);
      piece.push_back(pad(s, p.inputs[i].shape, d.pad_value_of(i)));
    }
    std::vector<Tensor> out = run_plan(p, d.weights, piece, *d.pools[0]);
    for (std::size_t o = 0; o < out.size(); ++o) parts[o].push_back(unpad(out[o], p, o, real));
  }
  std::vector<Tensor> out;
  for (std::size_t o = 0; o < parts.size(); ++o)
    out.push_back(parts[o].size() == 1 ? parts[o][0] : concat(parts[o], batch_dim[o]));
  return out;
}

}  // namespace neuron
