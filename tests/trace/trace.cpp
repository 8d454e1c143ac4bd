// Traced mode: trace(), calling a TracedModule, input checks, memory plan, DOT, threads.
#include "test_util.hpp"

#include <thread>

namespace nn = neuron::nn;

namespace {
nn::Sequential seed_mlp() {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}
}  // namespace

TEST_CASE("trace of the seed MLP runs the plan and equals eager bit for bit") {
  nn::Sequential m = seed_mlp();
  nr::Tensor example = nr::rand({1, 784});
  nr::TracedModule tm = nr::trace(m, example);
  CHECK(tm.mode() == nr::TraceMode::fixed);
  REQUIRE(tm.input_specs().size() == 1);
  CHECK(tm.input_specs()[0].shape == nr::Shape{1, 784});
  CHECK(tm.output_specs()[0].shape == nr::Shape{1, 10});
  CHECK(tm.weight_names() == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  for (int i = 0; i < 3; ++i) {
    nr::Tensor x = nr::rand({1, 784});
    test::check_equal(tm(x), m(x));
  }
  // Tracing recorded through the lazy device but leaves nothing pending and the model untouched.
  CHECK(nr::lazy::LiveTensors::instance().pending().empty());
  for (const auto& [name, t] : m.named_parameters()) CHECK(t.device().is_cpu());
}

TEST_CASE("a traced module checks every input: count, dtype, shape, device") {
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({1, 784}));
  CHECK_THROWS_WITH_ALL(tm(nr::rand({2, 784})), nr::ShapeError,
                        "input 0 expects [1, 784] float32, got [2, 784] float32");
  CHECK_THROWS_WITH_ALL(tm(nr::rand({784})), nr::ShapeError, "got [784] float32");
  CHECK_THROWS_WITH_ALL(tm(nr::rand({1, 784}).to(nr::float64)), nr::DTypeError,
                        "input 0 expects [1, 784] float32, got [1, 784] float64");
  CHECK_THROWS_WITH_ALL(tm.forward({}), nr::ValueError, "expects 1 input, got 0");
  CHECK_THROWS_WITH_ALL(tm(nr::Tensor()), nr::ValueError, "undefined");
  CHECK_THROWS_WITH_ALL(tm(nr::rand({1, 784}, nr::lazy_device())), nr::DeviceError, ".cpu()");
  CHECK_THROWS_WITH_ALL(nr::TracedModule()(nr::rand({1})), nr::ValueError, "empty");
}

TEST_CASE("trace takes callables with several inputs and outputs, and keeps C++ scalars") {
  auto f = [](const std::vector<nr::Tensor>& in) {
    nr::Tensor h = nr::relu(nr::matmul(in[0], in[1]) * 0.5 + 1);
    nr::Tensor masked = nr::where(in[2], h, -std::numeric_limits<float>::infinity());
    return std::vector<nr::Tensor>{nr::softmax(masked, -1), nr::sum(h, {1}, false)};
  };
  std::vector<nr::Tensor> ex = {nr::randn({3, 4}), nr::randn({4, 5}),
                                nr::gt(nr::rand({3, 5}), 0.3)};
  nr::TracedModule tm = nr::trace(f, ex);
  CHECK(tm.output_specs().size() == 2);
  std::vector<nr::Tensor> in = {nr::randn({3, 4}), nr::randn({4, 5}),
                                nr::gt(nr::rand({3, 5}), 0.3)};
  std::vector<nr::Tensor> got = tm.forward(in), want = f(in);
  REQUIRE(got.size() == 2);
  test::check_equal(got[0], want[0]);
  test::check_equal(got[1], want[1]);
  CHECK_THROWS_WITH_ALL(tm(in[0]), nr::ValueError, "expects 3 inputs, got 1");
}

