#pragma once

#include "pad_constants.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace neuron {

namespace detail {

// Calls f(index) for every multi-index of `s`, in row-major order.
template <class F>
void for_each_index(const Shape& s, F&& f) {
  const int r = s.rank();
  for (int k = 0; k < r; ++k)
    if (s[k] == 0) return;
  std::vector<std::int64_t> idx(static_cast<std::size_t>(r), 0);
  while (true) {
    f(static_cast<const std::vector<std::int64_t>&>(idx));
    int k = r - 1;
    for (; k >= 0; --k) {
      if (++idx[static_cast<std::size_t>(k)] < s[k]) break;
      idx[static_cast<std::size_t>(k)] = 0;
    }
    if (k < 0) return;
  }
}

// The bytes of entry `idx` of a contiguous tensor.
inline const unsigned char* entry_at(const Tensor& t, const std::vector<std::int64_t>& idx) {
  std::int64_t off = 0;
  for (int k = 0; k < t.rank(); ++k) off = off * t.shape()[k] + idx[static_cast<std::size_t>(k)];
  return static_cast<const unsigned char*>(t.raw_data()) +
         static_cast<std::size_t>(off) * dtype_size(t.dtype());
}

// `big` cut to `small`'s extents equals `small`, byte for byte.
inline bool is_prefix_of(const Tensor& small, const Tensor& big) {
  const std::size_t es = dtype_size(small.dtype());
  bool same = true;
  for_each_index(small.shape(), [&](const std::vector<std::int64_t>& idx) {
    same = same && std::memcmp(entry_at(small, idx), entry_at(big, idx), es) == 0;
  });
  return same;
}

// Every slice of `t` along the dims `along` equals its first one.
inline bool same_along(const Tensor& t, const std::vector<int>& along) {
  const std::size_t es = dtype_size(t.dtype());
  bool same = true;
  std::vector<std::int64_t> first;
  for_each_index(t.shape(), [&](const std::vector<std::int64_t>& idx) {
    first = idx;
    for (int j : along) first[static_cast<std::size_t>(j)] = 0;
    same = same && std::memcmp(entry_at(t, idx), entry_at(t, first), es) == 0;
  });
  return same;
}

// What the padded entries of constant `t` hold along each dim that follows padded dims: the
// entries whose index along it is padded for some real extent r of a call (index >= r), while
// their index along each dim padded alike (following the same dims) is real (< r). Dims padded
// otherwise may have any real extent, so any index of theirs counts.
inline std::vector<PadFill> constant_fills(const Tensor& t,
                                           const std::vector<std::vector<DimSource>>& follows) {
  const int r = t.rank();
  std::vector<PadFill> fills(static_cast<std::size_t>(r));
  for (int j = 0; j < r; ++j) {
    const std::vector<DimSource>& fj = follows[static_cast<std::size_t>(j)];
    if (fj.empty()) continue;
    std::vector<int> alike;
    for (int m = 0; m < r; ++m)
      if (m != j && follows[static_cast<std::size_t>(m)] == fj) alike.push_back(m);
    bool any = false, one = true;
    double first = 0;
    for_each_index(t.shape(), [&](const std::vector<std::int64_t>& idx) {
      if (!one) return;
      std::int64_t top = 0;  // the smallest r with every alike index real
      for (int m : alike) top = std::max(top, idx[static_cast<std::size_t>(m)] + 1);
      if (idx[static_cast<std::size_t>(j)] < std::max<std::int64_t>(top, 1)) return;
      double v = 0;
      convert_buffer(entry_at(t, idx), t.dtype(), &v, float64, 1);
      if (!any) {
        first = v;
        any = true;
      } else if (!PadFill::of(first).is(v)) {
        one = false;
      }
    });
    fills[static_cast<std::size_t>(j)] = any && one ? PadFill::of(first) : PadFill::unknown();
  }
  return fills;
}

}  // namespace detail

NEURON_INLINE bool same_structure(const Plan& a, const Plan& b) {
  if (a.steps.size() != b.steps.size() || a.slots.size() != b.slots.size()) return false;
  for (std::size_t i = 0; i < a.steps.size(); ++i)
    if (a.steps[i].op->name() != b.steps[i].op->name() ||
        a.steps[i].scalars.size() != b.steps[i].scalars.size() ||
        a.steps[i].inputs != b.steps[i].inputs || a.steps[i].output != b.steps[i].output)
      return false;
  for (std::size_t s = 0; s < a.slots.size(); ++s)
    if (a.slots[s].kind != b.slots[s].kind) return false;
  return true;
}

