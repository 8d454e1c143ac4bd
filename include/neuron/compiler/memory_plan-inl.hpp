#pragma once

#include "memory_plan.hpp"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace neuron {

NEURON_INLINE void plan_memory(Plan& p) {
  struct Value {
    int slot;
    std::int64_t bytes;
    int first, last;
  };
  std::vector<int> first(p.slots.size(), -1), last(p.slots.size(), -1);
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    for (int in : p.steps[i].inputs) last[static_cast<std::size_t>(in)] = static_cast<int>(i);
    first[static_cast<std::size_t>(p.steps[i].output)] = static_cast<int>(i);
  }
  std::vector<Value> values;
  for (std::size_t s = 0; s < p.slots.size(); ++s) {
    if (p.slots[s].kind != PlanSlot::Kind::arena) continue;
    const std::int64_t bytes = (spec_bytes(p.slots[s].spec) + 63) / 64 * 64;
    values.push_back({static_cast<int>(s), bytes, first[s], std::max(first[s], last[s])});
  }
  std::stable_sort(values.begin(), values.end(),
                   [](const Value& a, const Value& b) { return a.bytes > b.bytes; });
  std::vector<std::pair<std::int64_t, std::int64_t>> taken;  // [begin, end) of overlapping values
  std::vector<Value> placed;
  std::vector<std::int64_t> offset_of(p.slots.size(), 0);
  p.arena_bytes = 0;
  for (const Value& v : values) {
    taken.clear();
    for (const Value& q : placed)
      if (q.first <= v.last && v.first <= q.last)
        taken.emplace_back(offset_of[static_cast<std::size_t>(q.slot)],
                           offset_of[static_cast<std::size_t>(q.slot)] + q.bytes);
    std::sort(taken.begin(), taken.end());
    std::int64_t at = 0;
    for (const auto& [b, e] : taken) {
      if (at + v.bytes <= b) break;
      at = std::max(at, e);
    }
    offset_of[static_cast<std::size_t>(v.slot)] = at;
    p.slots[static_cast<std::size_t>(v.slot)].offset = at;
    p.arena_bytes = std::max(p.arena_bytes, at + v.bytes);
    placed.push_back(v);
  }
}

NEURON_INLINE void plan_memory(Executable& exe) {
  using K = PlanSlot::Kind;
  Plan p;
  p.slots.resize(exe.slots.size());
  std::vector<int> writes(exe.slots.size(), 0);
  std::vector<bool> read_early(exe.slots.size(), false);
  for (const Step& st : exe.steps) {
    for (int in : st.inputs)
      if (writes[static_cast<std::size_t>(in)] == 0)
        read_early[static_cast<std::size_t>(in)] = true;
    ++writes[static_cast<std::size_t>(st.output)];
  }
  for (std::size_t s = 0; s < p.slots.size(); ++s) {
    p.slots[s].spec = exe.slots[s];
    const bool placed = static_cast<int>(s) >= exe.input_count && writes[s] == 1 && !read_early[s];
    p.slots[s].kind = placed ? K::arena : K::input;
  }
  for (int o : exe.outputs) p.slots[static_cast<std::size_t>(o)].kind = K::output;
  for (const Step& st : exe.steps) {
    PlanStep ps;
    ps.inputs = st.inputs;
    ps.output = st.output;
    p.steps.push_back(std::move(ps));
  }
  plan_memory(p);
  exe.arena_offsets.assign(exe.slots.size(), -1);
  for (std::size_t s = 0; s < p.slots.size(); ++s)
    if (p.slots[s].kind == K::arena) exe.arena_offsets[s] = p.slots[s].offset;
  exe.arena_bytes = p.arena_bytes;
}

}  // namespace neuron
