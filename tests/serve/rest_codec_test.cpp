// Decoding REST bodies (JSON and the binary extension) and encoding responses; every malformed
// body is a ServeError (400) naming what is wrong.
#include <doctest/doctest.h>

#include <cstring>

#include <nlohmann/json.hpp>

#include "rest_codec.hpp"
#include "serve_error.hpp"

namespace serve = neuron::serve;
using nlohmann::json;

namespace {

std::string error_of(const std::string& body, std::optional<std::size_t> header = std::nullopt) {
  try {
    serve::decode_rest_request(body, header);
  } catch (const serve::ServeError& e) {
    CHECK(e.status() == serve::Status::invalid_argument);
    return e.what();
  }
  FAIL("no error for " << body.substr(0, 200));
  return "";
}

bool has(const std::string& text, const std::string& part) {
  const bool found = text.find(part) != std::string::npos;
  if (!found) MESSAGE("'" << text << "' lacks '" << part << "'");
  return found;
}

}  // namespace

TEST_CASE("serve REST: flat and nested JSON data of every dtype") {
  const std::string body = R"({"id": "7", "inputs": [
    {"name": "a", "datatype": "FP32", "shape": [2, 2], "data": [[1, 2.5], [3, 4]]},
    {"name": "b", "datatype": "INT64", "shape": [3], "data": [1, -2, 9007199254740993]},
    {"name": "c", "datatype": "BOOL", "shape": [2], "data": [true, false]},
    {"name": "d", "datatype": "INT32", "shape": [1], "data": [-2147483648]},
    {"name": "e", "datatype": "FP64", "shape": [], "data": [0.1]}],
    "outputs": [{"name": "y", "parameters": {"binary_data": true}}, {"name": "z"}]})";
  serve::RestRequest r = serve::decode_rest_request(body, std::nullopt);
  CHECK(r.request.id == "7");
  REQUIRE(r.request.inputs.size() == 5);
  CHECK(r.request.inputs[0].second.data<float>()[1] == 2.5f);
  CHECK(r.request.inputs[1].second.data<std::int64_t>()[2] == 9007199254740993LL);
  CHECK(r.request.inputs[2].second.data<bool>()[0]);
  CHECK(r.request.inputs[3].second.data<std::int32_t>()[0] == INT32_MIN);
  CHECK(r.request.inputs[4].second.rank() == 0);
  CHECK(r.request.inputs[4].second.data<double>()[0] == 0.1);
  CHECK(r.request.outputs == std::vector<std::string>{"y", "z"});
  CHECK(r.binary_outputs == std::vector<bool>{true, false});
}

TEST_CASE("serve REST: the binary tensor data extension") {
  const float values[3] = {1.5f, -2, 3};
  const std::int64_t ids[2] = {4, 5};
  const std::string header = R"({"inputs": [
    {"name": "x", "datatype": "FP32", "shape": [1, 3], "parameters": {"binary_data_size": 12}},
    {"name": "i", "datatype": "INT64", "shape": [2], "parameters": {"binary_data_size": 16}}],
    "parameters": {"binary_data_output": true}})";
  std::string body = header;
  body.append(reinterpret_cast<const char*>(values), sizeof values);
  body.append(reinterpret_cast<const char*>(ids), sizeof ids);
  serve::RestRequest r = serve::decode_rest_request(body, header.size());
  CHECK(r.binary_all);
  CHECK(r.request.inputs[0].second.data<float>()[0] == 1.5f);
  CHECK(r.request.inputs[1].second.data<std::int64_t>()[1] == 5);

  serve::InferResult res{"m", "1", "id", {{"y", r.request.inputs[0].second}}};
  serve::RestResponse out = serve::encode_rest_response(res, r);
  REQUIRE(out.header_length);
  const json j = json::parse(out.body.substr(0, *out.header_length));
  CHECK(j["outputs"][0]["parameters"]["binary_data_size"] == 12);
  CHECK(j["id"] == "id");
  CHECK(out.body.size() == *out.header_length + 12);
  CHECK(std::memcmp(out.body.data() + *out.header_length, values, 12) == 0);
}

