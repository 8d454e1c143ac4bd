// Definitions of any_op.hpp: attributes to and from JSON, OpModel's members, lazy recording and
// run_op. make_op_from_json, which needs the whole op list, is defined in op_list-inl.hpp.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "any_op.hpp"
#include "dim_flow-inl.hpp"
#include "op_base-inl.hpp"
#include "pad_fill-inl.hpp"

namespace neuron {

namespace attr {
NEURON_INLINE nlohmann::json to_json(std::int64_t v) { return v; }
// JSON has no NaN or infinity: those are written as the strings "nan", "inf", "-inf".
NEURON_INLINE nlohmann::json to_json(double v) {
  if (std::isfinite(v)) return v;
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}
NEURON_INLINE nlohmann::json to_json(bool v) { return v; }
NEURON_INLINE nlohmann::json to_json(DType v) { return std::string(dtype_name(v)); }
NEURON_INLINE nlohmann::json to_json(const std::vector<std::int64_t>& v) { return v; }

NEURON_INLINE void from_json(const nlohmann::json& j, std::int64_t& v) {
  if (!j.is_number_integer() ||
      (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)))
    throw_error<FormatError>("expected an int64 attribute, got ", j.dump());
  v = j.get<std::int64_t>();
}
NEURON_INLINE void from_json(const nlohmann::json& j, double& v) {
  if (!j.is_string()) {
    v = j.get<double>();
    return;
  }
  const std::string& s = j.get_ref<const std::string&>();
  if (s == "nan")
    v = std::numeric_limits<double>::quiet_NaN();
  else if (s == "inf")
    v = std::numeric_limits<double>::infinity();
  else if (s == "-inf")
    v = -std::numeric_limits<double>::infinity();
  else
    throw_error<FormatError>("expected a number, \"nan\", \"inf\" or \"-inf\", got ",
                             j.dump().substr(0, 64));
}
NEURON_INLINE void from_json(const nlohmann::json& j, bool& v) { v = j.get<bool>(); }
NEURON_INLINE void from_json(const nlohmann::json& j, DType& v) {
  v = dtype_from_name(j.get<std::string>());
}
NEURON_INLINE void from_json(const nlohmann::json& j, std::vector<std::int64_t>& v) {
  if (!j.is_array()) throw_error<FormatError>("expected an array of int64, got ", j.dump());
  v.resize(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) from_json(j[i], v[i]);
}
}  // namespace attr

template <class Op>
std::string OpModel<Op>::name() const {
  return Op::name;
}
template <class Op>
std::string OpModel<Op>::structure() const {
  std::string s;
  append_structure(s);
  return s;
}
template <class Op>
void OpModel<Op>::append_structure(std::string& out) const {
  out += Op::name;
  out += '\0';
  attr::encode_all(out, op_.attrs());
}
template <class Op>
bool OpModel<Op>::same_as(const AnyOp& other) const {
  const auto* o = dynamic_cast<const OpModel<Op>*>(&other);
  if (o) return attr::same_all(op_.attrs(), o->op_.attrs());
  return AnyOp::same_as(other);  // another class that calls itself Op::name
}
template <class Op>
nlohmann::json OpModel<Op>::attrs_json() const {
  nlohmann::json j = nlohmann::json::array();
  std::apply([&](const auto&... a) { (j.push_back(attr::to_json(a)), ...); }, op_.attrs());
  return j;
}
template <class Op>
TensorSpec OpModel<Op>::infer(const std::vector<TensorSpec>& inputs) const {
  return op_.infer(inputs);
}
template <class Op>
DimFlow OpModel<Op>::dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const {
  if constexpr (has_dim_flow<Op>::value)
    return op_.dim_flow(inputs, out);
  else
    return DimFlow::all(inputs, DimFlow::kLost);  // undescribed: padding stops here
}
template <class Op>
void OpModel<Op>::pad_rule(PadCheck& c) const {
  if constexpr (has_pad_rule<Op>::value) op_.pad_rule(c);
  (void)c;
}
template <class Op>
void OpModel<Op>::run(const std::vector<Tensor>& inputs, const ScalarValue*, Tensor& out) const {
  op_.run(inputs, out);
}
template <class Op>
std::shared_ptr<const AnyOp> OpModel<Op>::prepared(
    const std::vector<TensorSpec>& inputs, const std::vector<const Tensor*>& constants) const {
  if constexpr (has_prepare<Op>::value) {
    Op copy = op_;
    copy.prepare(inputs, constants);
    return std::make_shared<OpModel<Op>>(std::move(copy));
  } else {
    (void)inputs;
    (void)constants;
    return nullptr;
  }
}