TEST_CASE("trace captures tensors the model closes over, named by content") {
  nr::Tensor w = nr::randn({4, 4});
  auto f = [&](const nr::Tensor& x) { return nr::matmul(x, w); };
  nr::TracedModule tm = nr::trace(f, nr::randn({2, 4}));
  REQUIRE(tm.weight_names().size() == 1);
  CHECK(tm.weight_names()[0].rfind("const.", 0) == 0);
  nr::Tensor x = nr::randn({2, 4});
  nr::Tensor before = f(x);
  // The module holds its own copy: changing the captured tensor later does not change it.
  w.data<float>()[0] += 100.f;
  test::check_equal(tm(x), before);
}

TEST_CASE("trace refuses training mode and value-dependent models") {
  nn::Sequential m = seed_mlp();
  m.train();
  CHECK_THROWS_WITH_ALL(nr::trace(m, nr::rand({1, 784})), nr::ValueError, "training mode",
                        ".eval()");
  auto peeks = [](const nr::Tensor& x) {
    float s = nr::sum(x).item<float>();  // reads a value: the graph would depend on data
    return nr::Tensor(x * s);
  };
  CHECK_THROWS_WITH_ALL(nr::trace(peeks, nr::rand({3})), nr::ValueError, "reads the values");
  // The failed trace left this thread able to trace again.
  m.eval();
  CHECK(nr::trace(m, nr::rand({1, 784})).defined());
}

TEST_CASE("memory_plan is exact before the first call; calls allocate only their outputs") {
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({1, 784}));
  nr::MemoryPlan mp = tm.memory_plan();
  CHECK(mp.weights_bytes == (120 * 784 + 120 + 10 * 120 + 10) * 4);
  CHECK(mp.input_bytes == 784 * 4);
  CHECK(mp.output_bytes == 10 * 4);
  // linear -> relu -> linear live one after another: two [1,120] buffers (480 B, rounded to 512)
  // and one [1,10] (64) at most, with reuse.
  CHECK(mp.arena_bytes > 0);
  CHECK(mp.arena_bytes <= 512 + 512 + 64);
  CHECK(mp.str().find("arena") != std::string::npos);
  nr::Tensor x = nr::rand({1, 784});
  (void)tm(x);  // makes the first arena
  const auto before = nr::storage_allocations();
  for (int i = 0; i < 10; ++i) (void)tm(x);
  CHECK(nr::storage_allocations() - before == 10);  // one output per call, nothing else
  CHECK(tm.memory_plan().arena_bytes == mp.arena_bytes);
}

TEST_CASE("the memory planner never lets live values share bytes") {
  // A wide graph with many values alive at once, then a chain that can reuse them.
  auto f = [](const nr::Tensor& x) {
    std::vector<nr::Tensor> parts;
    for (int i = 0; i < 6; ++i) parts.push_back(nr::Tensor(nr::exp(x * static_cast<float>(i))));
    nr::Tensor acc = parts[0];
    for (int i = 1; i < 6; ++i) acc = nr::matmul(acc, nr::transpose(parts[i], 0, 1));
    return acc;
  };
  nr::Tensor x = nr::rand({8, 8});
  nr::TracedModule tm = nr::trace(f, x);
  test::check_equal(tm(x), f(x));
  const nr::Plan& p = tm.plans()[0];
  std::int64_t sum = 0;
  for (const auto& s : p.slots)
    if (s.kind == nr::PlanSlot::Kind::arena) sum += (nr::spec_bytes(s.spec) + 63) / 64 * 64;
  CHECK(p.arena_bytes < sum);        // reuse happened
  nr::validate_plan(p, {}, "test");  // weights: none in this graph
}

