// Tensors from and to the protocol's payloads: little-endian row-major bytes (the REST binary
// extension, gRPC's raw contents) and JSON `data` (flat or nested). Every size is checked against
// the declared shape and datatype; errors name the tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <neuron/core/tensor.hpp>

namespace neuron::serve {

// The shape, checked: at most 8 dims, none negative, the element count within limits.
Shape checked_shape(const std::vector<std::int64_t>& dims, const std::string& what);

// A tensor holding a copy of `size` bytes that must be exactly shape x element size.
Tensor tensor_from_bytes(const std::string& what, DType dtype, const Shape& shape,
                         const char* bytes, std::size_t size);

// A tensor from JSON data, flat or nested lists, whose element count must match the shape.
Tensor tensor_from_json(const std::string& what, DType dtype, const Shape& shape,
                        const nlohmann::json& data);

// JSON text of the tensor's elements as one flat list; floats in their shortest exact form.
void append_json_data(std::string& out, const Tensor& t);

}  // namespace neuron::serve
