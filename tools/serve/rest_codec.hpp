// The REST form of an inference request and response: JSON (inputs with flat or nested `data`)
// and the binary tensor data extension (`Inference-Header-Content-Length`: a JSON header followed
// by the tensors' bytes, sized by each tensor's `binary_data_size` parameter).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "infer_types.hpp"
#include "model_signature.hpp"

namespace neuron::serve {

struct RestRequest {
  InferRequest request;
  // Per requested output (or, with none requested, for all): send its bytes after the JSON.
  std::vector<bool> binary_outputs;  // parallel to request.outputs
  bool binary_all = false;           // request parameter binary_data_output
  // Triton's per-request timeout parameter (microseconds), when given.
  std::optional<std::int64_t> timeout_us;
};

// Decodes a body; `header_length` is the Inference-Header-Content-Length value when the header
// was sent. ServeError (invalid_argument) for anything malformed, naming what and where.
RestRequest decode_rest_request(const std::string& body, std::optional<std::size_t> header_length);

struct RestResponse {
  std::string body;
  std::optional<std::size_t> header_length;  // set when binary outputs follow the JSON
};

// `sig` gives each output's datatype name; outputs are sent in `result`'s order.
RestResponse encode_rest_response(const InferResult& result, const RestRequest& request);

// Parses an Inference-Header-Content-Length value.
std::size_t parse_header_length(const std::string& value, std::size_t body_size);

}  // namespace neuron::serve