TEST_CASE("run_plan itself refuses inputs the plan was not made for") {
  // Kernels size their loops from their inputs: whatever the caller checked, an input of another
  // shape must never reach them.
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({1, 784}));
  nr::ArenaPool pool(tm.plans()[0]);
  CHECK_THROWS_WITH_ALL(nr::run_plan(tm.plans()[0], tm.weights(), {nr::rand({3, 784})}, pool),
                        nr::ShapeError, "input 0 expects [1, 784] float32, got [3, 784] float32");
  CHECK_THROWS_WITH_ALL(nr::run_plan(tm.plans()[0], tm.weights(), {}, pool), nr::ValueError,
                        "expects 1 inputs, got 0");
  nr::Tensor x = nr::rand({1, 784});
  test::check_equal(nr::run_plan(tm.plans()[0], tm.weights(), {x}, pool)[0], m(x));
}

TEST_CASE("run_plan's arenas keep weights between calls, never the caller's tensors") {
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({1, 784}));
  const nr::Plan& plan = tm.plans()[0];
  nr::ArenaPool pool(plan);
  nr::Tensor x = nr::rand({1, 784});
  const nr::Tensor want = m(x);
  for (int call = 0; call < 3; ++call) {
    nr::Tensor y = nr::run_plan(plan, tm.weights(), {x}, pool)[0];
    test::check_equal(y, want);
    CHECK(x.impl_shared().use_count() == 1);  // the arena let go of the input
    CHECK(y.impl_shared().use_count() == 1);  // and of the output
  }
  // Other weights through the same pool: the arena's copies follow them.
  std::vector<nr::Tensor> doubled;
  for (const nr::Tensor& w : tm.weights()) doubled.push_back(w * 2.0f);
  nr::Tensor other = nr::run_plan(plan, doubled, {x}, pool)[0];
  nr::Tensor again = nr::run_plan(plan, tm.weights(), {x}, pool)[0];
  CHECK_FALSE(test::values(other) == test::values(want));
  test::check_equal(again, want);
  // A plan whose outputs are its input and a weight, as they are.
  nr::Tensor b = nr::rand({3});
  auto passthrough = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{in[0], b, in[0] + b};
  };
  nr::TracedModule same = nr::trace(passthrough, std::vector<nr::Tensor>{nr::rand({3})});
  for (int call = 0; call < 2; ++call) {
    nr::Tensor z = nr::rand({3});
    std::vector<nr::Tensor> outs = same.forward({z});
    REQUIRE(outs.size() == 3);
    test::check_equal(outs[0], z);
    test::check_equal(outs[1], b);
    test::check_equal(outs[2], z + b);
  }
}

TEST_CASE("to_dot draws the compiled graph") {
  nn::Sequential m = seed_mlp();
  std::string dot = nr::trace(m, nr::rand({1, 784})).to_dot();
  CHECK(dot.rfind("digraph neuron {", 0) == 0);
  for (const char* s : {"linear", "softmax", "fused", "0.weight", "input 0", "output 0", "->"})
    CHECK_MESSAGE(dot.find(s) != std::string::npos, s);
  CHECK(dot.back() == '\n');
}

TEST_CASE("one traced module called from 4 threads at once gives exact results") {
  nn::Sequential m = seed_mlp();
  nr::TracedModule tm = nr::trace(m, nr::rand({2, 784}));
  std::vector<nr::Tensor> xs, want;
  for (int i = 0; i < 16; ++i) {
    xs.push_back(nr::rand({2, 784}));
    want.push_back(tm(xs.back()));
  }
  std::vector<std::vector<nr::Tensor>> got(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      for (int round = 0; round < 25; ++round)
        for (int i = t; i < 16; i += 1)
          got[static_cast<std::size_t>(t)].push_back(tm(xs[static_cast<std::size_t>(i)]));
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    std::size_t k = 0;
    for (int round = 0; round < 25; ++round)
      for (int i = t; i < 16; ++i, ++k) {
        const nr::Tensor& g = got[static_cast<std::size_t>(t)][k];
        REQUIRE(std::memcmp(g.raw_data(), want[static_cast<std::size_t>(i)].raw_data(),
                            g.nbytes()) == 0);
      }
  }
}
