#include "test_util.hpp"

#include <set>

TEST_CASE("the op list registers every op once, by a unique name") {
  std::set<std::string> names;
  int elementwise = 0;
  nr::AllOps::for_each([&](auto op) {
    using Op = decltype(op);
    names.insert(Op::name);
    elementwise += nr::is_elementwise_op<Op>::value;
    (void)op.attrs();  // every op exposes its attrs as a tuple
  });
  CHECK(names.size() == nr::AllOps::size);
  CHECK(nr::AllOps::size == 88);
  CHECK(elementwise == 45);
  CHECK(nr::is_known_op("softmax"));
  CHECK(nr::is_known_op("conv2d"));
  CHECK_FALSE(nr::is_known_op("conv4d"));
  std::string found;
  CHECK(nr::AllOps::visit("layer_norm", [&](auto op) { found = decltype(op)::name; }));
  CHECK(found == "layer_norm");
}

TEST_CASE("attrs tuples compare, so equal ops are recognisable") {
  nr::Softmax a, b;
  a.dim = 1;
  b.dim = 1;
  CHECK(a.attrs() == b.attrs());
  b.dim = 0;
  CHECK(a.attrs() != b.attrs());
  nr::Gelu g;
  g.tanh_approximation = true;
  CHECK(std::get<0>(g.attrs()));
}
