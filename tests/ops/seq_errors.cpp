// Sequence and indexing ops: out-of-range indices are IndexErrors naming the op, the index and the
// bound, in every mode (eager, lazy at mark_step, a traced call); bad shapes and dtypes name the op
// and the shapes.
#include "test_util.hpp"

namespace {
using I64 = std::int64_t;
}  // namespace

TEST_CASE("gather, index_select and index_copy check every index eagerly") {
  const nr::Tensor x = nr::rand({2, 5});
  CHECK_THROWS_WITH_ALL(nr::gather(x, 1, nr::tensor<I64>({{0, 7}, {1, 2}})), nr::IndexError,
                        "gather: index 7 is out of bounds for dim 1 with size 5");
  CHECK_THROWS_WITH_ALL(nr::gather(x, -1, nr::tensor<I64>({{-1}, {0}})), nr::IndexError,
                        "gather: index -1 is out of bounds for dim 1 with size 5");
  CHECK_THROWS_WITH_ALL(nr::index_select(x, 0, nr::tensor<I64>({0, 2})), nr::IndexError,
                        "index_select: index 2 is out of bounds for dim 0 with size 2");
  CHECK_THROWS_WITH_ALL(nr::index_select(x, 1, nr::tensor<std::int32_t>({-1})), nr::IndexError,
                        "index_select: index -1 is out of bounds for dim 1 with size 5");
  CHECK_THROWS_WITH_ALL(nr::index_copy(x, 1, nr::tensor<I64>({5}), nr::rand({2, 1})),
                        nr::IndexError,
                        "index_copy: index 5 is out of bounds for dim 1 with size 5");
  CHECK_THROWS_WITH_ALL(nr::index_copy(x, 0, nr::tensor<I64>({-3}), nr::rand({1, 5})),
                        nr::IndexError, "index_copy: index -3");
}

TEST_CASE("out-of-range indices are IndexErrors at mark_step and in traced calls") {
  const nr::Tensor x = nr::rand({3, 4});
  const nr::Tensor bad = nr::tensor<I64>({1, 9});
  {
    nr::Tensor y = nr::index_select(x.to(nr::lazy_device()), 1, bad.to(nr::lazy_device()));
    CHECK_THROWS_WITH_ALL(nr::mark_step(), nr::IndexError,
                          "index_select: index 9 is out of bounds for dim 1 with size 4");
  }
  {
    nr::Tensor y =
        nr::gather(x.to(nr::lazy_device()), 0, nr::tensor<I64>({{0, 3}}).to(nr::lazy_device()));
    CHECK_THROWS_WITH_ALL(nr::mark_step(), nr::IndexError,
                          "gather: index 3 is out of bounds for dim 0 with size 3");
  }
  nr::mark_step();  // nothing left pending
  auto sel = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::index_select(in[0], 1, in[1])};
  };
  nr::TracedModule tm = nr::trace(sel, {x, nr::tensor<I64>({0, 1})});
  CHECK(tm.forward({x, nr::tensor<I64>({3, 2})})[0].shape() == nr::Shape({3, 2}));
  CHECK_THROWS_WITH_ALL(tm.forward({x, bad}), nr::IndexError,
                        "index_select: index 9 is out of bounds for dim 1 with size 4");
  auto copy = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::index_copy(in[0], 0, in[1], in[2])};
  };
  nr::TracedModule tc = nr::trace(copy, {x, nr::tensor<I64>({2}), nr::rand({1, 4})});
  CHECK_THROWS_WITH_ALL(tc.forward({x, nr::tensor<I64>({-1}), nr::rand({1, 4})}), nr::IndexError,
                        "index_copy: index -1 is out of bounds for dim 0 with size 3");
  auto gat = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::gather(in[0], 1, in[1])};
  };
  nr::TracedModule tg = nr::trace(gat, {x, nr::tensor<I64>({{0}, {1}, {2}})});
  CHECK_THROWS_WITH_ALL(tg.forward({x, nr::tensor<I64>({{0}, {4}, {2}})}), nr::IndexError,
                        "gather: index 4 is out of bounds for dim 1 with size 4");
}

