// trace_buckets and dynamic_batch: padding in, padding sliced off, and refusal where padding would
// change results.
#include "test_util.hpp"

#include <functional>
#include <thread>

namespace nn = neuron::nn;

namespace {
// Per-token model: embedding -> linear -> gelu -> linear. Nothing mixes positions.
nn::Sequential token_model() {
  nr::manual_seed(1);
  nn::Sequential m(nn::Embedding(50, 16), nn::Linear(16, 32), nn::GELU(), nn::Linear(32, 4));
  m.eval();
  return m;
}
nr::Tensor ids(std::int64_t batch, std::int64_t len) {
  return nr::randint(0, 50, {batch, len}, nr::int64);
}
}  // namespace

TEST_CASE("trace_buckets pads to the smallest fitting bucket and slices the outputs back") {
  nn::Sequential m = token_model();
  nr::TracedModule tm = nr::trace_buckets(m, {ids(1, 16), ids(1, 8), ids(1, 32)}, {});
  CHECK(tm.mode() == nr::TraceMode::buckets);
  CHECK(tm.bucket_count() == 3);
  CHECK(tm.plans()[0].inputs[0].shape == nr::Shape{1, 8});  // sorted ascending
  // Weights are stored once for all buckets.
  CHECK(tm.weight_names().size() == 5);
  for (std::int64_t len : {1, 5, 8, 9, 16, 30, 32}) {
    nr::Tensor x = ids(1, len);
    nr::Tensor y = tm(x);
    CHECK(y.shape() == nr::Shape{1, len, 4});
    test::check_close(y, m(x), 1e-6, 1e-7, "len " + std::to_string(len));
  }
  CHECK_THROWS_WITH_ALL(tm(ids(1, 33)), nr::ShapeError, "no bucket fits", "[1, 33]", "[1, 8]",
                        "[1, 32]");
  CHECK_THROWS_WITH_ALL(tm(ids(2, 8)), nr::ShapeError, "input 0 expects");  // batch not bucketed
}

TEST_CASE("trace_buckets refuses, naming the op and dim, where padding would change results") {
  // Attention mixes positions: the keys' dim.
  nr::manual_seed(2);
  nn::TransformerEncoderLayer enc(16, 2, 32, 0.0);
  enc.eval();
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(enc, {nr::randn({1, 8, 16}), nr::randn({1, 16, 16})}, {}),
                        nr::ValueError, "trace_buckets", "multihead_attention",
                        "mixes values along dim", "input 0 dim 1");
  auto pooled = [](const nr::Tensor& x) { return nr::mean(x, {1}, false); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(pooled, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
                        nr::ValueError, "mean", "dim 1", "input 0 dim 1");
  // A contraction over a padded dim needs zeros there on one side (pad_values.cpp has more).
  auto contract = [](const nr::Tensor& x) { return nr::matmul(x, nr::transpose(x, 0, 1)); };
  nr::BucketOptions ones;
  ones.pad_value = 1;
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(contract, {nr::randn({2, 4}), nr::randn({2, 8})}, ones),
                        nr::ValueError, "matmul", "mixes values along dim 1 of its input 0 [2, 4]",
                        "hold 1", "it needs 0 there");
  nr::TracedModule zeros = nr::trace_buckets(contract, {nr::randn({2, 4}), nr::randn({2, 8})}, {});
  const nr::Tensor x6 = nr::randn({2, 6});
  test::check_close(zeros(x6), contract(x6), 1e-6, 1e-6, "contraction over zeros");
  auto flat = [](const nr::Tensor& x) { return nr::reshape(x, {-1}); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(flat, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
                        nr::ValueError, "reshape", "does not keep whole");
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(flat, {nr::randn({2, 4})}, {}), nr::ValueError,
                        "at least two");
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(flat, {nr::randn({2, 4}), nr::randn({2, 4})}, {}),
                        nr::ValueError, "same shapes");
}

TEST_CASE("dynamic_batch runs any batch size in chunks of the traced batch") {
  nr::manual_seed(3);
  nn::Sequential m(nn::Linear(12, 20), nn::ReLU(), nn::Linear(20, 3), nn::Softmax(-1));
  m.eval();
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule tm = nr::trace(m, nr::rand({4, 12}), o);
  CHECK(tm.mode() == nr::TraceMode::dynamic_batch);
  for (std::int64_t n : {1, 3, 4, 5, 8, 11}) {
    nr::Tensor x = nr::rand({n, 12});
    nr::Tensor y = tm(x);
    CHECK(y.shape() == nr::Shape{n, 3});
    test::check_close(y, m(x), 1e-6, 1e-7, "batch " + std::to_string(n));
  }
  CHECK_THROWS_WITH_ALL(tm(nr::rand({5, 13})), nr::ShapeError, "input 0 expects [4, 12]");
  CHECK_THROWS_WITH_ALL(tm(nr::rand({0, 12})), nr::ShapeError, "batch size 0");
}

