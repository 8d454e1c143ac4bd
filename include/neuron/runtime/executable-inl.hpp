#pragma once

#include "executable.hpp"

namespace neuron {

NEURON_INLINE std::vector<Tensor> Executable::run(const std::vector<Tensor>& inputs,
                                                  const std::vector<ScalarValue>& scalars) const {
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
  std::vector<Tensor> values(slots.size());
  for (int i = 0; i < input_count; ++i)
    values[static_cast<std::size_t>(i)] = inputs[static_cast<std::size_t>(i)];
  std::vector<Tensor> args;
  for (std::size_t s = 0; s < steps.size(); ++s) {
    const Step& step = steps[s];
    args.clear();
    for (int in : step.inputs) args.push_back(values[static_cast<std::size_t>(in)]);
    const TensorSpec& spec = slots[static_cast<std::size_t>(step.output)];
    Tensor out = Tensor::empty(spec.shape, spec.dtype);
    step.op->run(args, scalars.data() + step.scalar_offset, out);
    values[static_cast<std::size_t>(step.output)] = std::move(out);
    for (int dead : release_after_[s]) values[static_cast<std::size_t>(dead)] = Tensor();
  }
  std::vector<Tensor> result;
  for (int o : outputs) result.push_back(values[static_cast<std::size_t>(o)]);
  return result;
}

NEURON_INLINE void Executable::finalize() {
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
    if (!keep[slot] && last[slot] >= 0)
      release_after_[static_cast<std::size_t>(last[slot])].push_back(static_cast<int>(slot));
}

}  // namespace neuron
