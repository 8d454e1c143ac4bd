#pragma once

#include "padding.hpp"

#include <algorithm>

namespace neuron {

NEURON_INLINE void track_padding(Plan& p, const std::vector<DimSource>& padded,
                                 const std::string& mode) {
  using Labels = std::vector<std::vector<DimSource>>;  // per dim: the padded input dims it follows
  std::vector<Labels> label(p.slots.size());
  for (std::size_t s = 0; s < p.slots.size(); ++s)
    label[s].resize(static_cast<std::size_t>(p.slots[s].spec.shape.rank()));
  for (std::size_t s = 0; s < p.slots.size(); ++s) {
    const PlanSlot& slot = p.slots[s];
    if (slot.kind != PlanSlot::Kind::input) continue;
    for (const DimSource& d : padded)
      if (d.input == slot.index) label[s][static_cast<std::size_t>(d.dim)].push_back(d);
  }
  auto describe = [](const std::vector<DimSource>& src) {
    std::string out;
    for (const DimSource& d : src)
      out += (out.empty() ? "" : ", ") + std::string("input ") + std::to_string(d.input) + " dim " +
             std::to_string(d.dim);
    return out;
  };
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const PlanStep& st = p.steps[i];
    std::vector<TensorSpec> in;
    for (int s : st.inputs) in.push_back(p.slots[static_cast<std::size_t>(s)].spec);
    const TensorSpec& out = p.slots[static_cast<std::size_t>(st.output)].spec;
    DimFlow flow = st.op->dim_flow(in, out);
    Labels& out_label = label[static_cast<std::size_t>(st.output)];
    for (std::size_t k = 0; k < st.inputs.size(); ++k) {
      const Labels& l = label[static_cast<std::size_t>(st.inputs[k])];
      for (std::size_t d = 0; d < l.size(); ++d) {
        if (l[d].empty()) continue;
        const int to = k < flow.in.size() && d < flow.in[k].size() ? flow.in[k][d] : DimFlow::kLost;
        const std::string where =
            mode + ": " + st.op->name() + " (node " + std::to_string(i) + ") ";
        const std::string what = "dim " + std::to_string(d) + " of its input " + std::to_string(k) +
                                 " " + in[k].shape.str() + ", which carries the padding of " +
                                 describe(l[d]);
        if (to == DimFlow::kMixed)
          throw_error<ValueError>(where, "mixes values along ", what,
                                  "; padding would change the results. Trace without padding "
                                  "(one shape per trace) instead");
        if (to < 0 || to >= out.shape.rank() || out.shape[to] != in[k].shape[static_cast<int>(d)])
          throw_error<ValueError>(where, "does not keep whole ", what,
                                  ", so the padding cannot be followed to the outputs");
        for (const DimSource& src : l[d]) {
          auto& dst = out_label[static_cast<std::size_t>(to)];
          if (std::find(dst.begin(), dst.end(), src) == dst.end()) dst.push_back(src);
        }
      }
    }
  }
  p.output_sources.clear();
  for (int o : p.outputs) p.output_sources.push_back(label[static_cast<std::size_t>(o)]);
}

}  // namespace neuron