TEST_CASE("indexing ops refuse bad shapes and dtypes, naming the op and the shapes") {
  const nr::Tensor x = nr::rand({2, 5});
  CHECK_THROWS_WITH_ALL(nr::gather(x, 1, nr::tensor<std::int32_t>({{0}})), nr::DTypeError,
                        "gather: index must be int64", "int32");
  CHECK_THROWS_WITH_ALL(
      nr::gather(x, 1, nr::tensor<I64>({0})), nr::ShapeError,
      "gather: index of shape [1] must have the rank of the input of shape [2, 5]");
  CHECK_THROWS_WITH_ALL(nr::gather(x, 1, nr::zeros({3, 1}, nr::int64)), nr::ShapeError,
                        "gather: index of shape [3, 1] is larger than the input of shape [2, 5] in "
                        "dim 0");
  CHECK_THROWS_WITH_ALL(nr::gather(x, 2, nr::zeros({2, 1}, nr::int64)), nr::ShapeError, "gather",
                        "dim 2");
  CHECK_THROWS_WITH_ALL(nr::index_select(x, 0, nr::zeros({1, 1}, nr::int64)), nr::ShapeError,
                        "index_select: index must be 1-d (or 0-d), got shape [1, 1]");
  CHECK_THROWS_WITH_ALL(nr::index_select(x, 0, nr::zeros({1})), nr::DTypeError,
                        "index_select: index must be int32 or int64, got float32");
  CHECK_THROWS_WITH_ALL(nr::index_copy(x, 1, nr::tensor<I64>({0}), nr::rand({2, 2})),
                        nr::ShapeError, "index_copy: source has shape [2, 2], expected [2, 1]",
                        "[2, 5]");
  CHECK_THROWS_WITH_ALL(nr::index_copy(x, 1, nr::tensor<I64>({0}), nr::rand({2, 1}, nr::float64)),
                        nr::DTypeError, "index_copy: source has dtype float64", "float32");
  CHECK_THROWS_WITH_ALL(nr::index_copy(x, 1, nr::tensor<std::int32_t>({0}), nr::rand({2, 1})),
                        nr::DTypeError, "index_copy: index must be int64");
}

TEST_CASE("argmax, cumsum, prod, triu, masked_fill, arange, logical ops and remainder errors") {
  CHECK_THROWS_WITH_ALL(nr::argmax(nr::zeros({0, 3}), 0), nr::ShapeError,
                        "argmax: cannot reduce over dim 0 of size 0 (input shape [0, 3])");
  CHECK_THROWS_WITH_ALL(nr::argmin(nr::zeros({0})), nr::ShapeError, "argmin", "empty", "[0]");
  CHECK_THROWS_WITH_ALL(nr::argmax(nr::ones({2}, nr::bool_), 0), nr::DTypeError, "argmax", "bool");
  CHECK_THROWS_WITH_ALL(nr::argmax(nr::ones({2, 3}), 2), nr::ShapeError, "argmax", "dim 2");
  CHECK_THROWS_WITH_ALL(nr::cumsum(nr::ones({2, 3}), -3), nr::ShapeError, "cumsum", "dim -3");
  CHECK_THROWS_WITH_ALL(nr::prod(nr::ones({2, 3}), 4), nr::ShapeError, "prod", "dim 4");
  CHECK_THROWS_WITH_ALL(nr::triu(nr::ones({3})), nr::ShapeError,
                        "triu: input must have at least 2 dims, got shape [3]");
  CHECK_THROWS_WITH_ALL(nr::masked_fill(nr::ones({2, 3}), nr::ones({2, 3}), 0.0), nr::DTypeError,
                        "masked_fill: mask must be bool, got float32", "[2, 3]");
  CHECK_THROWS_AS(nr::masked_fill(nr::ones({2, 3}), nr::ones({4}, nr::bool_), 0.0), nr::ShapeError);
  CHECK_THROWS_WITH_ALL(nr::arange(0, 5, 0), nr::ValueError, "arange: step must be nonzero");
  CHECK_THROWS_WITH_ALL(nr::arange(0.0, 1.0, 0.0), nr::ValueError, "step must be nonzero");
  CHECK_THROWS_WITH_ALL(nr::arange(0, -1, 1), nr::ValueError, "inconsistent with the step sign");
  CHECK_THROWS_WITH_ALL(nr::Tensor(nr::remainder(nr::tensor<I64>({3, 4}), nr::tensor<I64>({1, 0}))),
                        nr::ValueError, "remainder: integer remainder by zero (4 % 0)");
  CHECK_THROWS_WITH_ALL(nr::Tensor(nr::remainder(nr::tensor<std::int32_t>({3}), 0)), nr::ValueError,
                        "remainder: integer remainder by zero");
  CHECK_THROWS_WITH_ALL(
      nr::Tensor(nr::remainder(nr::ones({2}, nr::bool_), nr::ones({2}, nr::bool_))), nr::DTypeError,
      "remainder", "bool");
  // in a lazy graph the same error surfaces at mark_step
  {
    nr::Tensor y = nr::remainder(nr::tensor<I64>({5}).to(nr::lazy_device()), 0);
    CHECK_THROWS_WITH_ALL(nr::mark_step(), nr::ValueError, "remainder: integer remainder by zero");
  }
  nr::mark_step();
}

