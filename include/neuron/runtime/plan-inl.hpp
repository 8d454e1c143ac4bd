#pragma once

#include "plan.hpp"

#include <algorithm>
#include <iterator>
#include <limits>
#include <map>
#include <utility>

namespace neuron {

NEURON_INLINE const char* slot_kind_name(PlanSlot::Kind k) {
  switch (k) {
    case PlanSlot::Kind::input:
      return "input";
    case PlanSlot::Kind::weight:
      return "weight";
    case PlanSlot::Kind::arena:
      return "arena";
    case PlanSlot::Kind::output:
      return "output";
  }
  return "?";
}

NEURON_INLINE std::int64_t spec_bytes(const TensorSpec& s) {
  return s.shape.numel() * static_cast<std::int64_t>(dtype_size(s.dtype));
}

NEURON_INLINE std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  return __builtin_add_overflow(a, b, &r) ? std::numeric_limits<std::int64_t>::max() : r;
}

NEURON_INLINE std::string spec_str(const TensorSpec& s) {
  return s.shape.str() + " " + std::string(dtype_name(s.dtype));
}

namespace detail {
[[noreturn]] NEURON_INLINE void bad_plan(const std::string& where, const std::string& what) {
  throw FormatError(where + ": " + what);
}
}  // namespace detail

