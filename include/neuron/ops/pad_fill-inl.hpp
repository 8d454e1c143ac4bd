// Definitions of pad_fill.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <sstream>
#include <utility>

#include "dim_flow-inl.hpp"
#include "pad_fill.hpp"

namespace neuron {

NEURON_INLINE std::string pad_fill_str(const PadFill& f, DType dtype) {
  if (!f.known) return "unknown values";
  if (dtype == bool_) return f.value != 0 ? "true" : "false";
  if (std::isnan(f.value)) return "nan";
  if (std::isinf(f.value)) return f.value > 0 ? "inf" : "-inf";
  std::ostringstream s;
  s << f.value;
  return s.str();
}

NEURON_INLINE double stored_as(double v, DType dtype) {
  alignas(8) unsigned char buf[8] = {};
  convert_buffer(&v, float64, buf, dtype, 1);
  double back = 0;
  convert_buffer(buf, dtype, &back, float64, 1);
  return back;
}

NEURON_INLINE double lowest_of(DType dtype) {
  switch (dtype) {
    case float32:
    case float64:
      return -std::numeric_limits<double>::infinity();
    case int32:
      return std::numeric_limits<std::int32_t>::min();
    case int64:
      return static_cast<double>(std::numeric_limits<std::int64_t>::min());
    case bool_:
      return 0;
  }
  return -std::numeric_limits<double>::infinity();
}

NEURON_INLINE double highest_of(DType dtype) {
  switch (dtype) {
    case float32:
    case float64:
      return std::numeric_limits<double>::infinity();
    case int32:
      return std::numeric_limits<std::int32_t>::max();
    case int64:  // 2^63 - 1 has no double: the nearest one, 2^63, is what an int64 max reads as
      return static_cast<double>(std::numeric_limits<std::int64_t>::max());
    case bool_:
      return 1;
  }
  return std::numeric_limits<double>::infinity();
}

NEURON_INLINE PadCheck::PadCheck(const std::vector<TensorSpec>& in_, const TensorSpec& out_,
                                 const DimFlow& flow_, const ScalarValue* scalars_,
                                 std::vector<std::vector<Dim>> dims,
                                 std::vector<const Tensor*> constants, std::vector<bool> out_padded)
    : in(in_),
      out(out_),
      flow(flow_),
      scalars(scalars_),
      dims_(std::move(dims)),
      constants_(std::move(constants)),
      out_padded_(std::move(out_padded)) {
  dims_.resize(in.size());
  use_.resize(in.size());
  for (std::size_t k = 0; k < in.size(); ++k) {
    dims_[k].resize(static_cast<std::size_t>(in[k].shape.rank()));
    use_[k].resize(static_cast<std::size_t>(in[k].shape.rank()));
  }
  constants_.resize(in.size(), nullptr);
  out_padded_.resize(static_cast<std::size_t>(out.shape.rank()), false);
  out_fill_.resize(static_cast<std::size_t>(out.shape.rank()));
}

NEURON_INLINE const PadCheck::Dim& PadCheck::dim(std::size_t k, int d) const {
  static const Dim none;
  if (k >= dims_.size() || d < 0 || d >= static_cast<int>(dims_[k].size())) return none;
  return dims_[k][static_cast<std::size_t>(d)];
}

NEURON_INLINE int PadCheck::flow_of(std::size_t k, int d) const {
  if (k >= flow.in.size() || d < 0 || d >= static_cast<int>(flow.in[k].size()))
    return DimFlow::kLost;
  return flow.in[k][static_cast<std::size_t>(d)];
}

NEURON_INLINE bool PadCheck::out_padded(int d) const {
  return d >= 0 && d < static_cast<int>(out_padded_.size()) &&
         out_padded_[static_cast<std::size_t>(d)];
}

NEURON_INLINE const Tensor* PadCheck::constant(std::size_t k) const {
  return k < constants_.size() ? constants_[k] : nullptr;
}

NEURON_INLINE PadFill PadCheck::uniform(std::size_t k) const {
  const Tensor* t = constant(k);
  if (!t || t->numel() == 0) return PadFill::unknown();
  const std::size_t es = dtype_size(t->dtype());
  const auto* p = static_cast<const unsigned char*>(t->raw_data());
  for (std::int64_t i = 1; i < t->numel(); ++i)  // bytes: stops at the first difference
    if (std::memcmp(p, p + static_cast<std::size_t>(i) * es, es) != 0) return PadFill::unknown();
  double v = 0;
  convert_buffer(p, t->dtype(), &v, float64, 1);
  return PadFill::of(v);
}

NEURON_INLINE void PadCheck::identity(std::size_t k, int d, int to) {
  if (k < use_.size() && d >= 0 && d < static_cast<int>(use_[k].size()))
    use_[k][static_cast<std::size_t>(d)] = {Verdict::identity, to, 0, {}};
}
NEURON_INLINE void PadCheck::cut(std::size_t k, int d, std::int64_t extent) {
  if (k < use_.size() && d >= 0 && d < static_cast<int>(use_[k].size()))
    use_[k][static_cast<std::size_t>(d)] = {Verdict::cut, -1, extent, {}};
}
NEURON_INLINE void PadCheck::keep(std::size_t k, int d, int to) {
  if (k < use_.size() && d >= 0 && d < static_cast<int>(use_[k].size()))
    use_[k][static_cast<std::size_t>(d)] = {Verdict::keep, to, 0, {}};
}
NEURON_INLINE void PadCheck::need(std::size_t k, int d, std::string why) {
  if (k < use_.size() && d >= 0 && d < static_cast<int>(use_[k].size()))
    use_[k][static_cast<std::size_t>(d)] = {Verdict::refused, -1, 0, std::move(why)};
}
NEURON_INLINE void PadCheck::set_out(int d, const PadFill& f) {
  if (d >= 0 && d < static_cast<int>(out_fill_.size())) out_fill_[static_cast<std::size_t>(d)] = f;
}

NEURON_INLINE const PadCheck::Use& PadCheck::use(std::size_t k, int d) const {
  static const Use none;
  if (k >= use_.size() || d < 0 || d >= static_cast<int>(use_[k].size())) return none;
  return use_[k][static_cast<std::size_t>(d)];
}

NEURON_INLINE const PadFill& PadCheck::out_fill(int d) const {
  static const PadFill none;
  if (d < 0 || d >= static_cast<int>(out_fill_.size())) return none;
  return out_fill_[static_cast<std::size_t>(d)];
}

NEURON_INLINE void pad_rule_follow(PadCheck& c, int only) {
  std::vector<bool> seen(static_cast<std::size_t>(c.out.shape.rank()), false);
  for (std::size_t k = 0; k < c.in.size(); ++k)
    for (int d = 0; d < c.in[k].shape.rank(); ++d) {
      if (only >= 0 && k != static_cast<std::size_t>(only)) break;
      const int to = c.flow_of(k, d);
      if (!c.padded(k, d) || to < 0 || !c.out_padded(to)) continue;
      const std::size_t t = static_cast<std::size_t>(to);
      c.set_out(to, seen[t] ? join(c.out_fill(to), c.fill(k, d)) : c.fill(k, d));
      seen[t] = true;
    }
}

NEURON_INLINE void pad_rule_identity(PadCheck& c, double identity, const std::string& need) {
  const int rank = c.in.empty() ? 0 : c.in[0].shape.rank();
  int mixed = 0;
  for (int d = 0; d < rank; ++d) mixed += c.padded(0, d) && c.flow_of(0, d) == DimFlow::kMixed;
  for (int d = 0; d < rank; ++d) {
    if (!c.padded(0, d) || c.flow_of(0, d) != DimFlow::kMixed) continue;
    if (mixed > 1)  // the entries padded along several dims at once are not tracked
      c.need(0, d,
             "it mixes " + std::to_string(mixed) +
                 " padded dims at once, and what the entries padded along all of them hold is "
                 "not tracked; mix one padded dim per op");
    else if (c.fill(0, d).is(identity))
      c.identity(0, d);
    else
      c.need(0, d, "it needs " + need);
  }
}

NEURON_INLINE void pad_rule_contract(PadCheck& c, std::size_t a, int da, std::size_t b, int db) {
  if (a >= c.in.size() || b >= c.in.size()) return;
  const bool pa = c.padded(a, da), pb = c.padded(b, db);
  if (!pa && !pb) return;
  // A side's padded entries along the contracted dim; an unpadded side holds data there (finite).
  const PadFill fa = pa ? c.fill(a, da) : PadFill::unknown();
  const PadFill fb = pb ? c.fill(b, db) : PadFill::unknown();
  const bool harmless = (fa.is(0) && fb.finite()) || (fb.is(0) && fa.finite());
  const std::string why =
      "it needs 0 there on one side of the product (and finite values on the other): "
      "zero the padded entries first, e.g. with masked_fill(x, mask, 0) or a softmax over masked "
      "scores";
  for (auto [k, d, p] : {std::make_tuple(a, da, pa), std::make_tuple(b, db, pb)}) {
    if (!p) continue;
    if (harmless)
      c.identity(k, d);
    else
      c.need(k, d, why);
  }
}

NEURON_INLINE void pad_rule_read_upto(PadCheck& c, std::size_t k, int d, std::int64_t last,
                                      const std::string& reads) {
  const std::int64_t real = c.dim(k, d).min_real;
  if (last < real)
    c.cut(k, d, last + 1);
  else
    c.need(k, d,
           reads + " " + std::to_string(last) + ", but only the first " + std::to_string(real) +
               " are real in every call");
}

NEURON_INLINE void pad_rule_attention(PadCheck& c, const AttentionPadArgs& a) {
  const bool masked = a.mask >= 0 && c.padded(static_cast<std::size_t>(a.mask), a.mask_key_dim) &&
                      c.fill(static_cast<std::size_t>(a.mask), a.mask_key_dim).is(a.masked);
  const bool v_finite = !c.padded(a.v, a.key_dim_v) || c.fill(a.v, a.key_dim_v).finite();
  const std::string why =
      "it needs the attention mask's padded keys to be masked (a key padding mask padded with "
      "the value that masks a key)";
  auto judge = [&](std::size_t k, int d) {
    if (!c.padded(k, d) || c.flow_of(k, d) != DimFlow::kMixed) return;
    if (masked && v_finite)
      c.identity(k, d);
    else
      c.need(k, d, why);
  };
  judge(a.k, a.key_dim_k);
  judge(a.v, a.key_dim_v);
  if (a.mask >= 0) judge(static_cast<std::size_t>(a.mask), a.mask_key_dim);
}

}  // namespace neuron