TEST_CASE("dynamic_batch follows the batch through permutes and refuses batch reductions") {
  auto moved = [](const nr::Tensor& x) { return nr::permute(nr::relu(x), {1, 0, 2}); };
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule tm = nr::trace(moved, nr::randn({2, 3, 4}), o);
  nr::Tensor x = nr::randn({5, 3, 4});
  nr::Tensor y = tm(x);
  CHECK(y.shape() == nr::Shape{3, 5, 4});
  test::check_equal(y, moved(x));
  auto over_batch = [](const nr::Tensor& x) { return nr::sum(x, {0}, false); };
  CHECK_THROWS_WITH_ALL(nr::trace(over_batch, nr::randn({2, 3}), o), nr::ValueError,
                        "dynamic_batch", "sum", "input 0 dim 0");
  auto batch_norm_like = [](const nr::Tensor& x) { return nr::softmax(x, 0); };
  CHECK_THROWS_WITH_ALL(nr::trace(batch_norm_like, nr::randn({2, 3}), o), nr::ValueError,
                        "softmax");
}

TEST_CASE("padding refuses models that compute values from a padded size") {
  // 1 / length as a C++ number: the graph looks elementwise, but each bucket bakes in its own size.
  auto by_length = [](const nr::Tensor& x) {
    return nr::Tensor(x * (1.0f / static_cast<float>(x.shape()[1])));
  };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(by_length, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
                        nr::ValueError, "trace_buckets",
                        "uses the scalar 0.25 in bucket 0 ([2, 4])", "0.125 in bucket 1 ([2, 8])",
                        "padded size");
  nr::TraceOptions o;
  o.dynamic_batch = true;
  auto by_batch = [](const nr::Tensor& x) {
    return nr::Tensor(x / static_cast<float>(x.shape()[0]));
  };
  CHECK_THROWS_WITH_ALL(nr::trace(by_batch, nr::randn({2, 3}), o), nr::ValueError, "dynamic_batch",
                        "the trace at batch 2", "the trace at batch 3");
  // The same through a constant tensor filled with the size.
  auto const_by_length = [](const nr::Tensor& x) {
    return nr::Tensor(x * nr::full({1}, static_cast<double>(x.shape()[1])));
  };
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(const_by_length, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
      nr::ValueError, "the constant [1] float32", "other values in bucket 0");
  // A model that cannot run at another batch says so.
  auto fixed_batch = [](const nr::Tensor& x) { return nr::reshape(x, {2, 3, 1}); };
  CHECK_THROWS_WITH_ALL(nr::trace(fixed_batch, nr::randn({2, 3}), o), nr::ValueError,
                        "fails at batch 3");
  // Sizes that are not padded may be used freely.
  auto by_width = [](const nr::Tensor& x) {
    return nr::Tensor(x * (1.0f / static_cast<float>(x.shape()[1])));
  };
  nr::TracedModule tm = nr::trace(by_width, nr::randn({2, 4}), o);
  nr::Tensor x = nr::randn({5, 4});
  test::check_equal(tm(x), by_width(x));
}

TEST_CASE("dynamic_batch needs one batch size across the examples") {
  nr::Tensor w = nr::randn({3, 8});
  auto two = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::linear(in[0], w), nr::linear(in[1], w)};
  };
  nr::TraceOptions o;
  o.dynamic_batch = true;
  CHECK_THROWS_WITH_ALL(nr::trace(two, {nr::rand({4, 8}), nr::rand({2, 8})}, o), nr::ValueError,
                        "example 1 has batch 2 but example 0 has batch 4");
  nr::TracedModule tm = nr::trace(two, {nr::rand({2, 8}), nr::rand({2, 8})}, o);
  std::vector<nr::Tensor> in = {nr::rand({5, 8}), nr::rand({5, 8})};
  std::vector<nr::Tensor> out = tm.forward(in);
  test::check_equal(out[0], nr::linear(in[0], w));
  test::check_equal(out[1], nr::linear(in[1], w));
  CHECK_THROWS_WITH_ALL(tm.forward({nr::rand({5, 8}), nr::rand({4, 8})}), nr::ShapeError,
                        "input 0 has batch 5 but input 1 has batch 4");
}

TEST_CASE("dynamic_batch follows the batch of a matmul's right operand when the left one is 1-d") {
  nr::Tensor v = nr::randn({4});
  auto f = [&](const nr::Tensor& x) { return nr::matmul(v, x); };  // [4] x [B, 4, 3] -> [B, 3]
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule tm = nr::trace(f, nr::randn({2, 4, 3}), o);
  nr::Tensor x = nr::randn({5, 4, 3});
  test::check_equal(tm(x), f(x));
  CHECK(tm.plans()[0].output_sources[0][0].size() == 1);  // output dim 0 follows the batch
}