NEURON_INLINE std::vector<std::vector<PaddedConstant>> match_padded_constants(
    const std::vector<PlanConstants>& plans, const PadSetup& setup) {
  std::vector<std::vector<PaddedConstant>> found(plans.size());
  if (plans.size() < 2) return found;
  for (std::size_t b = 1; b < plans.size(); ++b)
    if (!same_structure(*plans[0].plan, *plans[b].plan)) return found;
  const std::string& mode = setup.mode;
  auto weight = [&](std::size_t b, std::size_t s) -> const Tensor& {
    return (*plans[b].weights)[static_cast<std::size_t>(plans[b].plan->slots[s].index)];
  };
  auto weight_name = [&](std::size_t b, std::size_t s) -> const std::string& {
    return (*plans[b].names)[static_cast<std::size_t>(plans[b].plan->slots[s].index)];
  };
  // The size of padded dim `src` in plan b.
  auto size_of = [&](std::size_t b, const DimSource& src) {
    return plans[b].plan->inputs[static_cast<std::size_t>(src.input)].shape[src.dim];
  };
  const std::size_t n = plans.size();
  for (std::size_t s = 0; s < plans[0].plan->slots.size(); ++s) {
    if (plans[0].plan->slots[s].kind != PlanSlot::Kind::weight) continue;
    std::size_t other = 0;  // a plan whose constant differs from plan 0's
    for (std::size_t b = 1; b < n && !other; ++b)
      if (weight_name(b, s) != weight_name(0, s)) other = b;
    if (!other) continue;
    const Tensor& c0 = weight(0, s);
    const std::string slot = " (slot " + std::to_string(s) + ")";
    std::vector<std::vector<DimSource>> follows(static_cast<std::size_t>(c0.rank()));
    bool follows_any = false;
    for (std::size_t b = 1; b < n; ++b) {
      const Tensor& cb = weight(b, s);
      if (cb.rank() != c0.rank() || cb.dtype() != c0.dtype())
        throw_error<ValueError>(mode, ": the constant ", spec_str(spec_of(c0)), slot, " of ",
                                plans[0].name, " is ", spec_str(spec_of(cb)), " in ", plans[b].name,
                                detail::kSizeDependenceAdvice);
    }
    for (int j = 0; j < c0.rank(); ++j) {
      bool varies = false;
      for (std::size_t b = 1; b < n; ++b)
        varies = varies || weight(b, s).shape()[j] != c0.shape()[j];
      if (!varies) continue;
      for (const DimSource& src : setup.padded) {
        bool same = true;
        for (std::size_t b = 0; b < n; ++b)
          same = same && size_of(b, src) == weight(b, s).shape()[j];
        if (same) follows[static_cast<std::size_t>(j)].push_back(src);
      }
      if (follows[static_cast<std::size_t>(j)].empty()) {
        std::size_t b = 1;
        while (weight(b, s).shape()[j] == c0.shape()[j]) ++b;
        throw_error<ValueError>(mode, ": the constant ", spec_str(spec_of(c0)), slot, " has ",
                                c0.shape()[j], " entries along dim ", j, " in ", plans[0].name,
                                " and ", weight(b, s).shape()[j], " in ", plans[b].name,
                                ", which follows no padded dim", detail::kSizeDependenceAdvice);
      }
      follows_any = true;
    }
    if (!follows_any)
      throw_error<ValueError>(mode, ": the constant ", spec_str(spec_of(c0)), slot,
                              " has other values in ", plans[0].name, " than in ",
                              plans[other].name, detail::kSizeDependenceAdvice,
                              " (a constant drawn at random while tracing differs too)");
    std::vector<int> along;
    for (int j = 0; j < c0.rank(); ++j)
      if (!follows[static_cast<std::size_t>(j)].empty()) along.push_back(j);
    if (setup.chunked) {
      for (std::size_t b = 0; b < n; ++b)
        if (!detail::same_along(weight(b, s), along))
          throw_error<ValueError>(
              mode, ": the constant ", spec_str(spec_of(weight(b, s))), slot, " of ", plans[b].name,
              " follows the batch along dim ", along[0], " but differs between its slices there; ",
              mode, " runs the batch in chunks, and each chunk would read it from its first slice",
              detail::kSizeDependenceAdvice);
    }
    // Sizes grow with the plans: each constant must extend every smaller plan's.
    for (std::size_t b = 1; b < n; ++b)
      for (std::size_t a = 0; a < b; ++a)
        if (!detail::is_prefix_of(weight(a, s), weight(b, s)))
          throw_error<ValueError>(
              mode, ": the constant ", spec_str(spec_of(weight(b, s))), slot, " of ", plans[b].name,
              " follows a padded size along dim ", along[0], ", but cut to ", plans[a].name,
              "'s extent ", weight(a, s).shape().str(),
              " it differs from that plan's own, so padding would change entries at real "
              "positions",
              detail::kSizeDependenceAdvice);
    for (std::size_t b = 0; b < n; ++b)
      found[b].push_back(
          {static_cast<int>(s), follows, detail::constant_fills(weight(b, s), follows)});
  }
  return found;
}

}  // namespace neuron
