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

#include <nlohmann/json.hpp>

#include "dim_flow.hpp"
#include "op_base.hpp"

namespace neuron {

// Runtime values of C++ numbers in expressions (x * 0.5): not part of a graph's structure.
// long double holds every double and every int64 exactly.
using ScalarValue = long double;

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
std::string encode_all(const Tuple& t) {
  std::string out;
  std::apply([&](const auto&... a) { (encode(out, a), ...); }, t);
  return out;
}

inline nlohmann::json to_json(std::int64_t v) { return v; }
inline nlohmann::json to_json(double v) { return v; }
inline nlohmann::json to_json(bool v) { return v; }
inline nlohmann::json to_json(DType v) { return std::string(dtype_name(v)); }
inline nlohmann::json to_json(const std::vector<std::int64_t>& v) { return v; }

inline void from_json(const nlohmann::json& j, std::int64_t& v) {
  if (!j.is_number_integer() ||
      (j.is_number_unsigned() && j.get<std::uint64_t>() > static_cast<std::uint64_t>(INT64_MAX)))
    throw_error<FormatError>("expected an int64 attribute, got ", j.dump());
  v = j.get<std::int64_t>();
}
inline void from_json(const nlohmann::json& j, double& v) { v = j.get<double>(); }
inline void from_json(const nlohmann::json& j, bool& v) { v = j.get<bool>(); }
inline void from_json(const nlohmann::json& j, DType& v) {
  v = dtype_from_name(j.get<std::string>());
}
inline void from_json(const nlohmann::json& j, std::vector<std::int64_t>& v) {
  if (!j.is_array()) throw_error<FormatError>("expected an array of int64, got ", j.dump());
  v.resize(j.size());
  for (std::size_t i = 0; i < j.size(); ++i) from_json(j[i], v[i]);
}
}  // namespace attr

class AnyOp {
 public:
  virtual ~AnyOp() = default;
  virtual std::string name() const = 0;
  // Structure: the op's identity and attributes as bytes (hashed into graph hashes).
  virtual std::string structure() const = 0;
  virtual bool same_as(const AnyOp& other) const {
    return name() == other.name() && structure() == other.structure();
  }
  virtual nlohmann::json attrs_json() const = 0;
  // Output spec for input specs; throws ShapeError/DTypeError when they do not fit the op.
  virtual TensorSpec infer(const std::vector<TensorSpec>& inputs) const = 0;
  // How input dims reach the output (dim_flow.hpp).
  virtual DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const = 0;
  // Number of runtime scalar values run() takes.
  virtual int scalar_count() const { return 0; }
  // Computes `out` (allocated by the caller with the inferred spec) from `inputs`.
  virtual void run(const std::vector<Tensor>& inputs, const ScalarValue* scalars,
                   Tensor& out) const = 0;
};

template <class Op, class = void>
struct has_dim_flow : std::false_type {};
template <class Op>
struct has_dim_flow<Op, std::void_t<decltype(&Op::dim_flow)>> : std::true_type {};

template <class Op>
class OpModel final : public AnyOp {
 public:
  explicit OpModel(Op op) : op_(std::move(op)) {}
  std::string name() const override { return Op::name; }
  std::string structure() const override {
    return Op::name + std::string(1, '\0') + attr::encode_all(op_.attrs());
  }
  nlohmann::json attrs_json() const override {
    nlohmann::json j = nlohmann::json::array();
    std::apply([&](const auto&... a) { (j.push_back(attr::to_json(a)), ...); }, op_.attrs());
    return j;
  }
  TensorSpec infer(const std::vector<TensorSpec>& inputs) const override {
    return op_.infer(inputs);
  }
  DimFlow dim_flow(const std::vector<TensorSpec>& inputs, const TensorSpec& out) const override {
    if constexpr (has_dim_flow<Op>::value)
      return op_.dim_flow(inputs, out);
    else
      return DimFlow::all(inputs, DimFlow::kLost);  // undescribed: padding stops here
  }
  void run(const std::vector<Tensor>& inputs, const ScalarValue*, Tensor& out) const override {
    op_.run(inputs, out);
  }
  const Op& op() const { return op_; }

 private:
  Op op_;
};

// Reads an op struct's attributes from JSON (files, disk caches); FormatError when they do not fit.
template <class Op>
Op op_attrs_from_json(const nlohmann::json& attrs) {
  Op op;
  auto fields = op.attrs();
  constexpr std::size_t n = std::tuple_size_v<decltype(fields)>;
  if (!attrs.is_array() || attrs.size() != n)
    throw_error<FormatError>("op '", Op::name, "': expected ", n, " attributes, got ",
                             attrs.dump());
  std::size_t i = 0;
  try {
    std::apply([&](auto&... f) { (attr::from_json(attrs[i++], f), ...); }, fields);
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

// Lazy recording. The lazy stage installs this when it is part of the build; ops whose inputs are
// on the lazy device call it instead of running.
using LazyRecordFn = Tensor (*)(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                                std::vector<ScalarValue> scalars, const TensorSpec& out);
inline LazyRecordFn& lazy_record_hook() {
  static LazyRecordFn fn = nullptr;
  return fn;
}

inline Tensor record_lazy(std::shared_ptr<const AnyOp> op, const std::vector<Tensor>& inputs,
                          std::vector<ScalarValue> scalars, const TensorSpec& out) {
  LazyRecordFn fn = lazy_record_hook();
  if (!fn)
    throw_error<DeviceError>(op->name(),
                             ": inputs are on the lazy device but lazy mode is not part "
                             "of this build; include <neuron/neuron.hpp>");
  return fn(std::move(op), inputs, std::move(scalars), out);
}

// Runs an op: eagerly on the CPU, or recorded when its inputs are on the lazy device. Shapes and
// dtypes are checked first either way, so errors surface at the line that caused them.
template <class Op>
Tensor run_op(const Op& op, const std::vector<Tensor>& inputs) {
  Device d = common_device(Op::name, inputs);
  std::vector<TensorSpec> specs;
  specs.reserve(inputs.size());
  for (const Tensor& t : inputs) specs.push_back(spec_of(t));
  TensorSpec out_spec = op.infer(specs);
  if (d.is_lazy()) return record_lazy(std::make_shared<OpModel<Op>>(op), inputs, {}, out_spec);
  Tensor out = Tensor::empty(out_spec.shape, out_spec.dtype);
  op.run(inputs, out);
  return out;
}

}  // namespace neuron
