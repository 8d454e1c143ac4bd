// Pad fills: what the padded entries of a value hold, and the rules by which an op may mix them.
//
// trace_buckets pads some input dims at their end (up to a bucket's size), dynamic_batch pads the
// batch of its last chunk. compiler/padding.hpp follows the padded dims through a plan with each
// op's dim flow (dim_flow.hpp) and tracks, per value and per dim that carries padding, one PadFill:
// what the entries hold whose index along that dim is padded and whose index along every other
// padded dim is real. Those are exactly the padded entries an op that mixes along the dim sees at a
// real position.
//
//   known(c)  every such entry is c (a double, so -inf, +inf and NaN too; bool is 0 or 1)
//   unknown   values the analysis cannot know. They are assumed to be finite: the analysis proves
//             nothing about data (an exp that overflows, a softmax row whose every entry is -inf),
//             and such values at padded positions are the model's risk, as they are at real ones.
//
// A padded input starts as known(its pad value). An op may mix a padded dim (a reduction, a
// contraction, a softmax) when the padded entries are its identity there: 0 for a sum or a
// contraction, -inf for a max or a softmax, 1 for a product. An op states its rule with an optional
// member (like dim_flow, so one op stays one struct)
//   void pad_rule(PadCheck& c) const;
// that reads what its inputs' padded entries hold and records, for each padded input dim its dim
// flow mixes (kMixed) or does not keep whole (kLost), why padding cannot change its result at real
// positions, or what it would need; and what its output's padded entries hold. Whatever an op does
// not vouch for is refused, and an op without a rule has unknown padded entries.
//
// Elementwise ops need no rule: their own function is run on known entries (so where(true, -inf, x)
// is -inf and cast(true) is 1 exactly as the kernels compute them). For unknown operands an
// elementwise op may name values that decide its result alone, with an optional member
//   PadFill pad_fill(const ElementwiseTypes& t, const PadFill* in) const;   // x * 0 = 0, x + -inf
// where in[k] holds operand k converted to t.in[k], and at least one operand is unknown.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "dim_flow.hpp"
#include "op_base.hpp"

namespace neuron {

struct PadFill {
  bool known = false;
  double value = 0;  // when known

  static PadFill of(double v) { return {true, v}; }
  static PadFill unknown() { return {}; }
  // Known and equal to v (NaN equals NaN here: a fill is a set of bit patterns, not arithmetic).
  bool is(double v) const { return known && (value == v || (value != value && v != v)); }
  // Unknown (assumed finite) or a known finite value.
  bool finite() const { return !known || std::isfinite(value); }
  friend bool operator==(const PadFill& a, const PadFill& b) {
    return a.known == b.known && (!a.known || a.is(b.value));
  }
  friend bool operator!=(const PadFill& a, const PadFill& b) { return !(a == b); }
};

// The same fill if a and b agree, else unknown.
inline PadFill join(const PadFill& a, const PadFill& b) { return a == b ? a : PadFill::unknown(); }

// "0", "-inf", "true", "unknown values": how a message names what padded entries hold.
std::string pad_fill_str(const PadFill& f, DType dtype);

// v as `dtype` stores it, read back (float32 rounding, bool 0 or 1, integers truncated).
double stored_as(double v, DType dtype);

// The identity of max / min in `dtype`: -inf / +inf for floats, the integer limits, 0 / 1 for bool.
double lowest_of(DType dtype);
double highest_of(DType dtype);

// One op's view of the padding at its inputs, filled by the analysis, answered by the op's rule.
class PadCheck {
 public:
  struct Dim {
    bool padded = false;
    PadFill fill;               // what its padded entries hold, when padded
    std::int64_t min_real = 0;  // its leading entries that are real in every call
    int group = -1;             // dims of one group have the same real extent in every call
  };
  // What the op says about one padded input dim that its flow mixes or does not keep whole.
  enum class Verdict {
    refused,   // (the default) padding could change the result
    identity,  // mixed, but the padded entries are the op's identity along it; when `to` is an
               // output dim, the padding goes on there (softmax keeps its dim)
    cut,       // only its first `extent` entries are read, and they are real in every call
    keep,      // the dim goes on as output dim `to`: an entry at a real position depends only on
               // entries at real positions (cumsum, triu), so the padding stays at the end
  };
  struct Use {
    Verdict verdict = Verdict::refused;
    int to = -1;
    std::int64_t extent = 0;
    std::string why;  // refused: what the op would need, or why it never can
  };

