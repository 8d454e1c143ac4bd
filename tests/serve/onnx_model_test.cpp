// model.onnx in the repository: imported and traced at load (buckets over the batch), served
// under the ONNX file's input and output names, with PyTorch's outputs.
#include <doctest/doctest.h>

#include <sys/stat.h>
#include <cmath>

#include "onnx_trace.hpp"
#include "serve_test_util.hpp"

using nlohmann::json;

TEST_CASE("serve ONNX: a model.onnx is traced at load and batches") {
  struct stat st {};
  const std::string file = serve_test::repo_dir() + "/models/onnx_mlp/1/model.onnx";
  if (!neuron::serve::onnx_supported() || ::stat(file.c_str(), &st) != 0) {
    MESSAGE("skipped: neuron-serve built without neuron::onnx, or no " << file);
    return;
  }
  serve_test::Server s({}, {}, {"onnx_mlp"});
  auto c = s.client();
  auto meta = c.Get("/v2/models/onnx_mlp");
  REQUIRE(meta);
  const json m = json::parse(meta->body);
  CHECK(m["platform"] == "onnx");
  CHECK(m["inputs"][0]["name"] == "features");
  CHECK(m["inputs"][0]["shape"] == json::array({-1, 16}));
  CHECK(m["outputs"][0]["name"] == "scores");
  const neuron::Tensor x = serve_test::expected("onnx_x.npy");
  const neuron::Tensor y = serve_test::expected("onnx_y.npy");
  json req = {{"inputs", json::array({serve_test::json_input("features", x)})}};
  auto r = c.Post("/v2/models/onnx_mlp/infer", req.dump(), "application/json");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  const std::vector<float> got = serve_test::json_floats(json::parse(r->body));
  REQUIRE(got.size() == 12);
  for (std::size_t i = 0; i < got.size(); ++i) CHECK(std::abs(got[i] - y.data<float>()[i]) < 1e-5);
  auto cfg = c.Get("/v2/models/onnx_mlp/config");
  REQUIRE(cfg);
  CHECK(json::parse(cfg->body)["max_batch_size"] == 4);
}
