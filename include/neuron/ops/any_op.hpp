// AnyOp: an op struct behind a virtual interface, so graphs, executables and files can hold any op
// without enums or switches. OpModel<Op> wraps a struct from the op list; expressions (expr/)
// provide their own fused model. Also the hook through which ops on lazy tensors are recorded.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <tuple>
#include <type_traits>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "dim_flow.hpp"
#include "op_base.hpp"
#include "pad_fill.hpp"

namespace neuron {

namespace attr {
// Appends a typed, unambiguous byte encoding of an attribute (for hashing and comparison).
inline void encode(std::string& out, std::int64_t v) {
  out += 'i';
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void encode(std::string& out, double v) {
  out += 'd';
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
inline void encode(std::string& out, bool v) { out += v ? 'T' : 'F'; }
inline void encode(std::string& out, DType v) {
  out += 't';
  out += static_cast<char>(v);
}
inline void encode(std::string& out, const std::vector<std::int64_t>& v) {
  out += 'v';
  encode(out, static_cast<std::int64_t>(v.size()));
  for (std::int64_t x : v) encode(out, x);
}
template <class Tuple>
void encode_all(std::string& out, const Tuple& t) {
  std::apply([&](const auto&... a) { (encode(out, a), ...); }, t);
}
template <class Tuple>
std::string encode_all(const Tuple& t) {
  std::string out;
  encode_all(out, t);
  return out;
}

// Whether two attributes have the same encoding (bitwise for doubles: -0.0 and 0.0 differ, a NaN
// equals itself), without encoding them.
template <class T>
bool same(const T& a, const T& b) {
  return a == b;
}
inline bool same(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }
template <class Tuple>
bool same_all(const Tuple& a, const Tuple& b) {
  return std::apply(
      [&](const auto&... x) {
        return std::apply([&](const auto&... y) { return (same(x, y) && ...); }, b);
      },
      a);
}

// JSON form of an attribute (files, disk caches), and back; from_json throws FormatError (or
// DTypeError for an unknown dtype name) when the value does not fit.
nlohmann::json to_json(std::int64_t v);
nlohmann::json to_json(double v);
nlohmann::json to_json(bool v);
nlohmann::json to_json(DType v);
nlohmann::json to_json(const std::vector<std::int64_t>& v);

void from_json(const nlohmann::json& j, std::int64_t& v);
void from_json(const nlohmann::json& j, double& v);
void from_json(const nlohmann::json& j, bool& v);
void from_json(const nlohmann::json& j, DType& v);
void from_json(const nlohmann::json& j, std::vector<std::int64_t>& v);
}  // namespace attr

class AnyOp {
 public:
  virtual ~AnyOp() = default;
  virtual std::string name() const = 0;
  // Structure: the op's identity and attributes as bytes (hashed into graph hashes).
  virtual std::string structure() const = 0;
  // Appends structure() to `out` (hashing on the lazy path: no temporary string).
  virtual void append_structure(std::string& out) const { out += structure(); }
  virtual bool same_as(const AnyOp& other) const {
    return name() == other.name() && structure() == other.structure();
  }
  virtual nlohmann::json attrs_json() const = 0;
  // Output spec for input specs; throws ShapeError/DTypeError when they do not fit the op.
  virtual TensorSpec infer(const std::vector<TensorSpec>& inputs) const = 0;
  // How input dims reach the output (dim_flow.hpp).
  virtual DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const = 0;
  // What the padding at its inputs does to its output (pad_fill.hpp); nothing by default: the op
  // mixes no padded dim and its output's padded entries are unknown.
  virtual void pad_rule(PadCheck& c) const { (void)c; }
  // Number of runtime scalar values run() takes.
  virtual int scalar_count() const { return 0; }
  // Computes `out` (allocated by the caller with the inferred spec) from `inputs`.
  virtual void run(const std::vector<Tensor>& inputs, const ScalarValue* scalars,
                   Tensor& out) const = 0;
  // A copy of this op made ready to run many times on inputs of these specs (a plan node):
  // backend primitives made once, and inputs a plan holds fixed (`constants[i]` non-null: its
  // weights) reordered once. nullptr when the op has nothing to prepare.
  virtual std::shared_ptr<const AnyOp> prepared(const std::vector<TensorSpec>& inputs,
                                                const std::vector<const Tensor*>& constants) const {
    (void)inputs;
    (void)constants;
    return nullptr;
  }
};

template <class Op, class = void>
struct has_dim_flow : std::false_type {};
template <class Op>
struct has_dim_flow<Op, std::void_t<decltype(&Op::dim_flow)>> : std::true_type {};

template <class Op, class = void>
struct has_pad_rule : std::false_type {};
template <class Op>
struct has_pad_rule<Op, std::void_t<decltype(&Op::pad_rule)>> : std::true_type {};

template <class Op, class = void>
struct has_prepare : std::false_type {};
template <class Op>
struct has_prepare<Op, std::void_t<decltype(&Op::prepare)>> : std::true_type {};

// Attributes added to an op after files were written with it: an op declares
// `static constexpr std::size_t attrs_added_later = k;` and its last k attributes may be missing
// from older files (they keep their defaults there); newer files always carry them all.
template <class Op, class = void>
struct attrs_added_later : std::integral_constant<std::size_t, 0> {};
template <class Op>
struct attrs_added_later<Op, std::void_t<decltype(Op::attrs_added_later)>>
    : std::integral_constant<std::size_t, Op::attrs_added_later> {};

template <class Op>
class OpModel final : public AnyOp {
 public:
  explicit OpModel(Op op) : op_(std::move(op)) {}
  std::string name() const override;
  std::string structure() const override;
  void append_structure(std::string& out) const override;
  // The same op type with the same attribute encoding (compared without building strings).
  bool same_as(const AnyOp& other) const override;
  nlohmann::json attrs_json() const override;
  TensorSpec infer(const std::vector<TensorSpec>& inputs) const override;
  DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const override;
  void pad_rule(PadCheck& c) const override;
  void run(const std::vector<Tensor>& inputs, const ScalarValue*, Tensor& out) const override;
  std::shared_ptr<const AnyOp> prepared(const std::vector<TensorSpec>& inputs,
                                        const std::vector<const Tensor*>& constants) const override;
  const Op& op() const { return op_; }

 private:
  Op op_;
};

// Reads an op struct's attributes from JSON (files, disk caches); FormatError when they do not fit.
// Defined in any_op-inl.hpp; the library instantiates it for every op of the op list.
template <class Op>
Op op_attrs_from_json(const nlohmann::json& attrs);

template <class Op>
std::shared_ptr<const AnyOp> op_from_json(const nlohmann::json& attrs);

// The non-elementwise op `name` of the op list with attributes `attrs`; nullptr when `name`
// is an elementwise op; FormatError "unknown op '<name, first 64 chars>'" when not in the list.
// Defined in op_list-inl.hpp (with NEURON_HEADER_ONLY: include ops/op_list.hpp to use it).
std::shared_ptr<const AnyOp> make_op_from_json(const std::string& name,
                                               const nlohmann::json& attrs);

// Lazy recording. The lazy stage installs this when it is part of the build; ops whose inputs are
// on the lazy device call it instead of running.
using LazyRecordFn = Tensor (*)(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                                std::vector<ScalarValue> scalars, const TensorSpec& out);
LazyRecordFn& lazy_record_hook();

Tensor record_lazy(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                   std::vector<ScalarValue> scalars, const TensorSpec& out);

// Runs an op: eagerly on the CPU, or recorded when its inputs are on the lazy device. Shapes and
// dtypes are checked first either way, so errors surface at the line that caused them.
// Defined in any_op-inl.hpp.
template <class Op>
Tensor run_op(const Op& op, const std::vector<Tensor>& inputs);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "any_op-inl.hpp"
#endif
