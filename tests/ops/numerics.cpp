// Numerical care beyond the PyTorch fixtures, checked against closed forms and float64.
#include "test_util.hpp"

TEST_CASE("softmax and log_softmax stay finite for huge inputs") {
  nr::Tensor x = nr::tensor<float>({{1e30f, 1e30f}, {-1e30f, 0.f}});
  CHECK(test::values(nr::softmax(x, -1)) == std::vector<double>{0.5, 0.5, 0, 1});
  auto ls = test::values(nr::log_softmax(x, -1));
  CHECK(ls[0] == doctest::Approx(-std::log(2.0)));
  CHECK(ls[3] == 0);
  CHECK(ls[2] == doctest::Approx(-1e30));
}

TEST_CASE("layer_norm is exact for data with a large common offset (two-pass variance)") {
  // Values 1e4 + {-1, 0, 1}: a one-pass E[x^2] - E[x]^2 in float loses everything here.
  nr::Tensor x = nr::tensor<float>({10000.f - 1.f, 10000.f, 10000.f + 1.f});
  auto y = test::values(nr::layer_norm(x, {3}, {}, {}, 0.0));
  double s = std::sqrt(1.5);  // 1 / sqrt(2/3)
  CHECK(y[0] == doctest::Approx(-s).epsilon(1e-6));
  CHECK(y[1] == doctest::Approx(0.0));
  CHECK(y[2] == doctest::Approx(s).epsilon(1e-6));
}

TEST_CASE("float32 sums accumulate in double") {
  nr::Tensor x = nr::full({1 << 20}, 0.1, nr::float32);
  double want = (1 << 20) * static_cast<double>(0.1f);
  CHECK(nr::sum(x).item<double>() == doctest::Approx(want).epsilon(1e-7));
  CHECK(nr::mean(x).item<float>() == doctest::Approx(0.1f).epsilon(1e-7));
}

TEST_CASE("matmul matches float64 recomputation, including large batched shapes") {
  nr::manual_seed(3);
  nr::Tensor a = nr::randn({3, 1, 17, 33}, nr::float64), b = nr::randn({4, 33, 9}, nr::float64);
  nr::Tensor y = nr::matmul(a, b);
  REQUIRE(y.shape() == nr::Shape{3, 4, 17, 9});
  auto av = test::values(a), bv = test::values(b), yv = test::values(y);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j)
      for (int m = 0; m < 17; ++m)
        for (int n = 0; n < 9; ++n) {
          double s = 0;
          for (int k = 0; k < 33; ++k)
            s += av[static_cast<std::size_t>((i * 17 + m) * 33 + k)] *
                 bv[static_cast<std::size_t>((j * 33 + k) * 9 + n)];
          CHECK(yv[static_cast<std::size_t>(((i * 4 + j) * 17 + m) * 9 + n)] ==
                doctest::Approx(s).epsilon(1e-12));
        }
  nr::Tensor empty = nr::matmul(nr::rand({2, 0}), nr::rand({0, 3}));
  CHECK(test::values(empty) == std::vector<double>(6, 0.0));
}

TEST_CASE("gelu matches its closed forms") {
  nr::Tensor x = nr::tensor<double>({-2.0, -0.5, 0.0, 0.7, 3.0});
  auto exact = test::values(nr::gelu(x));
  auto approx = test::values(nr::gelu(x, nr::GeluApproximation::tanh));
  auto xv = test::values(x);
  for (std::size_t i = 0; i < xv.size(); ++i) {
    double v = xv[i];
    CHECK(exact[i] == doctest::Approx(0.5 * v * (1 + std::erf(v / std::sqrt(2.0)))).epsilon(1e-12));
    double t = std::tanh(std::sqrt(2 / M_PI) * (v + 0.044715 * v * v * v));
    CHECK(approx[i] == doctest::Approx(0.5 * v * (1 + t)).epsilon(1e-12));
  }
}

TEST_CASE("maximum and minimum propagate NaN - relu keeps NaN") {
  nr::Tensor a = nr::tensor<float>({NAN, 1.f, 2.f});
  nr::Tensor b = nr::tensor<float>({0.f, NAN, 1.f});
  auto mx = test::values(nr::maximum(a, b));
  CHECK(std::isnan(mx[0]));
  CHECK(std::isnan(mx[1]));
  CHECK(mx[2] == 2);
  auto mn = test::values(nr::minimum(a, b));
  CHECK(std::isnan(mn[0]));
  CHECK(mn[2] == 1);
  CHECK(std::isnan(test::values(nr::relu(a))[0]));
  CHECK(std::isnan(nr::max(a).item<double>()));
}