TEST_CASE("a bucketed module called from 4 threads with different lengths gives exact results") {
  nn::Sequential m = token_model();
  nr::TracedModule tm = nr::trace_buckets(m, {ids(1, 4), ids(1, 8), ids(1, 16)}, {});
  CHECK(tm.to_dot().find("cluster_2") != std::string::npos);  // one cluster per bucket
  std::vector<nr::Tensor> xs, want;
  for (std::int64_t len = 1; len <= 16; ++len) {
    xs.push_back(ids(1, len));
    want.push_back(tm(xs.back()));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round)
        for (std::size_t i = static_cast<std::size_t>(t); i < xs.size(); i += 2) {
          nr::Tensor y = tm(xs[i]);
          if (y.shape() != want[i].shape() ||
              std::memcmp(y.raw_data(), want[i].raw_data(), y.nbytes()) != 0)
            ++mismatches[static_cast<std::size_t>(t)];
        }
    });
  for (auto& th : threads) th.join();
  CHECK(mismatches == std::vector<int>(4, 0));
}

TEST_CASE("a CNN's batch may be dynamic; a padded spatial dim under a window is refused") {
  nr::manual_seed(21);
  nn::Conv2d conv(nn::Conv2dOptions(3, 4, 3).padding(1));
  auto f = [&](const nr::Tensor& x) { return nr::relu(conv(x)); };
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(f, {nr::randn({1, 3, 8, 8}), nr::randn({1, 3, 16, 16})}, {}),
      nr::ValueError, "trace_buckets", "conv2d", "mixes values along dim 2", "input 0 dim 2");
  auto pool = [](const nr::Tensor& x) { return nr::max_pool2d(x, 2); };
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(pool, {nr::randn({1, 3, 8, 8}), nr::randn({1, 3, 8, 12})}, {}),
      nr::ValueError, "max_pool2d", "mixes values along dim 3", "input 0 dim 3");
  auto avg = [](const nr::Tensor& x) { return nr::avg_pool1d(x, 3); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(avg, {nr::randn({1, 2, 9}), nr::randn({1, 2, 12})}, {}),
                        nr::ValueError, "avg_pool1d", "dim 2");
  // A pointwise (1x1) convolution keeps every position: spatial buckets are fine, sliced back.
  nn::Conv2d point(nn::Conv2dOptions(3, 5, 1));
  auto g = [&](const nr::Tensor& x) { return point(x); };
  nr::TracedModule b = nr::trace_buckets(g, {nr::randn({1, 3, 4, 4}), nr::randn({1, 3, 8, 8})}, {});
  const nr::Tensor x = nr::randn({1, 3, 6, 5});
  test::check_close(b(x), g(x), 1e-6, 1e-6, "pointwise conv in a bucket");
  // The batch of a CNN with batch norm and pooling is dynamic.
  nn::BatchNorm2d bn(4);
  bn.eval();
  auto cnn = [&](const nr::Tensor& in) {
    return nr::adaptive_avg_pool2d(nr::max_pool2d(bn(conv(in)), 2, 2, 0, 1, true), {1, 1});
  };
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule tm = nr::trace(cnn, nr::randn({2, 3, 9, 9}), o);
  for (std::int64_t n : {1, 3, 4}) {
    const nr::Tensor in = nr::randn({n, 3, 9, 9});
    test::check_close(tm(in), cnn(in), 1e-5, 1e-6, "batch " + std::to_string(n));
  }
  // Batch norm is per channel: a padded channel dim never mixes into the real channels.
  auto per_channel = [&](const nr::Tensor& in) {
    return nr::batch_norm(in, nr::zeros({in.shape()[1]}), nr::ones({in.shape()[1]}) * 2.0f);
  };
  nr::TracedModule pc =
      nr::trace_buckets(per_channel, {nr::randn({1, 2, 3}), nr::randn({1, 4, 3})}, {});
  const nr::Tensor three = nr::randn({1, 3, 3});
  test::check_close(pc(three), per_channel(three), 1e-6, 1e-6, "batch norm, padded channels");
}