TEST_CASE("masked_fill keeps the input's dtype; arange's dtype rule") {
  const nr::Tensor m = nr::tensor<bool>({{true, false, true}, {false, false, true}});
  nr::Tensor f = nr::masked_fill(nr::rand({2, 3}), m, -1.0);
  CHECK(f.dtype() == nr::float32);
  CHECK(f.data<float>()[0] == -1.0f);
  nr::Tensor i = nr::masked_fill(nr::ones({2, 3}, nr::int32), m, 2.5);
  CHECK(i.dtype() == nr::int32);
  CHECK(test::values(i) == std::vector<double>{2, 1, 2, 1, 1, 2});
  CHECK(nr::arange(0, 3).dtype() == nr::int64);
  CHECK(nr::arange(0, 3, 0.5).dtype() == nr::float32);
  CHECK(nr::arange(0, 3, 1, nr::float64).dtype() == nr::float64);
  CHECK(test::values(nr::arange(0.0, 1.0, 0.3)).size() == 4);
}

TEST_CASE("padding follows the dim flows of the sequence ops") {
  // trace_buckets pads dim 1 at its end, with 0 here: ops that mix it refuse unless 0 is their
  // identity; ops that depend on positions along it (cumsum, triu) keep the real entries as they
  // are, so they follow it.
  const std::vector<nr::Tensor> ex{nr::randn({2, 4}), nr::randn({2, 8})};
  const nr::Tensor x6 = nr::randn({2, 6});
  auto over_seq = [](const nr::Tensor& x) { return nr::cumsum(x, 1); };
  test::check_close(nr::trace_buckets(over_seq, ex, {})(x6), over_seq(x6), 1e-6, 1e-6, "cumsum");
  auto arg = [](const nr::Tensor& x) { return nr::argmax(x, -1); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(arg, ex, {}), nr::ValueError, "argmax", "input 0 dim 1",
                        "hold 0", "needs -inf");
  auto product = [](const nr::Tensor& x) { return nr::prod(x, 1); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(product, ex, {}), nr::ValueError, "prod", "input 0 dim 1",
                        "needs 1");
  auto tri = [](const nr::Tensor& x) { return nr::triu(x); };
  test::check_equal(nr::trace_buckets(tri, ex, {})(x6), tri(x6));
  auto gathered = [](const nr::Tensor& x) { return nr::index_select(x, 1, nr::tensor<I64>({3})); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(gathered, ex, {}), nr::ValueError, "index_select",
                        "does not keep whole", "its index reaches entry 3");
  // dynamic_batch follows the batch (dim 0) through ops along other dims
  nr::TraceOptions o;
  o.dynamic_batch = true;
  const nr::Tensor idx = nr::tensor<I64>({2, 0});
  auto along = [&](const nr::Tensor& x) {
    return nr::index_select(nr::cumsum(x, 1), 1, idx) +
           nr::cast(nr::argmax(x, 1, true), nr::float32);
  };
  nr::TracedModule tm = nr::trace(along, nr::randn({2, 3}), o);
  for (std::int64_t n : {1, 3, 5}) {
    const nr::Tensor x = nr::randn({n, 3});
    test::check_close(tm(x), along(x), 1e-6, 0, "batch " + std::to_string(n));
  }
  auto over_batch = [](const nr::Tensor& x) { return nr::argmin(x, 0); };
  CHECK_THROWS_WITH_ALL(nr::trace(over_batch, nr::randn({2, 3}), o), nr::ValueError, "argmin",
                        "input 0 dim 0");
}

