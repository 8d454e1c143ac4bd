// TensorProto files (the ONNX test suite's input_0.pb / output_0.pb) as tensors.
#pragma once

#include <cstddef>
#include <string>

#include "../core/tensor.hpp"

namespace neuron::onnx {

// Reads one serialized onnx.TensorProto. Dtypes neuron has (float, double, int32, int64, bool)
// load as they are; others are refused (DTypeError naming the ONNX dtype), and so is external
// data. Malformed files (bad protobuf, data that does not match the dims) are FormatErrors.
Tensor load_tensor(const std::string& path);
Tensor load_tensor_from_memory(const void* data, std::size_t size,
                               const std::string& where = "<memory>");

// Writes `t` (a CPU or lazy tensor, computed first) as a TensorProto with raw_data; `name` goes
// into the proto's name field.
void save_tensor(const std::string& path, const Tensor& t, const std::string& name = "");

}  // namespace neuron::onnx
