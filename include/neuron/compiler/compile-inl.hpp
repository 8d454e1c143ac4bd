#pragma once

#include "cnn_passes.hpp"
#include "compile.hpp"
#include "memory_plan.hpp"

#include <algorithm>
#include <map>
#include <tuple>

namespace neuron {

NEURON_INLINE std::vector<int> eliminate_common_subexpressions(const Graph& g) {
  std::vector<int> rep(g.entries.size());
  std::map<std::tuple<Hash128, std::vector<int>>, std::vector<int>> seen;
  for (std::size_t i = 0; i < g.entries.size(); ++i) {
    const GraphEntry& e = g.entries[i];
    rep[i] = static_cast<int>(i);
    // Device data are distinct inputs; ops with runtime scalars may differ in value.
    if (e.node->is_data() || e.node->op->scalar_count() > 0) continue;
    std::vector<int> ins;
    for (int in : e.inputs) ins.push_back(rep[static_cast<std::size_t>(in)]);
    auto& candidates = seen[{e.node->local, ins}];
    for (int c : candidates)
      if (g.entries[static_cast<std::size_t>(c)].node->op->same_as(*e.node->op)) {
        rep[i] = c;
        break;
      }
    if (rep[i] == static_cast<int>(i)) candidates.push_back(static_cast<int>(i));
  }
  return rep;
}

NEURON_INLINE std::vector<bool> live_entries(const Graph& g, const std::vector<int>& rep) {
  std::vector<bool> live(g.entries.size(), false);
  std::vector<int> work;
  for (int o : g.outputs) work.push_back(rep[static_cast<std::size_t>(o)]);
  while (!work.empty()) {
    int i = work.back();
    work.pop_back();
    if (live[static_cast<std::size_t>(i)]) continue;
    live[static_cast<std::size_t>(i)] = true;
    for (int in : g.entries[static_cast<std::size_t>(i)].inputs)
      work.push_back(rep[static_cast<std::size_t>(in)]);
  }
  return live;
}

NEURON_INLINE std::shared_ptr<Executable> lower(const Graph& g, const CompileOptions& options) {
  std::vector<int> rep(g.entries.size());
  if (options.cse)
    rep = eliminate_common_subexpressions(g);
  else
    for (std::size_t i = 0; i < rep.size(); ++i) rep[i] = static_cast<int>(i);
  std::vector<bool> live = live_entries(g, rep);

  auto exe = std::make_shared<Executable>();
  std::vector<int> slot_of(g.entries.size(), -1);
  // Inputs keep their positions (every graph input is a slot, used or not, so binding is
  // positional).
  for (std::size_t i = 0; i < g.entries.size(); ++i)
    if (g.entries[i].node->is_data()) {
      slot_of[i] = g.entries[i].input_index;
      exe->slots.resize(std::max(exe->slots.size(), static_cast<std::size_t>(slot_of[i] + 1)));
      exe->slots[static_cast<std::size_t>(slot_of[i])] = g.entries[i].node->spec;
    }
  exe->input_count = static_cast<int>(g.inputs.size());
  exe->slots.resize(static_cast<std::size_t>(exe->input_count));
  for (std::size_t i = 0; i < g.entries.size(); ++i) {
    const GraphEntry& e = g.entries[i];
    if (e.node->is_data() || !live[i] || rep[i] != static_cast<int>(i)) continue;
    Step s;
    s.op = e.node->op;
    for (int in : e.inputs)
      s.inputs.push_back(slot_of[static_cast<std::size_t>(rep[static_cast<std::size_t>(in)])]);
    s.output = static_cast<int>(exe->slots.size());
    s.scalar_offset = e.scalar_offset;
    exe->slots.push_back(e.node->spec);
    slot_of[i] = s.output;
    exe->steps.push_back(std::move(s));
  }
  for (int o : g.outputs)
    exe->outputs.push_back(slot_of[static_cast<std::size_t>(rep[static_cast<std::size_t>(o)])]);
  exe->scalar_count = static_cast<int>(g.scalars.size());
  return exe;
}

NEURON_INLINE void optimize_executable(Executable& exe, const CompileOptions& options) {
  optimize_cnn_executable(exe, options.fuse_conv_epilogues, options.channels_last,
                          options.fuse_linear_epilogues, options.fuse_add_layer_norm);
  plan_memory(exe);  // intermediates in one reused arena, as in traced plans
  exe.finalize();
}

NEURON_INLINE std::shared_ptr<Executable> compile(const Graph& g, const CompileOptions& options) {
  std::shared_ptr<Executable> exe = lower(g, options);
  optimize_executable(*exe, options);
  return exe;
}

}  // namespace neuron