TEST_CASE("serve REST: JSON outputs keep every float exactly") {
  neuron::Tensor t = neuron::Tensor::empty({3}, neuron::float32);
  t.data<float>()[0] = 0.1f;
  t.data<float>()[1] = 1e-38f;
  t.data<float>()[2] = -3.4028235e38f;
  serve::RestRequest req;
  const std::string body = serve::encode_rest_response({"m", "1", "", {{"y", t}}}, req).body;
  const json j = json::parse(body);
  CHECK_FALSE(j.contains("id"));
  for (int i = 0; i < 3; ++i) CHECK(j["outputs"][0]["data"][i].get<float>() == t.data<float>()[i]);
}

TEST_CASE("serve REST: malformed bodies are 400s that say what and where") {
  CHECK(has(error_of("{"), "request JSON"));
  CHECK(has(error_of("[]"), "expected an object"));
  CHECK(has(error_of(R"({"inputs": []})"), "'inputs' must be a non-empty list"));
  CHECK(has(error_of(R"({"inputs": [{"datatype": "FP32", "shape": [1], "data": [1]}]})"),
            "inputs[0]: 'name' is missing"));
  CHECK(
      has(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "data": [1]}]})"),
          "input 'x': data has 1 elements but shape [2] takes 2"));
  CHECK(has(
      error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1, 2]}]})"),
      "input 'x': data has more elements"));
  CHECK(has(
      error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": ["a"]}]})"),
      "input 'x': data element 0 is \"a\"; expected a number"));
  CHECK(has(
      error_of(
          R"({"inputs": [{"name": "x", "datatype": "INT32", "shape": [1], "data": [3000000000]}]})"),
      "fits INT32"));
  CHECK(has(
      error_of(R"({"inputs": [{"name": "x", "datatype": "INT64", "shape": [1], "data": [1.5]}]})"),
      "expected an integer"));
  CHECK(
      has(error_of(R"({"inputs": [{"name": "x", "datatype": "BOOL", "shape": [1], "data": [1]}]})"),
          "expected true or false"));
  CHECK(has(
      error_of(R"({"inputs": [{"name": "x", "datatype": "UINT8", "shape": [1], "data": [1]}]})"),
      "datatype UINT8 is not supported"));
  CHECK(
      has(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [-1], "data": []}]})"),
          "negative dim"));
  CHECK(has(
      error_of(
          R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1,1,1,1,1,1,1,1,1], "data": [1]}]})"),
      "at most 8"));
  CHECK(has(
      error_of(
          R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1099511627776, 1099511627776], "data": []}]})"),
      "too many elements"));
  CHECK(
      has(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": "1", "data": [1]}]})"),
          "'shape' must be a list"));
  CHECK(has(error_of(R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1]}]})"),
            "neither 'data' nor binary_data_size"));
  CHECK(has(
      error_of(
          R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": [1]}], "outputs": [{"name": "y", "parameters": {"classification": 3}}]})"),
      "classification extension is not supported"));
  CHECK(has(error_of(R"({"a": 1, "a": 2, "inputs": []})"), "duplicate"));
  // Nesting deeper than the JSON limit is refused while parsing, not by recursion.
  std::string deep = R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [1], "data": )";
  deep += std::string(100000, '[') + "1" + std::string(100000, ']') + "}]}";
  CHECK(has(error_of(deep), "request JSON"));
}

TEST_CASE("serve REST: binary sizes must add up exactly") {
  const std::string header =
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}}]})";
  CHECK(has(error_of(header + std::string(4, '\0'), header.size()),
            "binary_data_size is 8 but only 4 bytes"));
  CHECK(has(error_of(header + std::string(12, '\0'), header.size()),
            "4 bytes of binary data that no input"));
  const std::string wrong =
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [3], "parameters": {"binary_data_size": 8}}]})";
  CHECK(has(error_of(wrong + std::string(8, '\0'), wrong.size()),
            "input 'x': 8 bytes of data, but shape [3] of float32 takes 12"));
  const std::string flag =
      R"({"inputs": [{"name": "b", "datatype": "BOOL", "shape": [1], "parameters": {"binary_data_size": 1}}]})";
  CHECK(has(error_of(flag + "\x07", flag.size()), "BOOL bytes are 0 or 1"));
  CHECK(has(error_of(header, header.size() - 1), "request JSON"));
  try {
    serve::parse_header_length("12x", 100);
    FAIL("no error");
  } catch (const serve::ServeError& e) {
    CHECK(has(e.what(), "expected a byte count"));
  }
  CHECK_THROWS_AS(serve::parse_header_length("101", 100), serve::ServeError);
  CHECK(serve::parse_header_length("100", 100) == 100);
}
