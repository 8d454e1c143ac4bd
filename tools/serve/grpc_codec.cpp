#include "grpc_codec.hpp"

#include <cstring>

#include "datatype.hpp"
#include "serve_error.hpp"
#include "tensor_bytes.hpp"

namespace neuron::serve {

namespace {

template <class Dst, class Src>
Tensor from_repeated(const std::string& what, DType dtype, const Shape& shape, const Src& values,
                     const char* field) {
  if (static_cast<std::int64_t>(values.size()) != shape.numel())
    fail(Status::invalid_argument, what, ": contents.", field, " has ", values.size(),
         " elements but shape ", shape, " takes ", shape.numel());
  Tensor t = Tensor::empty(shape, dtype);
  Dst* p = t.data<Dst>();
  for (int i = 0; i < values.size(); ++i) p[i] = static_cast<Dst>(values.Get(i));
  return t;
}

Tensor from_contents(const std::string& what, DType dtype, const Shape& shape,
                     const inference::InferTensorContents& c) {
  switch (dtype) {
    case DType::bool_:
      return from_repeated<bool>(what, dtype, shape, c.bool_contents(), "bool_contents");
    case DType::int32:
      return from_repeated<std::int32_t>(what, dtype, shape, c.int_contents(), "int_contents");
    case DType::int64:
      return from_repeated<std::int64_t>(what, dtype, shape, c.int64_contents(), "int64_contents");
    case DType::float32:
      return from_repeated<float>(what, dtype, shape, c.fp32_contents(), "fp32_contents");
    case DType::float64:
      return from_repeated<double>(what, dtype, shape, c.fp64_contents(), "fp64_contents");
  }
  fail(Status::invalid_argument, what, ": unsupported datatype");
}

}  // namespace

InferRequest decode_grpc_request(const inference::ModelInferRequest& in) {
  InferRequest r;
  r.model = in.model_name();
  r.version = in.model_version();
  r.id = in.id();
  const bool raw = in.raw_input_contents_size() > 0;
  if (raw && in.raw_input_contents_size() != in.inputs_size())
    fail(Status::invalid_argument, "raw_input_contents has ", in.raw_input_contents_size(),
         " entries but the request has ", in.inputs_size(), " inputs; give one per input");
  if (in.inputs_size() == 0) fail(Status::invalid_argument, "the request has no inputs");
  for (int i = 0; i < in.inputs_size(); ++i) {
    const auto& t = in.inputs(i);
    const std::string what = "input '" + t.name() + "'";
    const DType dtype = dtype_from_datatype(t.datatype(), what);
    const Shape shape = checked_shape({t.shape().begin(), t.shape().end()}, what);
    if (raw) {
      if (t.has_contents())
        fail(Status::invalid_argument, what,
             ": has contents while the request uses raw_input_contents");
      const std::string& bytes = in.raw_input_contents(i);
      r.inputs.emplace_back(t.name(),
                            tensor_from_bytes(what, dtype, shape, bytes.data(), bytes.size()));
    } else {
      r.inputs.emplace_back(t.name(), from_contents(what, dtype, shape, t.contents()));
    }
  }
  for (const auto& o : in.outputs()) {
    if (o.parameters().count("classification"))
      fail(Status::invalid_argument, "output '", o.name(),
           "': the classification extension is not supported");
    r.outputs.push_back(o.name());
  }
  const auto p = in.parameters().find("timeout");
  if (p != in.parameters().end() &&
      p->second.parameter_choice_case() == inference::InferParameter::kInt64Param &&
      p->second.int64_param() > 0)
    r.deadline = Clock::now() + std::chrono::microseconds(std::min<std::int64_t>(
                                    p->second.int64_param(), INT64_MAX / 2000));
  return r;
}

void encode_grpc_response(const InferResult& result, inference::ModelInferResponse& out) {
  out.set_model_name(result.model);
  out.set_model_version(result.version);
  out.set_id(result.id);
  for (const auto& [name, t] : result.outputs) {
    auto* o = out.add_outputs();
    o->set_name(name);
    o->set_datatype(datatype_name(t.dtype()));
    for (int k = 0; k < t.rank(); ++k) o->add_shape(t.shape()[k]);
    std::string* bytes = out.add_raw_output_contents();
    if (t.nbytes()) bytes->assign(static_cast<const char*>(t.raw_data()), t.nbytes());
  }
}

}  // namespace neuron::serve
