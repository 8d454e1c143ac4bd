// Expression templates: their types, that nothing runs before conversion, one allocation, no
// dangling leaves, broadcasting and promotion through trees, and errors at construction.
#include "test_util.hpp"

namespace {
// Float64 recomputation of relu(a * b + c - 0.5) with c broadcast along rows.
std::vector<double> reference(const nr::Tensor& a, const nr::Tensor& b, const nr::Tensor& c) {
  auto av = test::values(a), bv = test::values(b), cv = test::values(c);
  std::size_t cols = cv.size();
  std::vector<double> out(av.size());
  for (std::size_t i = 0; i < av.size(); ++i) {
    float v = static_cast<float>(av[i]) * static_cast<float>(bv[i]);
    v = v + static_cast<float>(cv[i % cols]);
    v = v - 0.5f;
    out[i] = v < 0 ? 0 : v;
  }
  return out;
}
}  // namespace

TEST_CASE("elementwise ops build typed expressions") {
  nr::Tensor a = nr::rand({2, 3}), b = nr::rand({2, 3});
  auto e = nr::relu(a * b + 1.0f);
  using E = decltype(e);
  using nr::expr::Leaf;
  using nr::expr::Node;
  using nr::expr::Scalar;
  static_assert(
      std::is_same_v<E, Node<nr::Relu, Node<nr::Add, Node<nr::Mul, Leaf, Leaf>, Scalar<float>>>>);
  static_assert(nr::is_expression_v<E>);
  static_assert(E::leaf_count == 2);
  CHECK(e.shape() == nr::Shape{2, 3});
  CHECK(e.dtype() == nr::float32);
}

TEST_CASE("nothing is computed until conversion, which allocates exactly once") {
  nr::manual_seed(0);
  nr::Tensor a = nr::rand({64, 128}), b = nr::randn({64, 128}), c = nr::rand({128});
  std::int64_t before = nr::storage_allocations();
  auto e = nr::relu(a * b + c - 0.5f);
  CHECK(nr::storage_allocations() == before);
  nr::Tensor y = e;
  CHECK(nr::storage_allocations() == before + 1);
  test::check_close(y, nr::from_vector(reference(a, b, c), {64, 128}).to(nr::float32), 0, 0);
}

TEST_CASE("leaves hold tensors by value: expressions outlive their operands' handles") {
  auto make = [] {
    nr::Tensor a = nr::full({3}, 2.0), b = nr::full({3}, 5.0);
    return a * b - 1;  // a and b go out of scope here
  };
  auto e = make();
  nr::Tensor y = e;
  CHECK(test::values(y) == std::vector<double>{9, 9, 9});
  nr::Tensor y2 = e;  // evaluating twice gives the same
  test::check_equal(y2, y);
}

TEST_CASE("results are position independent across chunk and SIMD tails") {
  // Sizes around the chunk (256) and SIMD widths; every element must match float64 recomputation
  // rounded to float, wherever it sits.
  for (std::int64_t n : {1, 3, 7, 8, 9, 255, 256, 257, 1000, 4099}) {
    nr::Tensor x = nr::randn({n});
    nr::Tensor y = nr::exp(x) * 2.0f;
    auto xv = test::values(x), yv = test::values(y);
    for (std::size_t i = 0; i < xv.size(); ++i)
      CHECK(yv[i] == doctest::Approx(std::exp(xv[i]) * 2).epsilon(3e-7));
    nr::Tensor z = nr::exp(nr::slice(x, 0, 0, 1));  // the first element alone, in a tail
    CHECK(test::values(z)[0] == test::values(nr::exp(x))[0]);
  }
}

TEST_CASE("broadcasting across three operands and coalesced dims") {
  nr::Tensor a = nr::reshape(nr::arange(6, nr::float64), {2, 1, 3});
  nr::Tensor b = nr::reshape(nr::arange(4, nr::float64), {4, 1});
  nr::Tensor c = nr::scalar_tensor(10.0);
  nr::Tensor y = nr::where(nr::gt(a, 2.0), a + b, c);
  REQUIRE(y.shape() == nr::Shape{2, 4, 3});
  auto v = test::values(y);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 4; ++j)
      for (int k = 0; k < 3; ++k) {
        double av = i * 3 + k, bv = j;
        CHECK(v[static_cast<std::size_t>((i * 4 + j) * 3 + k)] == (av > 2 ? av + bv : 10.0));
      }
}

