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

}  // namespace neuron