  PadCheck(const std::vector<TensorSpec>& in, const TensorSpec& out, const DimFlow& flow,
           const ScalarValue* scalars, std::vector<std::vector<Dim>> dims,
           std::vector<const Tensor*> constants, std::vector<bool> out_padded);

  const std::vector<TensorSpec>& in;
  const TensorSpec& out;
  const DimFlow& flow;
  const ScalarValue* scalars;  // the step's runtime scalars

  const Dim& dim(std::size_t k, int d) const;
  bool padded(std::size_t k, int d) const { return dim(k, d).padded; }
  // Both dims are padded and have the same real extent in every call.
  bool alike(std::size_t k1, int d1, std::size_t k2, int d2) const {
    return padded(k1, d1) && padded(k2, d2) && dim(k1, d1).group == dim(k2, d2).group;
  }
  const PadFill& fill(std::size_t k, int d) const { return dim(k, d).fill; }
  // Where input k's dim d goes (dim_flow): an output dim, kMixed or kLost.
  int flow_of(std::size_t k, int d) const;
  // Output dim d carries padding that the flow brought there.
  bool out_padded(int d) const;
  // Input k's values when they are a constant of the plan (a weight), else nullptr.
  const Tensor* constant(std::size_t k) const;
  // known(c) when input k is a constant whose every entry is c, else unknown.
  PadFill uniform(std::size_t k) const;

  void identity(std::size_t k, int d, int to = -1);
  void cut(std::size_t k, int d, std::int64_t extent);
  void keep(std::size_t k, int d, int to);
  void need(std::size_t k, int d, std::string why);
  void set_out(int d, const PadFill& f);

  const Use& use(std::size_t k, int d) const;
  // What output dim d's padded entries hold (unknown unless the rule said otherwise).
  const PadFill& out_fill(int d) const;

 private:
  std::vector<std::vector<Dim>> dims_;
  std::vector<const Tensor*> constants_;
  std::vector<bool> out_padded_;
  std::vector<std::vector<Use>> use_;
  std::vector<PadFill> out_fill_;
};

// Rules several ops share.

// Layout ops (reshape, permute, slice along other dims, concat along other dims): each output
// dim's padded entries are those of the input dim it comes from (joined over inputs; only input
// `only` when it is >= 0).
void pad_rule_follow(PadCheck& c, int only = -1);

// Reductions: each padded dim of input 0 that the flow mixes is accepted when its padded entries
// hold `identity`; otherwise refused with "it needs <need>". Reducing two padded dims in one op
// is refused: it would read the entries padded along both, which no fill describes (the diagonal
// of eye(L) is 0 along each dim's fill and 1 in the corner).
void pad_rule_identity(PadCheck& c, double identity, const std::string& need);

// Contractions (matmul, linear): input a's dim da is summed against input b's dim db. Padding
// along them is harmless when one side's padded entries are 0 and the other side's are finite.
void pad_rule_contract(PadCheck& c, std::size_t a, int da, std::size_t b, int db);

// Reads along input k's padded dim d that end at entry `last` (slice, a constant index_select):
// cut there when those entries are real in every call, else refused; `reads` says what is read
// ("it reads entries up to index", "its index reaches entry").
void pad_rule_read_upto(PadCheck& c, std::size_t k, int d, std::int64_t last,
                        const std::string& reads);

// Attention, softmax(q k^T * scale + mask) v, along the key dim: the hook for a fused attention op
// (scaled_dot_product_attention), whose pad_rule calls this with its operand numbers and dims. The
// key dim (k's key_dim_k, v's key_dim_v) may be padded when the mask's padded entries along it,
// mask_key_dim, hold `masked` (the additive mask's -inf, or the bool value that excludes a key)
// and v's padded rows are finite; the queries follow (dim_flow), their padded rows unknown. A
// causal mask alone is not enough: queries and keys may come from inputs of different lengths.
struct AttentionPadArgs {
  std::size_t k = 1, v = 2;  // input numbers of keys and values
  int key_dim_k = -1, key_dim_v = -1;
  int mask = -1;  // input number of the mask, or -1 without one
  int mask_key_dim = -1;
  double masked = -std::numeric_limits<double>::infinity();
};
void pad_rule_attention(PadCheck& c, const AttentionPadArgs& a);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "pad_fill-inl.hpp"
#endif
