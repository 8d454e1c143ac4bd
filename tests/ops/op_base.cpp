#include "test_util.hpp"

TEST_CASE("run_op's braced inputs are held only while the op runs, in a reused vector") {
  nr::Tensor x = nr::rand({3, 4});
  const long before = x.impl_shared().use_count();
  {
    nr::detail::ReusedInputs outer({x, x});
    REQUIRE(outer.get().size() == 2);
    nr::detail::ReusedInputs inner({x});  // while the thread's vector is in use: one of its own
    CHECK(&inner.get() != &outer.get());
    REQUIRE(inner.get().size() == 1);
    CHECK(inner.get()[0].impl_ptr() == x.impl_ptr());
    CHECK(x.impl_shared().use_count() == before + 3);
  }
  CHECK(x.impl_shared().use_count() == before);
  const nr::Tensor* first = nullptr;
  {
    nr::detail::ReusedInputs again({x});
    first = &again.get()[0];
  }
  {
    nr::detail::ReusedInputs third({x});
    CHECK(&third.get()[0] == first);  // the same storage as before: no new vector
  }
  nr::Tensor w = nr::rand({5, 4}), b = nr::rand({5});
  test::check_close(nr::linear(x, w, b), nr::matmul(x, nr::transpose(w, 0, 1)) + b);
  CHECK(x.impl_shared().use_count() == before);
}