TEST_CASE("promotion inside a tree follows PyTorch step by step") {
  nr::Tensor i = nr::tensor<int>({1, 2, 3});
  nr::Tensor f = nr::tensor<float>({0.5f, 0.5f, 0.5f});
  auto e1 = i * 2;  // int32 * wrapped int -> int32
  CHECK(e1.dtype() == nr::int32);
  auto e2 = e1 / 4;  // true division -> float32
  CHECK(e2.dtype() == nr::float32);
  CHECK(test::values(nr::Tensor(e2)) == std::vector<double>{0.5, 1.0, 1.5});
  auto e3 = (i + 1) * f;  // int32 then float32
  CHECK(e3.dtype() == nr::float32);
  CHECK(test::values(nr::Tensor(e3)) == std::vector<double>{1, 1.5, 2});
  auto e4 = nr::cast(i, nr::float64) + 0.1;  // the double 0.1 stays double
  CHECK(test::values(nr::Tensor(e4))[0] == 1.1);
  auto e5 = nr::gt(i, 1.5);  // int vs float scalar compares in float
  CHECK(test::values(nr::Tensor(e5)) == std::vector<double>{0, 1, 1});
  CHECK((nr::tensor<bool>({true}) + 1).dtype() == nr::int64);
}

TEST_CASE("integer arithmetic wraps around like PyTorch, without undefined behaviour") {
  nr::Tensor big = nr::tensor<std::int32_t>({INT32_MAX, INT32_MIN});
  CHECK(test::values(nr::Tensor(big + nr::tensor<std::int32_t>({1, -1}))) ==
        std::vector<double>{INT32_MIN, INT32_MAX});
  CHECK(test::values(nr::Tensor(-big)) == std::vector<double>{-INT32_MAX, INT32_MIN});
  CHECK(test::values(nr::Tensor(nr::abs(big))) == std::vector<double>{INT32_MAX, INT32_MIN});
  CHECK(test::values(nr::Tensor(big * nr::tensor<std::int32_t>({2, 2}))) ==
        std::vector<double>{-2, 0});
}

TEST_CASE("shape and dtype errors surface where the expression is built") {
  nr::Tensor a = nr::rand({2, 3});
  CHECK_THROWS_WITH_ALL(a * nr::rand({4}), nr::ShapeError, "mul", "[2, 3]", "[4]");
  CHECK_THROWS_WITH_ALL(nr::where(nr::gt(a, 0.5), a, nr::rand({5})), nr::ShapeError, "where",
                        "[5]");
  CHECK_THROWS_WITH_ALL(nr::where(a, a, a), nr::DTypeError, "where", "condition", "float32");
  nr::Tensor flags = nr::tensor<bool>({true, false});
  CHECK_THROWS_WITH_ALL(flags - flags, nr::DTypeError, "sub", "bool");
  CHECK_THROWS_WITH_ALL(-flags, nr::DTypeError, "neg", "bool");
  CHECK_THROWS_WITH_ALL(nr::relu(flags), nr::DTypeError, "relu", "bool");
  CHECK_THROWS_WITH_ALL(nr::Tensor(nr::pow(nr::tensor<int>({2}), -1)), nr::ValueError,
                        "negative integer powers");
}

TEST_CASE("non-elementwise ops accept expressions directly") {
  nr::Tensor a = nr::rand({3, 4});
  test::check_equal(nr::softmax(a * 2.0f, -1), nr::softmax(nr::Tensor(a * 2.0f), -1));
  test::check_equal(nr::matmul(a + 1.0f, nr::transpose(a, 0, 1)),
                    nr::matmul(nr::Tensor(a + 1.0f), nr::transpose(a, 0, 1)));
  test::check_equal(nr::sum(nr::exp(a)), nr::sum(nr::Tensor(nr::exp(a))));
}

TEST_CASE("empty and 0-d operands") {
  nr::Tensor e = nr::zeros({0, 3});
  nr::Tensor y = nr::relu(e + 1.0f);
  CHECK(y.shape() == nr::Shape{0, 3});
  nr::Tensor s = nr::scalar_tensor(2.0f);
  nr::Tensor z = s * s + 1;
  CHECK(z.rank() == 0);
  CHECK(z.item<float>() == 5.0f);
}

TEST_CASE("large outputs (non-temporal stores, several threads) hold the same values") {
  // 5M + 3 floats (20 MB, past kStreamBytes; an odd length so the last chunk is partial), with a
  // broadcast leaf, in the register path (typed expression) and the interpreted one (traced).
  nr::set_num_threads(2);
  const std::int64_t rows = 5 * 1024 * 1024 + 3;
  nr::Tensor a = nr::randn({rows, 1}), b = nr::randn({1, 1}), c = nr::randn({rows, 1});
  auto f = [&](const nr::Tensor& x) { return nr::Tensor(nr::relu(x * b + 1.0f) - c); };
  nr::Tensor eager = f(a);
  nr::Tensor traced = nr::trace(f, a)(a);
  const float* ap = a.data<float>();
  const float* cp = c.data<float>();
  const float bv = b.data<float>()[0];
  std::int64_t wrong = 0;
  for (std::int64_t i = 0; i < rows; ++i) {
    const float want = std::max(ap[i] * bv + 1.0f, 0.0f) - cp[i];
    const float tol = 1e-6f * (1.0f + std::abs(want));  // an FMA may round once instead of twice
    wrong += !(std::abs(eager.data<float>()[i] - want) <= tol) ||
             !(std::abs(traced.data<float>()[i] - want) <= tol);
  }
  CHECK(wrong == 0);
  nr::set_num_threads(1);
}
