// Every op's error paths: a clear neuron::Error subclass naming the op, the operand and the shapes.
#include "test_util.hpp"

TEST_CASE("matmul and linear refuse mismatched shapes and dtypes") {
  CHECK_THROWS_WITH_ALL(nr::matmul(nr::rand({2, 3}), nr::rand({4, 5})), nr::ShapeError, "matmul",
                        "input 0 of shape [2, 3]", "input 1 of shape [4, 5]", "3", "4");
  CHECK_THROWS_WITH_ALL(nr::matmul(nr::rand({2, 2, 3}), nr::rand({3, 3, 4})), nr::ShapeError,
                        "batch", "[2]", "[3]");
  CHECK_THROWS_WITH_ALL(nr::matmul(nr::scalar_tensor(1.0f), nr::rand({1})), nr::ShapeError,
                        "at least 1 dim");
  CHECK_THROWS_WITH_ALL(nr::matmul(nr::rand({2, 3}), nr::rand({3, 2}, nr::float64)), nr::DTypeError,
                        "matmul", "float32", "float64");
  CHECK_THROWS_WITH_ALL(nr::matmul(nr::ones({2, 2}, nr::bool_), nr::ones({2, 2}, nr::bool_)),
                        nr::DTypeError, "bool");
  CHECK_THROWS_WITH_ALL(nr::linear(nr::rand({2, 5}), nr::rand({4, 3})), nr::ShapeError, "linear",
                        "[2, 5]", "in_features = 3");
  CHECK_THROWS_WITH_ALL(nr::linear(nr::rand({2, 3}), nr::rand({4, 3}), nr::rand({5})),
                        nr::ShapeError, "bias", "[5]", "[4]");
  CHECK_THROWS_WITH_ALL(nr::linear(nr::rand({2, 3}), nr::rand({3})), nr::ShapeError, "2-d");
}

TEST_CASE("softmax, log_softmax, mean refuse integer input - dims are range-checked") {
  CHECK_THROWS_WITH_ALL(nr::softmax(nr::ones({3}, nr::int64), 0), nr::DTypeError, "softmax",
                        "int64");
  CHECK_THROWS_WITH_ALL(nr::log_softmax(nr::ones({3}, nr::int32), 0), nr::DTypeError,
                        "log_softmax");
  CHECK_THROWS_WITH_ALL(nr::softmax(nr::rand({2, 3}), 2), nr::ShapeError, "softmax", "dim 2",
                        "rank 2");
  CHECK_THROWS_WITH_ALL(nr::mean(nr::ones({3}, nr::int64)), nr::DTypeError, "mean", "int64");
  CHECK_THROWS_WITH_ALL(nr::sum(nr::rand({2, 3}), {0, -2}), nr::ShapeError, "more than once");
  CHECK_THROWS_WITH_ALL(nr::sum(nr::rand({2, 3}), 5), nr::ShapeError, "sum", "dim 5");
  CHECK_THROWS_WITH_ALL(nr::max(nr::zeros({2, 0}), 1), nr::ShapeError, "max", "size 0");
  CHECK(test::values(nr::sum(nr::zeros({2, 0}), 1)) == std::vector<double>{0, 0});
}

TEST_CASE("layer_norm checks normalized_shape, weight and bias") {
  nr::Tensor x = nr::rand({2, 8});
  CHECK_THROWS_WITH_ALL(nr::layer_norm(x, {4}), nr::ShapeError, "[2, 8]",
                        "does not end with normalized_shape [4]");
  CHECK_THROWS_WITH_ALL(nr::layer_norm(x, {8}, nr::rand({4})), nr::ShapeError, "weight", "[4]");
  CHECK_THROWS_WITH_ALL(nr::layer_norm(x, {8}, nr::rand({8}), nr::rand({8}, nr::float64)),
                        nr::DTypeError, "bias", "float64");
  CHECK_THROWS_WITH_ALL(nr::layer_norm(nr::ones({8}, nr::int32), {8}), nr::DTypeError, "int32");
  CHECK_THROWS_WITH_ALL(nr::layer_norm(x, {}), nr::ShapeError, "at least one dim");
}

