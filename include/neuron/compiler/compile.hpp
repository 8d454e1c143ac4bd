// Compiler v1: dead-code elimination and common-subexpression elimination on a graph, then
// lowering to an Executable. (Fusion, memory planning and prepacking come with the performance
// work; the plan format already has numbered slots for them.)
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "../core/config.hpp"
#include "../graph/graph.hpp"
#include "../runtime/executable.hpp"

namespace neuron {

struct CompileOptions {
  bool cse = true;
  // CNN passes (cnn_passes.hpp). Folding batch norm needs constant weights: traced plans only.
  // The other two also run on lazy executables, after the lowered form is stored in the disk
  // cache, so they are not part of its key.
  bool fold_batch_norm = true;
  bool fuse_conv_epilogues = true;
  bool channels_last = true;
  // linear + activation / residual add as one fused_linear (cnn_passes.hpp); like the two above,
  // it also runs on lazy executables.
  bool fuse_linear_epilogues = true;
  // a sum -> layer_norm as one add_layer_norm (cnn_passes.hpp); also on lazy executables.
  bool fuse_add_layer_norm = true;
  // Traced plans only, before the passes above (import_passes.hpp): constant-weight matmul
  // (+ bias) as linear, and chains of fused elementwise steps as one step (then torch.onnx's erf
  // GELU as gelu), so that imported models (one op per ONNX node) compile as the DSL's
  // expressions do.
  bool matmul_as_linear = true;
  bool fuse_elementwise_chains = true;
  // Part of every cache key: executables compiled with other options are other executables.
  std::string key() const { return std::string("cse=") + (cse ? "1" : "0"); }
};

// Per entry: the entry that replaces it (itself unless CSE merged it away).
std::vector<int> eliminate_common_subexpressions(const Graph& g);

// Entries needed by the outputs (after replacement).
std::vector<bool> live_entries(const Graph& g, const std::vector<int>& rep);

// The graph as an executable's steps (CSE, DCE, lowering), not yet optimised or finalised.
std::shared_ptr<Executable> lower(const Graph& g, const CompileOptions& options = {});

// The passes that need no constant weights (conv epilogues, channels-last layouts) on a lowered
// executable, then Executable::finalize() (backend primitives made once per step).
void optimize_executable(Executable& exe, const CompileOptions& options);

// lower + optimize_executable: what lazy mode runs.
std::shared_ptr<Executable> compile(const Graph& g, const CompileOptions& options = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "compile-inl.hpp"
#endif
