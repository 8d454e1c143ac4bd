#include "test_util.hpp"

TEST_CASE("set_num_threads sets the intra-op thread count and refuses nonsense") {
  nr::set_num_threads(1);
  CHECK(nr::get_num_threads() == 1);
  nr::Tensor a = nr::rand({130, 70}), b = nr::rand({70, 90});
  nr::Tensor one = nr::matmul(a, b);
  nr::set_num_threads(2);
#if defined(_OPENMP)
  CHECK(nr::get_num_threads() == 2);
#endif
  test::check_close(nr::matmul(a, b), one, 1e-6, 1e-6);  // same result with more threads
  CHECK_THROWS_WITH_ALL(nr::set_num_threads(0), nr::ValueError, "n >= 1");
}