TEST_CASE("remainder of the integer minimum by -1 is 0, not SIGFPE") {
  const I64 lo = std::numeric_limits<I64>::min();
  CHECK(test::values(nr::Tensor(nr::remainder(nr::tensor<I64>({lo, 7}), -1))) ==
        std::vector<double>{0, 0});
  const std::int32_t lo32 = std::numeric_limits<std::int32_t>::min();
  CHECK(test::values(nr::Tensor(nr::remainder(nr::tensor<std::int32_t>({lo32}), -1))) ==
        std::vector<double>{0});
}

TEST_CASE("topk refuses bool, k out of range and bad dims, naming the op and the shapes") {
  const nr::Tensor x = nr::rand({2, 3});
  CHECK_THROWS_WITH_ALL(nr::topk(nr::ones({3}, nr::bool_), 1), nr::DTypeError,
                        "topk: bool input is not supported");
  CHECK_THROWS_WITH_ALL(nr::topk(x, 4), nr::ValueError,
                        "topk: k = 4 is out of range for dim 1 of size 3 (input shape [2, 3])");
  CHECK_THROWS_WITH_ALL(nr::topk(x, -1, 0), nr::ValueError, "topk: k = -1", "dim 0 of size 2");
  CHECK_THROWS_WITH_ALL(nr::topk(x, 1, 2), nr::ShapeError, "topk: dim 2 is out of range", "rank 2");
  CHECK_THROWS_WITH_ALL(nr::topk(nr::full({}, 1.0), 2), nr::ValueError, "topk: k = 2", "size 1");
  CHECK_THROWS_WITH_ALL(nr::topk(nr::Tensor(), 1), nr::ValueError, "topk", "undefined");
  // integers work; k = 0 gives empty results; the two results of a lazy topk are two nodes
  auto [v, i] = nr::topk(nr::tensor<std::int32_t>({{4, 9, 1}}), 0);
  CHECK(v.shape() == nr::Shape({1, 0}));
  CHECK(i.dtype() == nr::int64);
  CHECK_THROWS_WITH_ALL(nr::topk(nr::ones({3}, nr::bool_).to(nr::lazy_device()), 1), nr::DTypeError,
                        "topk: bool");
}

TEST_CASE("expand, squeeze, unsqueeze and flatten refuse bad sizes and dims") {
  const nr::Tensor x = nr::rand({2, 3});
  CHECK_THROWS_WITH_ALL(nr::expand(x, {3}), nr::ShapeError,
                        "expand: the target [3] has 1 dims, fewer than the input's 2 (input shape "
                        "[2, 3])");
  CHECK_THROWS_WITH_ALL(nr::expand(x, {2, 4}), nr::ShapeError,
                        "expand: the size 4 at dim 1 of the target [2, 4] must match the input's "
                        "size 3 at its dim 1 (input shape [2, 3]); only dims of size 1 expand");
  CHECK_THROWS_WITH_ALL(nr::expand(x, {-1, 2, 3}), nr::ShapeError,
                        "expand: size -1 at the new leading dim 0 of the target [-1, 2, 3]");
  CHECK_THROWS_WITH_ALL(nr::expand(nr::rand({1}), {2, -2}), nr::ShapeError,
                        "expand: invalid size -2 at dim 1 of the target [2, -2]");
  CHECK_THROWS_WITH_ALL(nr::expand(x, std::vector<I64>(9, 1)), nr::ShapeError, "expand",
                        "maximum rank 8");
  CHECK_THROWS_WITH_ALL(nr::squeeze(x, 2), nr::ShapeError, "squeeze: dim 2 is out of range");
  CHECK_THROWS_WITH_ALL(nr::unsqueeze(x, 3), nr::ShapeError,
                        "unsqueeze: dim 3 is out of range for a tensor of rank 2 (expected a dim "
                        "in [-3, 2])");
  CHECK_THROWS_WITH_ALL(nr::unsqueeze(x, -4), nr::ShapeError, "unsqueeze: dim -4");
  CHECK_THROWS_WITH_ALL(nr::unsqueeze(nr::zeros({1, 1, 1, 1, 1, 1, 1, 1}), 0), nr::ShapeError,
                        "unsqueeze", "maximum rank 8");
  CHECK_THROWS_WITH_ALL(nr::flatten(nr::rand({2, 3, 4}), 2, 1), nr::ValueError,
                        "flatten: start_dim 2 comes after end_dim 1 for the input of shape [2, 3, "
                        "4]");
  CHECK_THROWS_WITH_ALL(nr::flatten(x, 0, 2), nr::ShapeError, "flatten: dim 2 is out of range");
  // squeeze of a dim whose size is not 1 keeps it; eagerly these are views sharing storage
  CHECK(nr::squeeze(x, 0).shape() == x.shape());
  CHECK(nr::unsqueeze(x, -1).raw_data() == x.raw_data());
}