TEST_CASE("embedding checks ids: dtype, range (naming the id and where it is), weight rank") {
  nr::Tensor w = nr::rand({5, 3});
  CHECK_THROWS_WITH_ALL(nr::embedding(nr::tensor<std::int64_t>({{0, 1}, {7, 2}}), w),
                        nr::IndexError, "id 7", "index [1, 0]", "[5, 3]", "0 <= id < 5");
  CHECK_THROWS_WITH_ALL(nr::embedding(nr::tensor<std::int32_t>({-1}), w), nr::IndexError, "id -1");
  CHECK_THROWS_WITH_ALL(nr::embedding(nr::tensor<float>({1.f}), w), nr::DTypeError, "ids",
                        "float32");
  CHECK_THROWS_WITH_ALL(nr::embedding(nr::tensor<std::int64_t>({1}), nr::rand({5})), nr::ShapeError,
                        "weight", "2-d");
}

TEST_CASE("layout ops report bad shapes, dims and bounds") {
  nr::Tensor x = nr::rand({2, 3, 4});
  CHECK_THROWS_WITH_ALL(nr::reshape(x, {5, -1}), nr::ShapeError, "[2, 3, 4]", "24 elements",
                        "[5, -1]");
  CHECK_THROWS_WITH_ALL(nr::reshape(x, {-1, -1}), nr::ShapeError, "only one dim");
  CHECK_THROWS_WITH_ALL(nr::reshape(x, {7, 7}), nr::ShapeError, "[7, 7]");
  CHECK_THROWS_WITH_ALL(nr::reshape(x, {1, 1, 1, 1, 1, 1, 1, 1, 24}), nr::ShapeError, "rank 9");
  CHECK_THROWS_WITH_ALL(nr::permute(x, {0, 1}), nr::ShapeError, "2 dims", "rank 3");
  CHECK_THROWS_WITH_ALL(nr::permute(x, {0, 1, 1}), nr::ShapeError, "more than once");
  CHECK_THROWS_WITH_ALL(nr::transpose(x, 0, 3), nr::ShapeError, "transpose", "dim 3");
  CHECK_THROWS_WITH_ALL(nr::slice(x, 1, 0, 2, 0), nr::ValueError, "step must be positive");
  CHECK_THROWS_WITH_ALL(nr::slice(nr::scalar_tensor(1.0f), 0, 0, 1), nr::ShapeError, "0-d");
  CHECK_THROWS_WITH_ALL(nr::concat({x, nr::rand({2, 4, 4})}, 2), nr::ShapeError, "input 1",
                        "[2, 4, 4]", "except dim 2");
  CHECK_THROWS_WITH_ALL(nr::concat({}, 0), nr::ValueError, "at least one");
  CHECK_THROWS_WITH_ALL(nr::concat({nr::scalar_tensor(1.0f)}, 0), nr::ShapeError, "0-d");
}

TEST_CASE("reshape is a view - transpose and slice copy") {
  nr::Tensor x = nr::arange(6, nr::float32);
  nr::Tensor r = nr::reshape(x, {2, 3});
  CHECK(r.raw_data() == x.raw_data());
  nr::Tensor t = nr::transpose(r, 0, 1);
  CHECK(t.shape() == nr::Shape{3, 2});
  CHECK(test::values(t) == std::vector<double>{0, 3, 1, 4, 2, 5});
  CHECK(test::values(nr::slice(r, 1, -2)) == std::vector<double>{1, 2, 4, 5});
  CHECK(nr::slice(r, 1, 5, 9).shape() == nr::Shape{2, 0});
}

TEST_CASE("op structs built from files refuse attributes their kernels cannot take") {
  // The free functions normalize these; a module file may not.
  nr::Sum sum;
  sum.dims = {0, 0};
  CHECK_THROWS_WITH_ALL(sum.infer({{nr::Shape{4}, nr::float32}}), nr::ShapeError,
                        "distinct and increasing");
  sum.dims = {1, 0};
  CHECK_THROWS_AS(sum.infer({{nr::Shape{2, 3}, nr::float32}}), nr::ShapeError);
  sum.dims = {0};
  CHECK_THROWS_WITH_ALL(sum.infer({{nr::Shape{}, nr::float32}}), nr::ShapeError, "out of range");
  nr::Slice s;
  s.dim = 0;
  s.start = 0;
  s.end = 5;
  s.step = std::numeric_limits<std::int64_t>::max();  // no overflow computing the length
  CHECK(s.infer({{nr::Shape{5}, nr::float32}}).shape == nr::Shape{1});
  CHECK_THROWS_WITH_ALL(nr::op_attrs_from_json<nr::Softmax>(nlohmann::json::array({1.5})),
                        nr::FormatError, "softmax", "int64");
}
