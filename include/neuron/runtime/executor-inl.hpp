#pragma once

#include "executor.hpp"

#include <utility>

namespace neuron {

NEURON_INLINE ArenaPool::Lease ArenaPool::acquire() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!free_.empty()) {
      std::unique_ptr<Arena> a = std::move(free_.back());
      free_.pop_back();
      return Lease(*this, std::move(a));
    }
  }
  return Lease(*this, make());
}
NEURON_INLINE std::size_t ArenaPool::arenas_made() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return made_;
}

NEURON_INLINE std::unique_ptr<Arena> ArenaPool::make() {
  auto a = std::make_unique<Arena>();
  a->storage = Storage::allocate(static_cast<std::size_t>(bytes_));
  a->values.resize(slots_.size());
  for (std::size_t s = 0; s < slots_.size(); ++s) {
    const PlanSlot& slot = slots_[s];
    if (slot.kind != PlanSlot::Kind::arena) continue;
    auto impl = detail::make_tensor_impl();
    impl->storage = a->storage;
    impl->offset = static_cast<std::size_t>(slot.offset);
    impl->shape = slot.spec.shape;
    impl->dtype = slot.spec.dtype;
    a->values[s] = Tensor(std::move(impl));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  ++made_;
  return a;
}
NEURON_INLINE void ArenaPool::give_back(std::unique_ptr<Arena> a) {
  if (!a) return;
  std::lock_guard<std::mutex> lock(mutex_);
  free_.push_back(std::move(a));
}

NEURON_INLINE void prepare_plan_steps(Plan& plan, const std::vector<Tensor>& weights) {
  for (PlanStep& st : plan.steps) {
    std::vector<TensorSpec> specs;
    std::vector<const Tensor*> constants;
    for (int in : st.inputs) {
      const PlanSlot& slot = plan.slots[static_cast<std::size_t>(in)];
      specs.push_back(slot.spec);
      constants.push_back(slot.kind == PlanSlot::Kind::weight
                              ? &weights[static_cast<std::size_t>(slot.index)]
                              : nullptr);
    }
    if (std::shared_ptr<const AnyOp> p = st.op->prepared(specs, constants)) st.op = std::move(p);
  }
}

NEURON_INLINE std::vector<Tensor> run_plan(const Plan& plan, const std::vector<Tensor>& weights,
                                           const std::vector<Tensor>& inputs, ArenaPool& pool) {
  std::vector<Tensor> out;
  run_plan(plan, weights, inputs, {}, pool, out);
  return out;
}

NEURON_INLINE void run_plan(const Plan& plan, const std::vector<Tensor>& weights,
                            const std::vector<Tensor>& inputs,
                            const std::vector<ScalarValue>& scalars, ArenaPool& pool,
                            std::vector<Tensor>& results) {
  using K = PlanSlot::Kind;
  if (static_cast<std::int64_t>(scalars.size()) < plan.scalar_count)
    throw_error<ValueError>("plan expects ", plan.scalar_count, " runtime scalars, got ",
                            scalars.size());
  // Kernels size their loops from their inputs and write into slots sized by the plan: an input
  // of another spec would over-run them, so this is checked here too, whatever the caller did.
  if (inputs.size() != plan.inputs.size())
    throw_error<ValueError>("plan expects ", plan.inputs.size(), " inputs, got ", inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i)
    if (!(spec_of(inputs[i]) == plan.inputs[i]))
      throw_error<ShapeError>("input ", i, " expects ", spec_str(plan.inputs[i]), ", got ",
                              spec_str(spec_of(inputs[i])));
  ArenaPool::Lease lease = pool.acquire();
  Arena& a = *lease;
  if (a.step_args.size() != plan.steps.size()) {
    a.step_args.resize(plan.steps.size());
    for (std::size_t i = 0; i < plan.steps.size(); ++i)
      a.step_args[i].resize(plan.steps[i].inputs.size());
  }
  // Between calls an arena keeps only its own views and the weights: the call's inputs and
  // outputs are let go, even when a kernel throws.
  struct Release {
    const Plan& plan;
    Arena& a;
    ~Release() {
      for (std::size_t i = 0; i < plan.steps.size(); ++i)
        for (std::size_t j = 0; j < plan.steps[i].inputs.size(); ++j) {
          const K kind = plan.slots[static_cast<std::size_t>(plan.steps[i].inputs[j])].kind;
          if (kind == K::input || kind == K::output) a.step_args[i][j] = Tensor();
        }
      for (std::size_t s = 0; s < plan.slots.size(); ++s)
        if (plan.slots[s].kind != K::arena) a.values[s] = Tensor();
    }
  } release{plan, a};
  for (std::size_t s = 0; s < plan.slots.size(); ++s) {
    const PlanSlot& slot = plan.slots[s];
    if (slot.kind == K::input)
      a.values[s] = inputs[static_cast<std::size_t>(slot.index)];
    else if (slot.kind == K::output)
      a.values[s] = Tensor::empty(slot.spec.shape, slot.spec.dtype);
  }
  for (std::size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& st = plan.steps[i];
    std::vector<Tensor>& args = a.step_args[i];
    for (std::size_t j = 0; j < st.inputs.size(); ++j) {
      const auto in = static_cast<std::size_t>(st.inputs[j]);
      const PlanSlot& slot = plan.slots[in];
      const Tensor& v =
          slot.kind == K::weight ? weights[static_cast<std::size_t>(slot.index)] : a.values[in];
      if (args[j].impl_ptr() != v.impl_ptr()) args[j] = v;  // weights and views: the first call
    }
    st.op->run(args, st.scalars_for(scalars.data()), a.values[static_cast<std::size_t>(st.output)]);
  }
  results.clear();  // only now: `results` may be `inputs` (the arena still holds them)
  results.reserve(plan.outputs.size());
  for (int o : plan.outputs) {
    const PlanSlot& slot = plan.slots[static_cast<std::size_t>(o)];
    const Tensor& v = slot.kind == K::weight ? weights[static_cast<std::size_t>(slot.index)]
                                             : a.values[static_cast<std::size_t>(o)];
    results.push_back(slot.kind == K::output ? v : v.clone());
  }
}

NEURON_INLINE PreparedPlan::PreparedPlan(Plan plan, std::vector<Tensor> weights)
    : plan_(std::move(plan)), weights_(std::move(weights)), pool_(plan_) {
  prepare_plan_steps(plan_, weights_);
}

NEURON_INLINE void PreparedPlan::run(const std::vector<Tensor>& inputs,
                                     const std::vector<ScalarValue>& scalars,
                                     std::vector<Tensor>& results) const {
  run_plan(plan_, weights_, inputs, scalars, pool_, results);
}

NEURON_INLINE std::vector<Tensor> PreparedPlan::run(const std::vector<Tensor>& inputs,
                                                    const std::vector<ScalarValue>& scalars) const {
  std::vector<Tensor> results;
  run(inputs, scalars, results);
  return results;
}

}  // namespace neuron