TEST_CASE(
    "padding follows the layout ops: kept dims are sliced back, moved or mixed ones refused") {
  // trace_buckets pads dim 1 of [2, L]; each model keeps it whole, so results match eager.
  const std::vector<nr::Tensor> ex{nr::randn({2, 4}), nr::randn({2, 8})};
  using Fn = std::function<nr::Tensor(const nr::Tensor&)>;
  const std::vector<std::pair<const char*, Fn>> kept = {
      {"unsqueeze", [](const nr::Tensor& x) { return nr::unsqueeze(nr::relu(x), 0); }},
      {"flatten", [](const nr::Tensor& x) { return nr::flatten(nr::unsqueeze(x, -1), 1); }},
      {"squeeze", [](const nr::Tensor& x) { return nr::squeeze(nr::unsqueeze(x, 1)); }},
      {"stack",
       [](const nr::Tensor& x) {
         return nr::stack({x, nr::Tensor(x * 2.0f)}, 1);
       }},
      {"expand",
       [](const nr::Tensor& x) {
         return nr::expand(nr::unsqueeze(x, 0), {3, -1, -1});
       }},
      {"repeat",
       [](const nr::Tensor& x) {
         return nr::repeat(x, {2, 1});
       }},
      {"pad",
       [](const nr::Tensor& x) {
         return nr::pad(x, {0, 0, 1, 2}, "constant", 5.0);
       }},
      {"topk", [](const nr::Tensor& x) { return nr::topk(x, 1, 0).values; }},
      {"split", [](const nr::Tensor& x) { return nr::split(x, 1, 0)[1]; }},
  };
  for (const auto& named : kept) {  // no structured binding: CAPTURE is a lambda (clang)
    const std::string& name = named.first;
    const auto& f = named.second;
    CAPTURE(name);
    nr::TracedModule tm = nr::trace_buckets(f, ex, {});
    for (std::int64_t len : {3, 4, 6, 8}) {
      const nr::Tensor x = nr::randn({2, len});
      test::check_close(tm(x), f(x), 1e-6, 0, std::string(name) + " len " + std::to_string(len));
    }
  }
  // Ops that move entries along the padded dim, or choose among them, are refused.
  auto pad_seq = [](const nr::Tensor& x) { return nr::pad(x, {1, 1}); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(pad_seq, ex, {}), nr::ValueError, "trace_buckets", "pad",
                        "does not keep whole dim 1", "input 0 dim 1");
  auto reflect = [](const nr::Tensor& x) { return nr::pad(x, {1, 0}, "reflect"); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(reflect, ex, {}), nr::ValueError, "pad", "dim 1");
  auto tile = [](const nr::Tensor& x) { return nr::repeat(x, {1, 2}); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(tile, ex, {}), nr::ValueError, "repeat",
                        "does not keep whole dim 1");
  auto best = [](const nr::Tensor& x) { return nr::topk(x, 2, 1).indices; };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(best, ex, {}), nr::ValueError, "topk",
                        "mixes values along dim 1");
  auto merged = [](const nr::Tensor& x) { return nr::flatten(x); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(merged, ex, {}), nr::ValueError, "reshape",
                        "does not keep whole dim 1");
  auto halves = [](const nr::Tensor& x) { return nr::chunk(x, 2, 1)[0]; };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(halves, ex, {}), nr::ValueError, "slice",
                        "does not keep whole dim 1");
  // A padded dim of size 1 that expand widens is not followed (it would repeat the pad).
  auto widened = [](const nr::Tensor& x) { return nr::expand(x, {3, -1}); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(widened, {nr::randn({1, 2}), nr::randn({3, 2})}, {}),
                        nr::ValueError, "expand", "does not keep whole dim 0");
}

TEST_CASE("dynamic_batch follows the batch through the layout ops") {
  nr::TraceOptions o;
  o.dynamic_batch = true;
  auto f = [](const nr::Tensor& x) {  // [B, 5]
    auto [v, i] = nr::topk(x, 2, 1, false);
    nr::Tensor p = nr::pad(nr::repeat(x, {1, 2}), {1, 2}, "reflect");  // [B, 13]
    nr::Tensor s = nr::stack({nr::split(p, {6, 7}, 1)[0], nr::split(p, {7, 6}, 1)[1]}, 2);
    nr::Tensor e = nr::expand(nr::unsqueeze(v, 1), {-1, 3, -1});  // [B, 3, 2]
    return nr::concat({nr::flatten(e, 1), nr::Tensor(nr::cast(i, nr::float32)), nr::flatten(s, 1),
                       nr::chunk(p, 2, 1)[1], nr::squeeze(nr::unsqueeze(x, 1), 1)},
                      1);
  };
  nr::TracedModule tm = nr::trace(f, nr::randn({2, 5}), o);
  for (std::int64_t n : {1, 3, 5}) {
    const nr::Tensor x = nr::randn({n, 5});
    test::check_equal(tm(x), f(x));
  }
  auto over_batch = [](const nr::Tensor& x) { return nr::topk(x, 1, 0).values; };
  CHECK_THROWS_WITH_ALL(nr::trace(over_batch, nr::randn({2, 3}), o), nr::ValueError, "topk",
                        "input 0 dim 0");
  auto pad_batch = [](const nr::Tensor& x) { return nr::pad(x, {0, 0, 1, 0}, "replicate"); };
  CHECK_THROWS_WITH_ALL(nr::trace(pad_batch, nr::randn({2, 3}), o), nr::ValueError, "pad",
                        "input 0 dim 0");
}
