#pragma once

#include "padding.hpp"

#include <algorithm>
#include <map>

namespace neuron {

namespace detail {

// Padded dims that have met in one op, as groups (union-find over PadSetup::padded).
class PadGroups {
 public:
  explicit PadGroups(std::size_t n) : parent_(n) {
    for (std::size_t i = 0; i < n; ++i) parent_[i] = static_cast<int>(i);
  }
  int find(int i) {
    while (parent_[static_cast<std::size_t>(i)] != i)
      i = parent_[static_cast<std::size_t>(i)] =
          parent_[static_cast<std::size_t>(parent_[static_cast<std::size_t>(i)])];
    return i;
  }
  void unite(int a, int b) { parent_[static_cast<std::size_t>(find(a))] = find(b); }
  std::size_t size() const { return parent_.size(); }

 private:
  std::vector<int> parent_;
};

inline int pad_source_index(const std::vector<DimSource>& padded, const DimSource& s) {
  auto it = std::find(padded.begin(), padded.end(), s);
  return it == padded.end() ? -1 : static_cast<int>(it - padded.begin());
}

inline std::string describe_sources(const std::vector<DimSource>& src) {
  std::string out;
  for (const DimSource& d : src)
    out += (out.empty() ? "" : ", ") + std::string("input ") + std::to_string(d.input) + " dim " +
           std::to_string(d.dim);
  return out;
}

}  // namespace detail

NEURON_INLINE void PadFindings::merge(const PadFindings& other) {
  if (min_extents.size() < other.min_extents.size()) min_extents.resize(other.min_extents.size());
  for (std::size_t i = 0; i < other.min_extents.size(); ++i)
    min_extents[i] = std::max(min_extents[i], other.min_extents[i]);
  for (const auto& group : other.tied) {
    // Joins with every group it shares a dim with.
    std::vector<DimSource> merged = group;
    std::vector<std::vector<DimSource>> rest;
    for (auto& g : tied) {
      bool shares = false;
      for (const DimSource& s : g)
        shares = shares || std::find(merged.begin(), merged.end(), s) != merged.end();
      if (!shares) {
        rest.push_back(std::move(g));
        continue;
      }
      for (const DimSource& s : g)
        if (std::find(merged.begin(), merged.end(), s) == merged.end()) merged.push_back(s);
    }
    rest.push_back(std::move(merged));
    tied = std::move(rest);
  }
}

NEURON_INLINE PadFindings track_padding(Plan& p, const PadSetup& setup,
                                        const std::vector<const Tensor*>& constants,
                                        const std::vector<PaddedConstant>& padded_constants) {
  using Labels = std::vector<std::vector<DimSource>>;  // per dim: the padded input dims it follows
  const std::vector<DimSource>& padded = setup.padded;
  detail::PadGroups groups(padded.size());
  std::vector<Labels> label(p.slots.size());
  std::vector<std::vector<PadFill>> fill(p.slots.size());
  for (std::size_t s = 0; s < p.slots.size(); ++s) {
    label[s].resize(static_cast<std::size_t>(p.slots[s].spec.shape.rank()));
    fill[s].resize(static_cast<std::size_t>(p.slots[s].spec.shape.rank()));
  }
  // Adds `src` to a dim's labels; labels that meet in one dim form one group.
  auto add_label = [&](std::vector<DimSource>& dst, const DimSource& src) {
    if (std::find(dst.begin(), dst.end(), src) != dst.end()) return;
    const int i = detail::pad_source_index(padded, src);
    if (!dst.empty() && i >= 0) {
      const int j = detail::pad_source_index(padded, dst[0]);
      if (j >= 0) groups.unite(i, j);
    }
    dst.push_back(src);
  };
  for (std::size_t s = 0; s < p.slots.size(); ++s) {
    const PlanSlot& slot = p.slots[s];
    if (slot.kind != PlanSlot::Kind::input) continue;
    const std::size_t in = static_cast<std::size_t>(slot.index);
    const double value = in < setup.pad_values.size() ? setup.pad_values[in] : 0.0;
    for (const DimSource& d : padded)
      if (d.input == slot.index && d.dim < slot.spec.shape.rank()) {
        add_label(label[s][static_cast<std::size_t>(d.dim)], d);
        fill[s][static_cast<std::size_t>(d.dim)] = PadFill::of(stored_as(value, slot.spec.dtype));
      }
  }
  for (const PaddedConstant& c : padded_constants) {
    const std::size_t s = static_cast<std::size_t>(c.slot);
    if (s >= p.slots.size()) continue;
    for (std::size_t d = 0; d < c.follows.size() && d < label[s].size(); ++d) {
      for (const DimSource& src : c.follows[d]) add_label(label[s][d], src);
      if (d < c.fills.size()) fill[s][d] = c.fills[d];
    }
  }

  PadFindings found;
  found.min_extents.assign(padded.size(), 0);
  for (std::size_t i = 0; i < p.steps.size(); ++i) {
    const PlanStep& st = p.steps[i];
    std::vector<TensorSpec> in;
    std::vector<const Tensor*> data;
    std::vector<std::vector<PadCheck::Dim>> dims;
    for (int s : st.inputs) {
      const std::size_t su = static_cast<std::size_t>(s);
      in.push_back(p.slots[su].spec);
      data.push_back(su < constants.size() ? constants[su] : nullptr);
      std::vector<PadCheck::Dim> ds(label[su].size());
      for (std::size_t d = 0; d < ds.size(); ++d) {
        if (label[su][d].empty()) continue;
        ds[d].padded = true;
        ds[d].fill = fill[su][d];
        ds[d].min_real = setup.min_real;
        const int idx = detail::pad_source_index(padded, label[su][d][0]);
        ds[d].group = idx >= 0 ? groups.find(idx) : -1;
      }
      dims.push_back(std::move(ds));
    }
    const TensorSpec& out = p.slots[static_cast<std::size_t>(st.output)].spec;
    const DimFlow flow = st.op->dim_flow(in, out);
    auto flow_of = [&](std::size_t k, std::size_t d) {
      return k < flow.in.size() && d < flow.in[k].size() ? flow.in[k][d] : DimFlow::kLost;
    };
    auto followed = [&](std::size_t k, std::size_t d) {
      const int to = flow_of(k, d);
      return to >= 0 && to < out.shape.rank() && out.shape[to] == in[k].shape[static_cast<int>(d)];
    };
    std::vector<bool> out_padded(static_cast<std::size_t>(out.shape.rank()), false);
    for (std::size_t k = 0; k < in.size(); ++k)
      for (std::size_t d = 0; d < dims[k].size(); ++d)
        if (dims[k][d].padded && followed(k, d))
          out_padded[static_cast<std::size_t>(flow_of(k, d))] = true;
    PadCheck check(in, out, flow, st.scalars.data(), std::move(dims), std::move(data),
                   std::move(out_padded));
    st.op->pad_rule(check);

    Labels& out_label = label[static_cast<std::size_t>(st.output)];
    for (std::size_t k = 0; k < st.inputs.size(); ++k) {
      const Labels& l = label[static_cast<std::size_t>(st.inputs[k])];
      for (std::size_t d = 0; d < l.size(); ++d) {
        if (l[d].empty()) continue;
        const int di = static_cast<int>(d);
        if (followed(k, d)) {
          for (const DimSource& src : l[d])
            add_label(out_label[static_cast<std::size_t>(flow_of(k, d))], src);
          continue;
        }
        const int to = flow_of(k, d);
        const PadCheck::Use& use = check.use(k, di);
        if (!setup.chunked) {
          auto goes_to = [&](int o) {
            return o >= 0 && o < out.shape.rank() && out.shape[o] == in[k].shape[di];
          };
          if (to == DimFlow::kMixed && use.verdict == PadCheck::Verdict::identity) {
            if (goes_to(use.to))
              for (const DimSource& src : l[d])
                add_label(out_label[static_cast<std::size_t>(use.to)], src);
            continue;
          }
          if (use.verdict == PadCheck::Verdict::cut) {
            for (const DimSource& src : l[d]) {
              const int idx = detail::pad_source_index(padded, src);
              if (idx >= 0)
                found.min_extents[static_cast<std::size_t>(idx)] =
                    std::max(found.min_extents[static_cast<std::size_t>(idx)], use.extent);
            }
            continue;
          }
          if (use.verdict == PadCheck::Verdict::keep && goes_to(use.to)) {
            for (const DimSource& src : l[d])
              add_label(out_label[static_cast<std::size_t>(use.to)], src);
            continue;
          }
        }
        const std::string where =
            setup.mode + ": " + st.op->name() + " (node " + std::to_string(i) + ") ";
        const std::string what = "dim " + std::to_string(d) + " of its input " + std::to_string(k) +
                                 " " + in[k].shape.str() + ", which carries the padding of " +
                                 detail::describe_sources(l[d]);
        const std::string chunks =
            "; " + setup.mode +
            " runs the batch in chunks of the traced batch, so no op may mix, cut or reorder "
            "values along it";
        if (to == DimFlow::kMixed) {
          std::string why =
              setup.chunked ? chunks
              : use.why.empty()
                  ? "; padding would change the results. Trace without padding (one shape per "
                    "trace) instead"
                  : "; " + use.why + "; padding would change the results otherwise";
          if (!setup.chunked)
            why =
                ", whose padded entries hold " + pad_fill_str(check.fill(k, di), in[k].dtype) + why;
          throw_error<ValueError>(where, "mixes values along ", what, why);
        }
        throw_error<ValueError>(where, "does not keep whole ", what,
                                ", so the padding cannot be followed to the outputs",
                                setup.chunked     ? chunks
                                : use.why.empty() ? ""
                                                  : " (" + use.why + ")");
      }
    }
    std::vector<PadFill>& out_fill = fill[static_cast<std::size_t>(st.output)];
    for (std::size_t d = 0; d < out_label.size(); ++d)
      if (!out_label[d].empty()) out_fill[d] = check.out_fill(static_cast<int>(d));
  }
  p.output_sources.clear();
  for (int o : p.outputs) p.output_sources.push_back(label[static_cast<std::size_t>(o)]);
  std::map<int, std::vector<DimSource>> by_group;
  for (std::size_t i = 0; i < padded.size(); ++i)
    by_group[groups.find(static_cast<int>(i))].push_back(padded[i]);
  for (auto& [root, members] : by_group)
    if (members.size() > 1) found.tied.push_back(std::move(members));
  return found;
}

}  // namespace neuron
