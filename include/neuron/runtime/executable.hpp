// Executable: a compiled graph as a linear plan of kernel calls over numbered buffers (slots).
// Slots 0..inputs-1 are the inputs; each step writes one slot; intermediates are released after
// their last use. Depends only on tensors and ops, so the compiler makes it and the runtime (or a
// deployment binary) runs it.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops/any_op.hpp"
#include "executor.hpp"

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
  // The same, with the outputs written to `results` (cleared first; its capacity is reused).
  void run(const std::vector<Tensor>& inputs, const std::vector<ScalarValue>& scalars,
           std::vector<Tensor>& results) const;

  // Where the compiler placed intermediates in one scratch arena (memory_plan.hpp): per slot, a
  // byte offset, or -1 for a slot the allocator gives per run (inputs, outputs). Empty: no arena.
  std::vector<std::int64_t> arena_offsets;
  std::int64_t arena_bytes = 0;

  // Makes backend primitives, the arena pool and the slots' release points (call once the plan is
  // complete, and again after changing it).
  void finalize();

  std::size_t op_count() const { return steps.size(); }

 private:
  bool in_arena(int slot) const {
    return !arena_offsets.empty() && arena_offsets[static_cast<std::size_t>(slot)] >= 0;
  }
  std::vector<std::vector<int>> release_after_;
  // Scratch arenas, one per concurrent run, each with a view per arena slot made once; shared by
  // copies of this executable, which have the same layout.
  std::shared_ptr<ArenaPool> arenas_;
};

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "executable-inl.hpp"
#endif
