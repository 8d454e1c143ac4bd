#include "test_util.hpp"

namespace {
const nr::Device lazy = nr::lazy_device();
using test::graph_of;
}  // namespace

TEST_CASE("CSE merges identical ops on the same inputs; DCE drops what outputs do not need") {
  nr::Tensor x = nr::rand({4, 4}, lazy);
  nr::Tensor s1 = nr::softmax(x, -1), s2 = nr::softmax(x, -1);  // the same computation twice
  nr::Tensor y = nr::matmul(s1, s2);
  nr::Graph g = graph_of({y});
  CHECK(g.op_count() == 3);
  auto exe = nr::compile(g);
  CHECK(exe->op_count() == 2);  // one softmax, one matmul
  auto no_cse = nr::compile(g, nr::CompileOptions{false});
  CHECK(no_cse->op_count() == 3);
  nr::Tensor xc = x.cpu();
  auto out = exe->run(g.inputs, g.scalars);
  test::check_equal(out[0], nr::matmul(nr::softmax(xc, -1), nr::softmax(xc, -1)));
}

TEST_CASE("CSE never merges ops whose runtime scalars may differ") {
  nr::Tensor x = nr::rand({3}, lazy);
  nr::Tensor a = x * 2.0f, b = x * 3.0f;
  nr::Graph g = graph_of({nr::Tensor(a), nr::Tensor(b)});
  auto exe = nr::compile(g);
  CHECK(exe->op_count() == 2);
  auto out = exe->run(g.inputs, g.scalars);
  CHECK(test::values(out[1])[0] == doctest::Approx(test::values(x.cpu())[0] * 3));
}

TEST_CASE("executables check what they are given") {
  nr::Tensor x = nr::rand({3}, lazy);
  nr::Graph g = graph_of({nr::exp(x)});
  auto exe = nr::compile(g);
  CHECK_THROWS_WITH_ALL(exe->run({}, {}), nr::ValueError, "expected 1 inputs");
  CHECK_THROWS_WITH_ALL(exe->run({nr::rand({4})}, {}), nr::ShapeError, "input 0", "[4]", "[3]");
}
