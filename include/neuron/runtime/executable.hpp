// Executable: a compiled graph as a linear plan of kernel calls over numbered buffers (slots).
// Slots 0..inputs-1 are the inputs; each step writes one slot; intermediates are released after
// their last use. Depends only on tensors and ops, so the compiler makes it and the runtime (or a
// deployment binary) runs it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops/any_op.hpp"

namespace neuron {

struct Step {
  std::shared_ptr<const AnyOp> op;
  std::vector<int> inputs;  // slots
  int output = 0;           // slot
  int scalar_offset = 0;    // first runtime scalar of this step
};

class Executable {
 public:
  std::vector<TensorSpec> slots;  // spec of every slot
  int input_count = 0;
  std::vector<Step> steps;
  std::vector<int> outputs;  // slots
  int scalar_count = 0;

  // Runs the plan. `inputs` are CPU tensors matching the input specs, `scalars` the runtime values.
  std::vector<Tensor> run(const std::vector<Tensor>& inputs,
                          const std::vector<ScalarValue>& scalars) const;

  // Computes when each intermediate slot can be released (call once the plan is complete).
  void finalize();

  std::size_t op_count() const { return steps.size(); }

 private:
  std::vector<std::vector<int>> release_after_;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "executable-inl.hpp"
#endif
