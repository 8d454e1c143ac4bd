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
  // Traced plans only (their weights are constants; cnn_passes.hpp). Lazy executables take
  // weights as inputs, so these do not apply to them and are not part of the cache key.
  bool fold_batch_norm = true;
  bool fuse_conv_epilogues = true;
  bool channels_last = true;
  // Part of every cache key: executables compiled with other options are other executables.
  std::string key() const { return std::string("cse=") + (cse ? "1" : "0"); }
};

// Per entry: the entry that replaces it (itself unless CSE merged it away).
std::vector<int> eliminate_common_subexpressions(const Graph& g);

// Entries needed by the outputs (after replacement).
std::vector<bool> live_entries(const Graph& g, const std::vector<int>& rep);

std::shared_ptr<Executable> compile(const Graph& g, const CompileOptions& options = {});

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "compile-inl.hpp"
#endif