NEURON_INLINE void validate_plan(const Plan& p, const std::vector<TensorSpec>& weights,
                                 const std::string& where) {
  using K = PlanSlot::Kind;
  const int n = static_cast<int>(p.slots.size());
  auto slot_ref = [&](int s, const std::string& what) {
    if (s < 0 || s >= n)
      detail::bad_plan(where, what + " refers to slot " + std::to_string(s) + ", but there are " +
                                  std::to_string(n) + " slots");
  };
  if (p.arena_bytes < 0 || p.arena_bytes % 64 != 0)
    detail::bad_plan(where, "arena size " + std::to_string(p.arena_bytes) +
                                " is not a non-negative multiple of 64");
  std::vector<int> seen_input(p.inputs.size(), 0);
  std::vector<bool> defined(p.slots.size(), false);
  for (int s = 0; s < n; ++s) {
    const PlanSlot& slot = p.slots[static_cast<std::size_t>(s)];
    const std::string what = "slot " + std::to_string(s);
    if (slot.kind == K::input) {
      if (slot.index < 0 || slot.index >= static_cast<int>(p.inputs.size()))
        detail::bad_plan(where, what + " is input " + std::to_string(slot.index) +
                                    ", but there are " + std::to_string(p.inputs.size()) +
                                    " inputs");
      if (!(slot.spec == p.inputs[static_cast<std::size_t>(slot.index)]))
        detail::bad_plan(where, what + ": spec differs from input " + std::to_string(slot.index));
      if (seen_input[static_cast<std::size_t>(slot.index)]++)
        detail::bad_plan(where, "input " + std::to_string(slot.index) + " is bound to two slots");
      defined[static_cast<std::size_t>(s)] = true;
    } else if (slot.kind == K::weight) {
      if (slot.index < 0 || slot.index >= static_cast<int>(weights.size()))
        detail::bad_plan(where, what + " is weight " + std::to_string(slot.index) +
                                    ", but there are " + std::to_string(weights.size()) +
                                    " weights");
      const TensorSpec& w = weights[static_cast<std::size_t>(slot.index)];
      if (!(slot.spec == w))
        detail::bad_plan(where, what + " expects weight " + std::to_string(slot.index) + " as " +
                                    spec_str(slot.spec) + ", the file holds " + spec_str(w));
      defined[static_cast<std::size_t>(s)] = true;
    } else if (slot.kind == K::arena) {
      const std::int64_t bytes = spec_bytes(slot.spec);
      if (slot.offset < 0 || slot.offset % 64 != 0 || slot.offset > p.arena_bytes ||
          bytes > p.arena_bytes - slot.offset)
        detail::bad_plan(where, what + " (" + std::to_string(bytes) + " bytes at offset " +
                                    std::to_string(slot.offset) + ") does not fit the arena of " +
                                    std::to_string(p.arena_bytes) + " bytes, 64-byte aligned");
    }
  }
  // The arena is no larger than all its values side by side (so a file cannot ask for more).
  std::int64_t all_values = 0;
  for (const PlanSlot& slot : p.slots)
    if (slot.kind == K::arena)
      all_values = saturating_add(all_values, (spec_bytes(slot.spec) + 63) / 64 * 64);
  if (p.arena_bytes > all_values)
    detail::bad_plan(where, "arena of " + std::to_string(p.arena_bytes) +
                                " bytes is larger than all its values together (" +
                                std::to_string(all_values) + " bytes)");
  // Steps in order: inputs defined before use (which also rules out cycles), outputs defined once.
  std::vector<int> def_step(p.slots.size(), -1), last_use(p.slots.size(), -1);
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const PlanStep& st = p.steps[i];
    const std::string what =
        "node " + std::to_string(i) + " (" + (st.op ? st.op->name() : "?") + ")";
    if (!st.op) detail::bad_plan(where, what + " has no op");
    std::vector<TensorSpec> in;
    for (int s : st.inputs) {
      slot_ref(s, what + " input");
      if (!defined[static_cast<std::size_t>(s)])
        detail::bad_plan(where, what + " reads slot " + std::to_string(s) +
                                    " before any node computes it (out of order or cyclic)");
      in.push_back(p.slots[static_cast<std::size_t>(s)].spec);
      last_use[static_cast<std::size_t>(s)] = static_cast<int>(i);
    }
    slot_ref(st.output, what + " output");
    const PlanSlot& out = p.slots[static_cast<std::size_t>(st.output)];
    if (out.kind != K::arena && out.kind != K::output)
      detail::bad_plan(where, what + " writes slot " + std::to_string(st.output) +
                                  ", which is an " + slot_kind_name(out.kind));
    if (defined[static_cast<std::size_t>(st.output)])
      detail::bad_plan(where, what + " writes slot " + std::to_string(st.output) +
                                  ", which is already computed");
    if (st.scalar_offset >= 0) {  // read from the call's runtime scalars
      if (!st.scalars.empty() || p.scalar_count < 0 ||
          st.scalar_offset > p.scalar_count - st.op->scalar_count())
        detail::bad_plan(where, what + " reads runtime scalars " +
                                    std::to_string(st.scalar_offset) + ".." +
                                    std::to_string(st.scalar_offset + st.op->scalar_count()) +
                                    " of the " + std::to_string(p.scalar_count) + " a call passes");
    } else if (static_cast<int>(st.scalars.size()) != st.op->scalar_count()) {
      detail::bad_plan(where, what + " has " + std::to_string(st.scalars.size()) +
                                  " scalars, the op takes " +
                                  std::to_string(st.op->scalar_count()));
    }
    TensorSpec got;
    try {
      got = st.op->infer(in);
    } catch (const Error& e) {
      detail::bad_plan(where, what + ": " + e.what());
    }
    if (!(got == out.spec))
      detail::bad_plan(
          where, what + " computes " + spec_str(got) + " but its slot holds " + spec_str(out.spec));
    defined[static_cast<std::size_t>(st.output)] = true;
    def_step[static_cast<std::size_t>(st.output)] = static_cast<int>(i);
  }
  if (p.outputs.empty()) detail::bad_plan(where, "the plan has no outputs");
  // Every buffer a call allocates is computed and used: no slot asks for memory for nothing.
  std::vector<bool> is_output(p.slots.size(), false);
  for (int o : p.outputs)
    if (o >= 0 && o < n) is_output[static_cast<std::size_t>(o)] = true;
  for (int s = 0; s < n; ++s) {
    const PlanSlot& slot = p.slots[static_cast<std::size_t>(s)];
    if ((slot.kind == K::arena || slot.kind == K::output) && !defined[static_cast<std::size_t>(s)])
      detail::bad_plan(where, std::string(slot_kind_name(slot.kind)) + " slot " +
                                  std::to_string(s) + " is never computed");
    if (slot.kind == K::output && !is_output[static_cast<std::size_t>(s)])
      detail::bad_plan(where, "output slot " + std::to_string(s) + " is not among the outputs");
  }
  for (int o : p.outputs) {
    slot_ref(o, "an output");
    if (!defined[static_cast<std::size_t>(o)])
      detail::bad_plan(where, "output slot " + std::to_string(o) + " is never computed");
    if (p.slots[static_cast<std::size_t>(o)].kind == K::arena)
      detail::bad_plan(where, "output slot " + std::to_string(o) +
                                  " lives in the arena, which the next call reuses");
  }
  // Live arena slots must not overlap: sweep the steps, keeping the live regions by offset.
  std::vector<std::vector<int>> born(p.steps.size()), dies(p.steps.size());
  for (int s = 0; s < n; ++s) {
    if (p.slots[static_cast<std::size_t>(s)].kind != K::arena) continue;
    const int d = def_step[static_cast<std::size_t>(s)];
    if (d < 0) continue;
    born[static_cast<std::size_t>(d)].push_back(s);
    dies[static_cast<std::size_t>(std::max(d, last_use[static_cast<std::size_t>(s)]))].push_back(s);
  }
  std::map<std::int64_t, std::pair<std::int64_t, int>> live;  // offset -> (end, slot)
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    for (int s : born[i]) {
      const PlanSlot& slot = p.slots[static_cast<std::size_t>(s)];
      const std::int64_t b = slot.offset, e = slot.offset + spec_bytes(slot.spec);
      if (e == b) continue;
      auto next = live.lower_bound(b);
      bool clash = next != live.end() && next->first < e;
      if (next != live.begin() && std::prev(next)->second.first > b) clash = true;
      if (clash)
        detail::bad_plan(where, "arena slot " + std::to_string(s) +
                                    " overlaps another value that is still in use");
      live[b] = {e, s};
    }
    for (int s : dies[i]) {
      auto it = live.find(p.slots[static_cast<std::size_t>(s)].offset);
      if (it != live.end() && it->second.second == s) live.erase(it);
    }
  }
}

}  // namespace neuron
