// Padding analysis for trace_buckets and dynamic_batch: follows the padded input dims through a
// plan with each op's dim flow (ops/dim_flow.hpp), and what their padded entries hold with each
// op's pad rule (ops/pad_fill.hpp). Records which output dims carry padding (the module slices it
// off), and refuses, naming the op, the node, the dim, what its padded entries hold and what the
// op would need there, any op that would mix padded values into real ones or lose track of them.
//
// trace_buckets pads at the end of each padded dim, and a call runs in one piece: an op may mix a
// padded dim whose padded entries are its identity, read only leading entries that are real in
// every call, or order values along it (cumsum). dynamic_batch cuts the batch into chunks that run
// on their own, so there no op may mix, cut or order values along the batch, whatever they hold.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../ops/pad_fill.hpp"
#include "../runtime/plan.hpp"

namespace neuron {

// What a mode pads, and what it knows about it.
struct PadSetup {
  std::string mode;                // "trace_buckets" or "dynamic_batch", named in errors
  std::vector<DimSource> padded;   // the padded input dims
  std::vector<double> pad_values;  // per input: what its padded entries get
  bool chunked = false;            // dynamic_batch: see above
  // Leading entries of every padded dim that are real in every call. trace_buckets: 1 (a module
  // whose plans rely on it refuses empty inputs, see PadFindings::min_extents).
  std::int64_t min_real = 1;
};

// A constant of a plan whose dims follow padded dims (position ids made from arange(L), a causal
// mask triu(full({L, L}, -inf), 1)): found by comparing the plans of several sizes
// (pad_constants.hpp).
struct PaddedConstant {
  int slot = 0;
  std::vector<std::vector<DimSource>> follows;  // per dim: the padded input dims it follows
  std::vector<PadFill> fills;                   // per dim: what its padded entries hold
};

// What a module's padding relies on when it runs.
struct PadFindings {
  // Padded dims whose values meet in one op (a mask and the ids it masks): a call must give them
  // the same real extent, or padding would line up entries that eager mode would not.
  std::vector<std::vector<DimSource>> tied;
  // Per padded dim (in PadSetup::padded order): entries every call must have, because a plan
  // reads that many leading entries as real ones (a slice of token 0 needs 1).
  std::vector<std::int64_t> min_extents;

  void merge(const PadFindings& other);
};

// Follows the padding through plan `p` and fills its output_sources. `constants[slot]` is the
// data of each weight slot (nullptr for the others); `padded_constants` are the plan's constants
// whose dims follow padded dims.
PadFindings track_padding(Plan& p, const PadSetup& setup,
                          const std::vector<const Tensor*>& constants,
                          const std::vector<PaddedConstant>& padded_constants);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "padding-inl.hpp"
#endif
