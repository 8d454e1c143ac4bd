#pragma once

#include "executable.hpp"

namespace neuron {

NEURON_INLINE std::vector<Tensor> Executable::run(const std::vector<Tensor>& inputs,
                                                  const std::vector<ScalarValue>& scalars) const {
  std::vector<Tensor> results;
  run(inputs, scalars, results);
  return results;
}

NEURON_INLINE void Executable::run(const std::vector<Tensor>& inputs,
                                   const std::vector<ScalarValue>& scalars,
                                   std::vector<Tensor>& results) const {
  if (static_cast<int>(inputs.size()) != input_count)
    throw_error<ValueError>("executable: expected ", input_count, " inputs, got ", inputs.size());
  if (static_cast<int>(scalars.size()) < scalar_count)
    throw_error<ValueError>("executable: expected ", scalar_count, " scalars, got ",
                            scalars.size());
  for (int i = 0; i < input_count; ++i)
    if (!(spec_of(inputs[static_cast<std::size_t>(i)]) == slots[static_cast<std::size_t>(i)]))
      throw_error<ShapeError>(
          "executable: input ", i, " is ", inputs[static_cast<std::size_t>(i)].shape(), " ",
          inputs[static_cast<std::size_t>(i)].dtype(), ", expected ",
          slots[static_cast<std::size_t>(i)].shape, " ", slots[static_cast<std::size_t>(i)].dtype);
  if (!arenas_) throw_error<ValueError>("executable: run before finalize()");
  ArenaPool::Lease lease = arenas_->acquire();
  Arena& a = *lease;
  // Between runs an arena keeps only its own views: the run's inputs, outputs and allocator slots
  // are let go even when a kernel throws.
  struct Reset {
    const Executable& exe;
    Arena& a;
    ~Reset() {
      a.args.clear();
      for (std::size_t s = 0; s < a.values.size(); ++s)
        if (!exe.in_arena(static_cast<int>(s))) a.values[s] = Tensor();
    }
  } reset{*this, a};
  for (int i = 0; i < input_count; ++i)
    a.values[static_cast<std::size_t>(i)] = inputs[static_cast<std::size_t>(i)];
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    a.args.clear();
    for (int in : step.inputs) a.args.push_back(a.values[static_cast<std::size_t>(in)]);
    Tensor& out = a.values[static_cast<std::size_t>(step.output)];
    if (!in_arena(step.output)) {
      const TensorSpec& spec = slots[static_cast<std::size_t>(step.output)];
      out = Tensor::empty(spec.shape, spec.dtype);
    }
    step.op->run(a.args, scalars.data() + step.scalar_offset, out);
    for (int dead : release_after_[s]) a.values[static_cast<std::size_t>(dead)] = Tensor();
  }
  results.clear();  // only now: `results` may be `inputs`
  results.reserve(outputs.size());
  for (int o : outputs) results.push_back(a.values[static_cast<std::size_t>(o)]);
}

NEURON_INLINE void Executable::finalize() {
  if (!arena_offsets.empty() && arena_offsets.size() != slots.size())
    throw_error<ValueError>("executable: ", arena_offsets.size(), " arena offsets for ",
                            slots.size(), " slots");
  // Backend primitives are made once per step here; weights are inputs of lazy graphs, so their
  // reordered copies come from the per-tensor cache at run time.
  for (Step& st : steps) {
    std::vector<TensorSpec> specs;
    for (int in : st.inputs) specs.push_back(slots[static_cast<std::size_t>(in)]);
    if (std::shared_ptr<const AnyOp> p =
            st.op->prepared(specs, std::vector<const Tensor*>(specs.size(), nullptr)))
      st.op = std::move(p);
  }
  std::vector<int> last(slots.size(), -1);
  for (std::size_t s = 0; s < steps.size(); ++s)
    for (int in : steps[s].inputs) last[static_cast<std::size_t>(in)] = static_cast<int>(s);
  std::vector<bool> keep(slots.size(), false);
  for (int o : outputs) keep[static_cast<std::size_t>(o)] = true;
  release_after_.assign(steps.size(), {});
  for (std::size_t slot = static_cast<std::size_t>(input_count); slot < slots.size(); ++slot)
    if (!keep[slot] && last[slot] >= 0 && !in_arena(static_cast<int>(slot)))
      release_after_[static_cast<std::size_t>(last[slot])].push_back(static_cast<int>(slot));
  // The arena's layout: a view per placed slot (ArenaPool makes them once per arena).
  std::vector<PlanSlot> layout(slots.size());
  for (std::size_t slot = 0; slot < slots.size(); ++slot) {
    layout[slot].spec = slots[slot];
    if (in_arena(static_cast<int>(slot))) {
      if (keep[slot] || static_cast<int>(slot) < input_count ||
          arena_offsets[slot] % static_cast<std::int64_t>(kAlignment) != 0 ||
          arena_offsets[slot] + spec_bytes(slots[slot]) > arena_bytes)
        throw_error<ValueError>("executable: slot ", slot, " cannot live in the arena");
      layout[slot].offset = arena_offsets[slot];
    } else {
      layout[slot].kind = PlanSlot::Kind::output;  // given by the allocator
    }
  }
  arenas_ = std::make_shared<ArenaPool>(arena_offsets.empty() ? 0 : arena_bytes, std::move(layout));
}

}  // namespace neuron
