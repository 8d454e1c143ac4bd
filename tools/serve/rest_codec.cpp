#include "rest_codec.hpp"

#include <charconv>

#include <nlohmann/json.hpp>

#include <neuron/format/strict_json.hpp>

#include "datatype.hpp"
#include "serve_error.hpp"
#include "tensor_bytes.hpp"

namespace neuron::serve {

namespace {

using nlohmann::json;

const json* member(const json& j, const char* key) {
  auto it = j.find(key);
  return it == j.end() ? nullptr : &*it;
}

std::string string_at(const json& j, const char* key, const std::string& where, bool required) {
  const json* v = member(j, key);
  if (!v) {
    if (required) fail(Status::invalid_argument, where, ": '", key, "' is missing");
    return {};
  }
  if (!v->is_string()) fail(Status::invalid_argument, where, ": '", key, "' must be a string");
  return v->get<std::string>();
}

const json* object_at(const json& j, const char* key, const std::string& where) {
  const json* v = member(j, key);
  if (v && !v->is_object())
    fail(Status::invalid_argument, where, ": '", key, "' must be an object");
  return v;
}

std::optional<bool> bool_param(const json* params, const char* key, const std::string& where) {
  if (!params) return std::nullopt;
  const json* v = member(*params, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    fail(Status::invalid_argument, where, ": parameter '", key, "' must be true or false");
  return v->get<bool>();
}

// Decodes one entry of "inputs"; `binary` is the rest of the binary section, consumed in order.
NamedTensor decode_input(const json& in, std::size_t index, const char*& binary,
                         std::size_t& binary_left) {
  const std::string at = "inputs[" + std::to_string(index) + "]";
  if (!in.is_object()) fail(Status::invalid_argument, at, ": expected an object");
  const std::string name = string_at(in, "name", at, true);
  const std::string what = "input '" + name + "'";
  const DType dtype = dtype_from_datatype(string_at(in, "datatype", what, true), what);
  const json* shape_j = member(in, "shape");
  if (!shape_j || !shape_j->is_array())
    fail(Status::invalid_argument, what, ": 'shape' must be a list of dims");
  std::vector<std::int64_t> dims;
  for (const json& d : *shape_j) {
    if (!d.is_number_integer())
      fail(Status::invalid_argument, what, ": shape holds ", d.dump(), "; expected integers");
    dims.push_back(d.get<std::int64_t>());
  }
  const Shape shape = checked_shape(dims, what);
  const json* params = object_at(in, "parameters", what);
  const json* size_j = params ? member(*params, "binary_data_size") : nullptr;
  const json* data = member(in, "data");
  if (size_j) {
    if (data) fail(Status::invalid_argument, what, ": has both 'data' and binary_data_size");
    if (!size_j->is_number_unsigned())
      fail(Status::invalid_argument, what, ": binary_data_size must be a non-negative integer");
    const std::uint64_t size = size_j->get<std::uint64_t>();
    if (size > binary_left)
      fail(Status::invalid_argument, what, ": binary_data_size is ", size, " but only ",
           binary_left, " bytes of binary data are left in the body");
    Tensor t = tensor_from_bytes(what, dtype, shape, binary, static_cast<std::size_t>(size));
    binary += size;
    binary_left -= static_cast<std::size_t>(size);
    return {name, std::move(t)};
  }
  if (!data) fail(Status::invalid_argument, what, ": has neither 'data' nor binary_data_size");
  return {name, tensor_from_json(what, dtype, shape, *data)};
}

void decode_outputs(const json& outs, RestRequest& r) {
  if (!outs.is_array()) fail(Status::invalid_argument, "'outputs' must be a list");
  for (std::size_t i = 0; i < outs.size(); ++i) {
    const std::string at = "outputs[" + std::to_string(i) + "]";
    if (!outs[i].is_object()) fail(Status::invalid_argument, at, ": expected an object");
    const std::string name = string_at(outs[i], "name", at, true);
    const json* params = object_at(outs[i], "parameters", at);
    if (params && member(*params, "classification"))
      fail(Status::invalid_argument, "output '", name,
           "': the classification extension is not supported");
    r.request.outputs.push_back(name);
    r.binary_outputs.push_back(bool_param(params, "binary_data", at).value_or(r.binary_all));
  }
}

}  // namespace

std::size_t parse_header_length(const std::string& value, std::size_t body_size) {
  std::size_t n = 0;
  const auto res = std::from_chars(value.data(), value.data() + value.size(), n);
  if (res.ec != std::errc() || res.ptr != value.data() + value.size())
    fail(Status::invalid_argument, "Inference-Header-Content-Length is '", value,
         "'; expected a byte count");
  if (n > body_size)
    fail(Status::invalid_argument, "Inference-Header-Content-Length is ", n, " but the body has ",
         body_size, " bytes");
  return n;
}

RestRequest decode_rest_request(const std::string& body, std::optional<std::size_t> header_length) {
  const std::size_t json_size = header_length.value_or(body.size());
  json j;
  try {
    j = parse_strict_json(body.data(), body.data() + json_size, "request JSON");
  } catch (const neuron::Error& e) {
    fail(Status::invalid_argument, e.what());
  }
  if (!j.is_object()) fail(Status::invalid_argument, "request JSON: expected an object");
  RestRequest r;
  r.request.id = string_at(j, "id", "request", false);
  if (const json* params = object_at(j, "parameters", "request")) {
    r.binary_all = bool_param(params, "binary_data_output", "request").value_or(false);
    if (const json* t = member(*params, "timeout")) {
      if (!t->is_number_unsigned())
        fail(Status::invalid_argument, "request: parameter 'timeout' must be microseconds");
      r.timeout_us = static_cast<std::int64_t>(
          std::min<std::uint64_t>(t->get<std::uint64_t>(), INT64_MAX / 2000));
    }
  }
  const json* inputs = member(j, "inputs");
  if (!inputs || !inputs->is_array() || inputs->empty())
    fail(Status::invalid_argument, "request: 'inputs' must be a non-empty list");
  const char* binary = body.data() + json_size;
  std::size_t binary_left = body.size() - json_size;
  for (std::size_t i = 0; i < inputs->size(); ++i)
    r.request.inputs.push_back(decode_input((*inputs)[i], i, binary, binary_left));
  if (binary_left != 0)
    fail(Status::invalid_argument, "the body has ", binary_left,
         " bytes of binary data that no input's binary_data_size accounts for");
  if (const json* outs = member(j, "outputs")) decode_outputs(*outs, r);
  return r;
}

RestResponse encode_rest_response(const InferResult& result, const RestRequest& request) {
  RestResponse resp;
  std::string& out = resp.body;
  std::string binary;
  out += "{\"model_name\":" + json(result.model).dump();
  out += ",\"model_version\":" + json(result.version).dump();
  if (!result.id.empty()) out += ",\"id\":" + json(result.id).dump();
  out += ",\"outputs\":[";
  for (std::size_t o = 0; o < result.outputs.size(); ++o) {
    const auto& [name, t] = result.outputs[o];
    bool as_binary = request.binary_all;
    for (std::size_t k = 0; k < request.request.outputs.size(); ++k)
      if (request.request.outputs[k] == name) as_binary = request.binary_outputs[k];
    if (o) out += ',';
    out += "{\"name\":" + json(name).dump() + ",\"datatype\":\"" + datatype_name(t.dtype()) +
           "\",\"shape\":[";
    for (int k = 0; k < t.rank(); ++k) out += (k ? "," : "") + std::to_string(t.shape()[k]);
    out += ']';
    if (as_binary) {
      out += ",\"parameters\":{\"binary_data_size\":" + std::to_string(t.nbytes()) + "}}";
      if (t.nbytes()) binary.append(static_cast<const char*>(t.raw_data()), t.nbytes());
      resp.header_length = 0;
    } else {
      out += ",\"data\":";
      append_json_data(out, t);
      out += '}';
    }
  }
  out += "]}";
  if (resp.header_length) {
    resp.header_length = out.size();
    out += binary;
  }
  return resp;
}

}  // namespace neuron::serve
