// The protobuf side of the importer (this header and the .cpp files that include it are the only
// ones that see onnx_pb.h): TensorProto <-> Tensor with every size checked, external data
// resolved safely, dtype names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <neuron/core/tensor.hpp>

#include <onnx/onnx_pb.h>
#include "graph.hpp"

namespace neuron::onnx::detail {

std::int32_t onnx_dtype_of(DType d);

// Where external data may come from (a tensor whose data_location is EXTERNAL).
struct ExternalData {
  std::string dir;              // "" refuses external data
  std::uint64_t max_bytes = 0;  // total limit
  std::uint64_t used = 0;       // bytes read so far
};

struct TensorRead {
  Tensor tensor;            // undefined when unsupported
  std::string unsupported;  // why neuron cannot hold it (its dtype, its rank)
};

// Converts a TensorProto (`what` names it in messages: "initializer 'w'"). Malformed content is a
// FormatError: negative or overflowing dims, data whose length does not match the dims, external
// data outside `ext.dir`. `ext` may be null (external data refused).
TensorRead tensor_from_proto(const ::onnx::TensorProto& p, const std::string& what,
                             ExternalData* ext);

}  // namespace neuron::onnx::detail
