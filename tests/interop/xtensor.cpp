#include "test_util.hpp"

#include <xtensor/xmath.hpp>

TEST_CASE("as_xtensor adapts without copying - from_xtensor copies any expression") {
  nr::Tensor t = nr::reshape(nr::arange(6, nr::float64), {2, 3});
  auto view = nr::as_xtensor<double>(t);
  CHECK(view.data() == t.data<double>());
  CHECK(view.dimension() == 2);
  CHECK(view(1, 2) == 5.0);
  view(0, 1) = -1.0;
  CHECK(t.data<double>()[1] == -1.0);
  nr::Tensor s = nr::from_xtensor(xt::sqrt(view + 1.0));
  CHECK(s.shape() == nr::Shape{2, 3});
  CHECK(test::values(s)[3] == doctest::Approx(2.0));
  xt::xarray<std::int64_t> owned = nr::to_xarray<std::int64_t>(nr::arange(4));
  CHECK(owned(3) == 3);
  CHECK(test::values(nr::from_xtensor(owned)) == std::vector<double>{0, 1, 2, 3});
}
