// ScatterND and ScatterElements with reduction add and mul: duplicate indices accumulate, eagerly
// and traced; an index out of range is still an IndexError.
#include "onnx/onnx_test_util.hpp"

using onnx_test::ModelBuilder;

namespace {

nr::onnx::Model scatter_nd(const std::string& reduction) {
  ModelBuilder b(16);
  b.input("data", nr::float32, {4, 2});
  b.input("updates", nr::float32, {3, 2});
  b.init("indices", nr::tensor<int64_t>({{1}, {3}, {1}}));
  auto& n = b.node("ScatterND", {"data", "indices", "updates"}, {"y"});
  onnx_test::attr_s(n, "reduction", reduction);
  b.output("y", nr::float32);
  return b.load();
}

}  // namespace

TEST_CASE("onnx: ScatterND with reduction add and mul accumulates duplicate indices") {
  nr::Tensor data = nr::tensor<float>({{1, 2}, {3, 4}, {5, 6}, {7, 8}});
  nr::Tensor upd = nr::tensor<float>({{10, 20}, {2, 3}, {-1, 0.5}});
  nr::Tensor add = nr::tensor<float>({{1, 2}, {12, 24.5}, {5, 6}, {9, 11}});
  nr::Tensor mul = nr::tensor<float>({{1, 2}, {-30, 40}, {5, 6}, {14, 24}});
  for (const auto& c : {std::pair{"add", add}, std::pair{"mul", mul}}) {
    const char* reduction = c.first;  // not a structured binding: INFO is a lambda (clang)
    const nr::Tensor& want = c.second;
    INFO(reduction);
    nr::onnx::Model m = scatter_nd(reduction);
    onnx_test::check_close(m.forward({data, upd})[0], want);
    nr::TracedModule t = nr::trace(m, {data, upd});
    onnx_test::check_close(t.forward({data, upd})[0], want);
  }
}

TEST_CASE("onnx: ScatterElements with reduction add; indices out of range are IndexErrors") {
  ModelBuilder b(16);
  b.input("data", nr::int64, {2, 3});
  b.input("indices", nr::int64, {1, 3});
  b.input("updates", nr::int64, {1, 3});
  auto& n = b.node("ScatterElements", {"data", "indices", "updates"}, {"y"});
  onnx_test::attr_i(n, "axis", 1);
  onnx_test::attr_s(n, "reduction", "add");
  b.output("y", nr::int64);
  nr::onnx::Model m = b.load();
  nr::Tensor data = nr::tensor<int64_t>({{1, 2, 3}, {4, 5, 6}});
  nr::Tensor upd = nr::tensor<int64_t>({{100, 200, 300}});
  nr::Tensor y = m.forward({data, nr::tensor<int64_t>({{2, 0, 2}}), upd})[0];
  onnx_test::check_close(y, nr::tensor<int64_t>({{201, 2, 403}, {4, 5, 6}}));
  CHECK_THROWS_AS(m.forward({data, nr::tensor<int64_t>({{3, 0, 0}}), upd}), nr::IndexError);
  // Traced with the indices as data: checked when the module runs.
  nr::TracedModule t = nr::trace(m, {data, nr::tensor<int64_t>({{2, 0, 2}}), upd});
  onnx_test::check_close(t.forward({data, nr::tensor<int64_t>({{2, 0, 2}}), upd})[0],
                         nr::tensor<int64_t>({{201, 2, 403}, {4, 5, 6}}));
  CHECK_THROWS_AS(t.forward({data, nr::tensor<int64_t>({{0, 5, 0}}), upd}), nr::IndexError);
}