TEST_CASE("stack, split and chunk refuse bad lists, sizes and dims") {
  const nr::Tensor x = nr::rand({2, 3});
  CHECK_THROWS_WITH_ALL(nr::stack({}), nr::ValueError, "stack: expected a non-empty list");
  CHECK_THROWS_WITH_ALL(nr::stack({x, nr::rand({2, 4})}), nr::ShapeError,
                        "stack: input 1 has shape [2, 4] but input 0 has shape [2, 3]");
  CHECK_THROWS_WITH_ALL(nr::stack({x, x}, 3), nr::ShapeError,
                        "stack: dim 3 is out of range for inputs of rank 2 (expected a dim in [-3, "
                        "2])");
  CHECK_THROWS_WITH_ALL(nr::stack({x, nr::Tensor()}), nr::ValueError, "stack: input 1",
                        "undefined");
  CHECK_THROWS_WITH_ALL(nr::stack({x, x.to(nr::lazy_device())}), nr::DeviceError, "stack",
                        ".to(device)");
  CHECK_THROWS_WITH_ALL(nr::split(nr::full({}, 1.0), 1), nr::ShapeError,
                        "split: expects a tensor with at least 1 dim, got a 0-d tensor");
  CHECK_THROWS_WITH_ALL(nr::split(x, -1, 1), nr::ValueError, "split: split_size must be >= 0");
  CHECK_THROWS_WITH_ALL(nr::split(x, 0, 1), nr::ValueError,
                        "split: split_size can only be 0 when the dim has size 0, but dim 1 of "
                        "the input of shape [2, 3] has size 3");
  CHECK_THROWS_WITH_ALL(nr::split(x, {1, 1}, 1), nr::ShapeError,
                        "split: sizes [1, 1] must sum to the size 3 of dim 1 of the input of "
                        "shape [2, 3]");
  CHECK_THROWS_WITH_ALL(nr::split(x, {4, -1}, 1), nr::ValueError,
                        "split: sizes must be >= 0, got [4, -1]");
  const I64 big = std::numeric_limits<I64>::max();
  CHECK_THROWS_WITH_ALL(nr::split(x, {big, big, 3}, 1), nr::ShapeError, "must sum to the size 3");
  CHECK_THROWS_WITH_ALL(nr::split(x, 1, 2), nr::ShapeError, "split: dim 2 is out of range");
  CHECK_THROWS_WITH_ALL(nr::chunk(x, 0), nr::ValueError,
                        "chunk: the number of chunks must be > 0, got 0");
  CHECK_THROWS_WITH_ALL(nr::chunk(nr::full({}, 1.0), 1), nr::ShapeError, "chunk: expects a tensor");
  // a size above the dim gives one piece; chunk gives fewer pieces when they run out
  CHECK(nr::split(x, big, 1).size() == 1);
  CHECK(nr::chunk(nr::rand({5}), 4).size() == 3);
}