template <class Op>
Op op_attrs_from_json(const nlohmann::json& attrs) {
  Op op;
  auto fields = op.attrs();
  constexpr std::size_t n = std::tuple_size_v<decltype(fields)>;
  constexpr std::size_t least = n - attrs_added_later<Op>::value;
  if (!attrs.is_array() || attrs.size() < least || attrs.size() > n) {
    if (least == n)
      throw_error<FormatError>("op '", Op::name, "': expected ", n, " attributes, got ",
                               attrs.dump());
    throw_error<FormatError>("op '", Op::name, "': expected ", least, " to ", n,
                             " attributes, got ", attrs.dump());
  }
  std::size_t i = 0;
  try {  // fields past the array's end (an older file) keep their defaults
    std::apply(
        [&](auto&... f) { ((i < attrs.size() ? attr::from_json(attrs[i++], f) : void()), ...); },
        fields);
  } catch (const nlohmann::json::exception& e) {
    throw_error<FormatError>("op '", Op::name, "': bad attributes ", attrs.dump(), ": ", e.what());
  } catch (const DTypeError& e) {
    throw_error<FormatError>("op '", Op::name, "': ", e.what());
  } catch (const FormatError& e) {
    throw_error<FormatError>("op '", Op::name, "': bad attributes ", attrs.dump(), ": ", e.what());
  }
  return op;
}

template <class Op>
std::shared_ptr<const AnyOp> op_from_json(const nlohmann::json& attrs) {
  return std::make_shared<OpModel<Op>>(op_attrs_from_json<Op>(attrs));
}

NEURON_INLINE LazyRecordFn& lazy_record_hook() {
  static LazyRecordFn fn = nullptr;
  return fn;
}

NEURON_INLINE Tensor record_lazy(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                                 std::vector<ScalarValue> scalars, const TensorSpec& out) {
  LazyRecordFn fn = lazy_record_hook();
  if (!fn)
    throw_error<DeviceError>(op->name(),
                             ": inputs are on the lazy device but lazy mode is not part "
                             "of this build; include <neuron/neuron.hpp>");
  return fn(std::move(op), inputs, std::move(scalars), out);
}

namespace detail {
// The input specs an op infers its output from, in a vector the thread reuses: infer() takes a
// vector, and a fresh one per call was an allocation on every op (every recorded lazy op too).
struct SpecScratch {
  std::vector<TensorSpec> specs;
  bool busy = false;
};
inline SpecScratch& reused_spec_scratch() {
  thread_local SpecScratch s;
  return s;
}
template <class Op>
TensorSpec infer_output(const Op& op, const std::vector<Tensor>& inputs) {
  SpecScratch& reused = reused_spec_scratch();
  SpecScratch fresh;  // should an infer() ever run an op itself
  SpecScratch& s = reused.busy ? fresh : reused;
  struct Release {
    SpecScratch& s;
    ~Release() { s.busy = false; }
  } release{s};
  s.busy = true;
  s.specs.clear();
  for (const Tensor& t : inputs) s.specs.push_back(spec_of(t));
  return op.infer(s.specs);
}
}  // namespace detail

namespace detail {
// A lazy step records the same ops every step: each thread keeps the model of the last op of each
// type it recorded, and later records with the same attributes share it (no allocation). Sharing
// is sound because a recorded op is identified by its attributes alone, as graph hashes are.
template <class Op>
std::shared_ptr<const AnyOp> recorded_op_model(const Op& op) {
  thread_local std::shared_ptr<const OpModel<Op>> last;
  if (!last || !attr::same_all(last->op().attrs(), op.attrs()))
    last = std::make_shared<OpModel<Op>>(op);
  return last;
}
}  // namespace detail

template <class Op>
Tensor run_op(const Op& op, const std::vector<Tensor>& inputs) {
  Device d = common_device(Op::name, inputs);
  TensorSpec out_spec = detail::infer_output(op, inputs);
  if (d.is_lazy()) return record_lazy(detail::recorded_op_model(op), inputs, {}, out_spec);
  Tensor out = Tensor::empty(out_spec.shape, out_spec.dtype);
  op.run(inputs, out);
  return out;
}

}  // namespace neuron
