// The gRPC form of an inference request and response (grpc_predict_v2.proto): inputs from
// raw_input_contents or typed contents, outputs as raw_output_contents.
#pragma once

#include "grpc_predict_v2.pb.h"
#include "infer_types.hpp"

namespace neuron::serve {

// ServeError (invalid_argument) for anything malformed, naming the input.
InferRequest decode_grpc_request(const inference::ModelInferRequest& in);

void encode_grpc_response(const InferResult& result, inference::ModelInferResponse& out);

}  // namespace neuron::serve