TEST_CASE("pad refuses bad pads, modes and values, naming what was given and expected") {
  const nr::Tensor x = nr::rand({1, 4});
  CHECK_THROWS_WITH_ALL(nr::pad(x, {1}), nr::ValueError,
                        "pad: pads must hold a (before, after) pair per padded dim, last dim "
                        "first; got 1 values [1]");
  CHECK_THROWS_WITH_ALL(nr::pad(nr::rand({3}), {1, 1, 1, 1}), nr::ValueError,
                        "pad: 4 pads pad 2 dims, but the input of shape [3] has 1");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {1, 1}, "circular"), nr::ValueError,
                        "pad: unknown mode 'circular'; expected 'constant', 'reflect' or "
                        "'replicate'");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {1, 1}, "reflect", 1.0), nr::ValueError,
                        "pad: mode 'reflect' takes no value");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {4, 1}, "reflect"), nr::ValueError,
                        "pad: reflect padding (4, 1) of dim 1 must be less than its size 4 (input "
                        "shape [1, 4])");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {0, 0, 0, 1}, "reflect"), nr::ValueError,
                        "pad: reflect padding (0, 1) of dim 0 must be less than its size 1");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {-3, -2}), nr::ShapeError,
                        "pad: pads (-3, -2) of dim 1 crop its size 4 to -1 (input shape [1, 4])");
  CHECK_THROWS_WITH_ALL(nr::pad(x, {std::numeric_limits<I64>::max(), 1}), nr::ShapeError,
                        "pad: pads (9223372036854775807, 1) of dim 1 are too large");
  CHECK_THROWS_WITH_ALL(nr::pad(nr::zeros({2, 0}), {1, 0}, "replicate"), nr::ValueError,
                        "pad: replicate cannot pad dim 1 of size 0");
  CHECK_THROWS_WITH_ALL(nr::pad(nr::zeros({2}, nr::int64), {1, 0}, "constant", NAN), nr::ValueError,
                        "pad: value nan does not fit the input's dtype int64");
  CHECK_THROWS_WITH_ALL(nr::pad(nr::zeros({2}, nr::int32), {1, 0}, "constant", 3e9), nr::ValueError,
                        "does not fit the input's dtype int32");
  // attributes read from a file are checked as the DSL's are
  nr::Pad p;
  p.mode = 7;
  CHECK_THROWS_WITH_ALL(p.infer({nr::TensorSpec{nr::Shape{2}, nr::float32}}), nr::ValueError,
                        "pad: unknown mode 7");
  p.mode = nr::Pad::replicate;
  p.value = 2;
  CHECK_THROWS_WITH_ALL(p.infer({nr::TensorSpec{nr::Shape{2}, nr::float32}}), nr::ValueError,
                        "pad: mode 'replicate' takes no value");
  // a constant pad of bool or integer tensors converts the value as torch
  CHECK(test::values(nr::pad(nr::zeros({1}, nr::bool_), {1, 0}, "constant", 0.5)) ==
        std::vector<double>{1, 0});
  CHECK(test::values(nr::pad(nr::zeros({1}, nr::int64), {0, 1}, "constant", -2.9)) ==
        std::vector<double>{0, -2});
}

TEST_CASE("repeat refuses too few or negative repeats; op attributes are checked again") {
  const nr::Tensor x = nr::rand({2, 3});
  CHECK_THROWS_WITH_ALL(nr::repeat(x, {2}), nr::ShapeError,
                        "repeat: got 1 repeats [2] for the input of shape [2, 3]; give at least "
                        "one per dim (2)");
  CHECK_THROWS_WITH_ALL(nr::repeat(x, {-1, 1}), nr::ValueError,
                        "repeat: repeats must be >= 0, got [-1, 1]");
  CHECK_THROWS_WITH_ALL(nr::repeat(x, {std::numeric_limits<I64>::max(), 2}), nr::ShapeError,
                        "repeat", "too many elements");
  CHECK_THROWS_WITH_ALL(nr::repeat(x, std::vector<I64>(9, 1)), nr::ShapeError, "repeat",
                        "maximum rank 8");
  // ops read from a file may hold any attributes: infer checks them all
  nr::TopK t;
  t.dim = 3;
  CHECK_THROWS_WITH_ALL(t.infer({nr::TensorSpec{nr::Shape{2, 3}, nr::float32}}), nr::ShapeError,
                        "topk: dim 3 out of range for the input of shape [2, 3]");
  nr::Expand e;
  e.shape = {2, 5};
  CHECK_THROWS_WITH_ALL(e.infer({nr::TensorSpec{nr::Shape{2, 3}, nr::float32}}), nr::ShapeError,
                        "expand: the size 5 at dim 1");
}
