#include "test_util.hpp"

TEST_CASE("manual_seed makes rand and randn reproducible") {
  nr::manual_seed(42);
  nr::Tensor a = nr::rand({100}), b = nr::randn({7});
  nr::manual_seed(42);
  test::check_equal(nr::rand({100}), a);
  test::check_equal(nr::randn({7}), b);
  nr::manual_seed(43);
  CHECK(test::values(nr::rand({100})) != test::values(a));
}

TEST_CASE("rand is uniform on 0 to 1 and randn standard normal (closed-form moments)") {
  nr::manual_seed(1);
  const int n = 200000;
  for (nr::DType dt : {nr::float32, nr::float64}) {
    auto u = test::values(nr::rand({n}, dt));
    double mean = 0, var = 0, lo = 1, hi = 0;
    for (double v : u) {
      mean += v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    mean /= n;
    for (double v : u) var += (v - mean) * (v - mean);
    var /= n;
    CHECK(lo >= 0);
    CHECK(hi < 1);
    CHECK(mean == doctest::Approx(0.5).epsilon(0.01));
    CHECK(var == doctest::Approx(1.0 / 12).epsilon(0.02));
    auto g = test::values(nr::randn({n}, dt));
    double gm = 0, gv = 0;
    for (double v : g) gm += v;
    gm /= n;
    for (double v : g) gv += (v - gm) * (v - gm);
    gv /= n;
    CHECK(std::abs(gm) < 0.01);
    CHECK(gv == doctest::Approx(1.0).epsilon(0.02));
  }
}

TEST_CASE("random creation refuses non-floating dtypes and bad ranges") {
  CHECK_THROWS_WITH_ALL(nr::rand({2}, nr::int64), nr::DTypeError, "float32 or float64", "int64");
  CHECK_THROWS_AS(nr::randn({2}, nr::bool_), nr::DTypeError);
  CHECK_THROWS_WITH_ALL(nr::randint(5, 5, {2}), nr::ValueError, "low < high");
  auto r = test::values(nr::randint(-3, 4, {1000}));
  CHECK(*std::min_element(r.begin(), r.end()) == -3);
  CHECK(*std::max_element(r.begin(), r.end()) == 3);
}
