// The Open Inference Protocol's tensor datatypes ("FP32", "INT64", ...) and neuron's dtypes.
#pragma once

#include <string>

#include <neuron/core/dtype.hpp>

namespace neuron::serve {

// "FP32" for float32, ...
const char* datatype_name(DType d);

// The dtype for a protocol datatype; a datatype neuron lacks (UINT8, FP16, BYTES, ...) or an
// unknown string is a ServeError (invalid_argument) that names `what` (e.g. "input 'x'") and
// lists the supported ones.
DType dtype_from_datatype(const std::string& datatype, const std::string& what);

}  // namespace neuron::serve
