#include "test_util.hpp"

TEST_CASE("as_eigen maps a tensor without copying - from_eigen copies any expression") {
  nr::Tensor t = nr::reshape(nr::arange(6, nr::float32), {2, 3});
  auto m = nr::as_eigen<float>(t);
  CHECK(m.data() == t.data<float>());
  CHECK(m.rows() == 2);
  CHECK(m(1, 2) == 5.f);
  m(0, 0) = 42.f;  // writes through
  CHECK(t.data<float>()[0] == 42.f);
  nr::Tensor back = nr::from_eigen(m.transpose() * 2.f);
  CHECK(back.shape() == nr::Shape{3, 2});
  CHECK(test::values(back) == std::vector<double>{84, 6, 2, 8, 4, 10});
  Eigen::MatrixXd colmajor(2, 2);
  colmajor << 1, 2, 3, 4;
  CHECK(test::values(nr::from_eigen(colmajor)) == std::vector<double>{1, 2, 3, 4});
  CHECK_THROWS_WITH_ALL(nr::as_eigen<float>(nr::rand({2, 2, 2})), nr::ShapeError, "[2, 2, 2]");
  CHECK_THROWS_AS(nr::as_eigen<double>(t), nr::DTypeError);
}
