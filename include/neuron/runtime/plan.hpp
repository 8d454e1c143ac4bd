// Plan: a compiled graph with fixed shapes, ready to run without the compiler. Every value is a
// numbered slot: a caller's input, a weight, a region of one scratch arena (intermediates, placed
// by the memory planner so that values alive at the same time never share bytes), or an output
// (allocated per call, because it is returned). Steps run op kernels over slots, in order.
//
// validate_plan() checks a plan from an untrusted file before it is ever run: slot references,
// definition before use (so no cycles), every op's output spec against its inputs, arena bounds
// and alignment, and that no two live intermediates overlap.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops/any_op.hpp"

namespace neuron {

struct PlanSlot {
  enum class Kind { input, weight, arena, output };
  Kind kind = Kind::arena;
  TensorSpec spec;
  int index = 0;            // input: the caller's input number; weight: the weight number
  std::int64_t offset = 0;  // arena: byte offset, 64-byte aligned
};

const char* slot_kind_name(PlanSlot::Kind k);

// A step's runtime scalars (a scale, clamp bounds, a fill value) are either stored with it
// (`scalars`: traced plans, whose values were fixed when traced) or read from the values a call
// passes, from `scalar_offset` on (lazy plans: a new value runs the same plan, never a new
// compile). A step with scalars has exactly one of the two.
struct PlanStep {
  std::shared_ptr<const AnyOp> op;
  std::vector<int> inputs;  // slots
  int output = 0;           // slot
  std::vector<ScalarValue> scalars;
  int scalar_offset = -1;  // >= 0: the first of this step's scalars among a call's runtime scalars

  // Whether the op takes scalars at all (stored or passed at run time).
  bool has_scalars() const { return op->scalar_count() > 0; }
  // The values the kernel reads, given a call's runtime scalars.
  const ScalarValue* scalars_for(const ScalarValue* runtime) const {
    return scalar_offset >= 0 ? runtime + scalar_offset : scalars.data();
  }
};

// Where the values along an output dim came from, for slicing padding off (trace_buckets,
// dynamic_batch): input `input`'s dim `dim`.
struct DimSource {
  int input = 0;
  int dim = 0;
  friend bool operator==(const DimSource& a, const DimSource& b) {
    return a.input == b.input && a.dim == b.dim;
  }
};

struct Plan {
  std::vector<TensorSpec> inputs;  // the signature
  std::vector<PlanSlot> slots;
  std::vector<PlanStep> steps;
  std::vector<int> outputs;  // slots
  std::int64_t arena_bytes = 0;
  // Runtime scalars a call passes (lazy plans, PlanStep::scalar_offset); 0 for traced plans.
  int scalar_count = 0;
  // Per output, per dim: the padded input dims it follows (empty: none). Filled for padded modes.
  std::vector<std::vector<std::vector<DimSource>>> output_sources;

  TensorSpec output_spec(std::size_t i) const {
    return slots[static_cast<std::size_t>(outputs[i])].spec;
  }
};

std::int64_t spec_bytes(const TensorSpec& s);

// a + b for byte counts that may come from untrusted files: INT64_MAX instead of overflowing.
std::int64_t saturating_add(std::int64_t a, std::int64_t b);

std::string spec_str(const TensorSpec& s);

// Checks everything a kernel relies on. `weights` are the specs of the module's weights.
void validate_plan(const Plan& p, const std::vector<TensorSpec>& weights, const std::string& where);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "plan-inl.hpp"
#endif
