#include "test_util.hpp"

TEST_CASE("shape basics") {
  nr::Shape s{2, 3, 4};
  CHECK(s.rank() == 3);
  CHECK(s.numel() == 24);
  CHECK(s.str() == "[2, 3, 4]");
  CHECK(nr::Shape{}.numel() == 1);
  CHECK(nr::Shape{3, 0}.numel() == 0);
  s.insert(1, 7);
  CHECK(s == nr::Shape{2, 7, 3, 4});
  s.erase(0);
  CHECK(s == nr::Shape{7, 3, 4});
}

TEST_CASE("rank above 8 and negative extents are ShapeErrors") {
  CHECK_THROWS_WITH_ALL((nr::Shape{1, 1, 1, 1, 1, 1, 1, 1, 1}), nr::ShapeError, "rank 9",
                        "maximum rank 8");
  CHECK_THROWS_WITH_ALL((nr::Shape{2, -1}), nr::ShapeError, "dimension 1", "negative extent -1");
  CHECK_THROWS_WITH_ALL((nr::Shape{1LL << 40, 1LL << 40}), nr::ShapeError, "too many elements");
  CHECK_THROWS_AS(nr::zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}), nr::ShapeError);
}

TEST_CASE("broadcasting follows numpy rules and names the failing dim") {
  CHECK(nr::broadcast_shapes({2, 1, 4}, {3, 1}, "t") == nr::Shape{2, 3, 4});
  CHECK(nr::broadcast_shapes({}, {5}, "t") == nr::Shape{5});
  CHECK(nr::broadcast_shapes({0, 1}, {1, 3}, "t") == nr::Shape{0, 3});
  CHECK_THROWS_WITH_ALL(nr::broadcast_shapes({2, 3}, {4}, "add"), nr::ShapeError, "add", "[2, 3]",
                        "[4]", "dim -1 is 3 vs 4");
}

TEST_CASE("negative dims normalize - out-of-range dims say the valid range") {
  CHECK(nr::normalize_dim(-1, 3, "op") == 2);
  CHECK(nr::normalize_dim(0, 0, "op") == 0);
  CHECK_THROWS_WITH_ALL(nr::normalize_dim(3, 3, "softmax"), nr::ShapeError, "softmax", "dim 3",
                        "[-3, 2]");
}
