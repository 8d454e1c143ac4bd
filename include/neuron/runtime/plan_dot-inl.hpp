#pragma once

#include "plan_dot.hpp"

#include <sstream>
#include <string>
#include <vector>

#include "plan-inl.hpp"
#include "traced_module-inl.hpp"

namespace neuron {

namespace detail {
NEURON_INLINE std::string dot_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}
}  // namespace detail

NEURON_INLINE std::string TracedModule::to_dot() const {
  const ModuleData& d = data();
  std::ostringstream o;
  o << "digraph neuron {\n  rankdir=TB;\n  node [fontname=\"Helvetica\", fontsize=10];\n";
  for (std::size_t b = 0; b < d.plans.size(); ++b) {
    const Plan& p = d.plans[b];
    const std::string pre = "p" + std::to_string(b) + "_";
    o << "  subgraph cluster_" << b << " {\n    label=\"" << trace_mode_name(d.mode);
    if (d.plans.size() > 1) o << " bucket " << b;
    o << ": arena " << p.arena_bytes << " B\";\n";
    std::vector<std::string> name(p.slots.size());
    for (std::size_t s = 0; s < p.slots.size(); ++s) {
      const PlanSlot& slot = p.slots[s];
      const std::string spec = spec_str(slot.spec);
      if (slot.kind == PlanSlot::Kind::input) {
        name[s] = pre + "s" + std::to_string(s);
        o << "    " << name[s]
          << " [shape=ellipse, style=filled, fillcolor=\"#d0e8ff\", label=\"input " << slot.index
          << "\\n"
          << spec << "\"];\n";
      } else if (slot.kind == PlanSlot::Kind::weight) {
        name[s] = pre + "s" + std::to_string(s);
        o << "    " << name[s] << " [shape=note, style=filled, fillcolor=\"#eeeeee\", label=\""
          << detail::dot_escape(d.weight_names[static_cast<std::size_t>(slot.index)]) << "\\n"
          << spec << "\"];\n";
      }
    }
    for (std::size_t i = 0; i < p.steps.size(); ++i) {
      const PlanStep& st = p.steps[i];
      const PlanSlot& out = p.slots[static_cast<std::size_t>(st.output)];
      const std::string n = pre + "n" + std::to_string(i);
      o << "    " << n << " [shape=box, label=\"" << detail::dot_escape(st.op->name()) << "\\n"
        << out.spec.shape.str() << " " << dtype_name(out.spec.dtype) << "\"];\n";
      for (int in : st.inputs)
        o << "    " << name[static_cast<std::size_t>(in)] << " -> " << n << ";\n";
      name[static_cast<std::size_t>(st.output)] = n;
    }
    for (std::size_t k = 0; k < p.outputs.size(); ++k) {
      const std::string n = pre + "out" + std::to_string(k);
      o << "    " << n << " [shape=ellipse, style=filled, fillcolor=\"#d8f5d0\", label=\"output "
        << k << "\"];\n    " << name[static_cast<std::size_t>(p.outputs[k])] << " -> " << n
        << ";\n";
    }
    o << "  }\n";
  }
  o << "}\n";
  return o.str();
}

}  // namespace neuron
