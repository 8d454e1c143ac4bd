#pragma once

#include "compile.hpp"
#include "memory_plan.hpp"
#include "optimize.hpp"

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

NEURON_INLINE Plan lower(const Graph& g, const CompileOptions& options) {
  std::vector<int> rep(g.entries.size());
  if (options.cse)
    rep = eliminate_common_subexpressions(g);
  else
    for (std::size_t i = 0; i < rep.size(); ++i) rep[i] = static_cast<int>(i);
  std::vector<bool> live = live_entries(g, rep);

  using K = PlanSlot::Kind;
  Plan p;
  std::vector<int> slot_of(g.entries.size(), -1);
  p.slots.resize(g.inputs.size());
  for (std::size_t i = 0; i < g.entries.size(); ++i) {
    const GraphEntry& e = g.entries[i];
    if (!e.node->is_data()) continue;
    if (e.input_index < 0 || e.input_index >= static_cast<int>(p.slots.size()))
      throw_error<ValueError>("lower: data entry ", i, " is input ", e.input_index, " of ",
                              p.slots.size());
    slot_of[i] = e.input_index;
    PlanSlot& s = p.slots[static_cast<std::size_t>(e.input_index)];
    s.kind = K::input;
    s.index = e.input_index;
    s.spec = e.node->spec;
  }
  for (const PlanSlot& s : p.slots) p.inputs.push_back(s.spec);
  for (std::size_t i = 0; i < g.entries.size(); ++i) {
    const GraphEntry& e = g.entries[i];
    if (e.node->is_data() || !live[i] || rep[i] != static_cast<int>(i)) continue;
    PlanStep st;
    st.op = e.node->op;
    for (int in : e.inputs)
      st.inputs.push_back(slot_of[static_cast<std::size_t>(rep[static_cast<std::size_t>(in)])]);
    st.output = static_cast<int>(p.slots.size());
    if (st.op->scalar_count() > 0) st.scalar_offset = e.scalar_offset;
    PlanSlot out;
    out.kind = K::arena;
    out.spec = e.node->spec;
    p.slots.push_back(out);
    slot_of[i] = st.output;
    p.steps.push_back(std::move(st));
  }
  for (int o : g.outputs) {
    const int slot = slot_of[static_cast<std::size_t>(rep[static_cast<std::size_t>(o)])];
    if (p.slots[static_cast<std::size_t>(slot)].kind == K::arena)
      p.slots[static_cast<std::size_t>(slot)].kind = K::output;
    p.outputs.push_back(slot);
  }
  p.scalar_count = static_cast<int>(g.scalars.size());
  return p;
}

NEURON_INLINE std::shared_ptr<PreparedPlan> compile(const Graph& g, const CompileOptions& options) {
  Plan p = lower(g, options);
  optimize(p, options);
  plan_memory(p);  // intermediates in one reused arena
  return std::make_shared<PreparedPlan>(std::move(p));
}

}  // namespace neuron
