#include <thread>

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

TEST_CASE("compiled plans check what they are given") {
  nr::Tensor x = nr::rand({3}, lazy);
  nr::Graph g = graph_of({nr::exp(x)});
  auto exe = nr::compile(g);
  CHECK_THROWS_WITH_ALL(exe->run({}, {}), nr::ValueError, "expects 1 inputs", "got 0");
  CHECK_THROWS_WITH_ALL(exe->run({nr::rand({4})}, {}), nr::ShapeError, "input 0", "[4]", "[3]");
  nr::Graph scaled = graph_of({nr::exp(x) * 2.0f});
  auto with_scalar = nr::compile(scaled);
  REQUIRE(with_scalar->plan().scalar_count == 1);
  CHECK_THROWS_WITH_ALL(with_scalar->run(scaled.inputs, {}), nr::ValueError,
                        "expects 1 runtime scalars", "got 0");
}

TEST_CASE("lazy plans keep intermediates in one reused arena; results never live in it") {
  nr::Tensor x = nr::rand({8, 16}, lazy), w = nr::rand({16, 16}, lazy);
  nr::Tensor h = nr::softmax(nr::matmul(x, w), -1);
  nr::Tensor y = nr::softmax(nr::matmul(h, w) + h, -1);  // h is read twice: two live intermediates
  nr::Graph g = graph_of({y, h});
  auto exe = nr::compile(g);
  using K = nr::PlanSlot::Kind;
  const nr::Plan& plan = exe->plan();
  for (int o : plan.outputs) CHECK(plan.slots[static_cast<std::size_t>(o)].kind == K::output);
  for (int i = 0; i < 2; ++i) CHECK(plan.slots[static_cast<std::size_t>(i)].kind == K::input);
  int placed = 0;
  for (const nr::PlanSlot& s : plan.slots) placed += s.kind == K::arena;
  CHECK(placed >= 1);
  CHECK(plan.arena_bytes > 0);

  auto expect = [](const nr::Tensor& xc, const nr::Tensor& wc) {
    nr::Tensor hc = nr::softmax(nr::matmul(xc, wc), -1);
    return std::vector<nr::Tensor>{nr::softmax(nr::matmul(hc, wc) + hc, -1), hc};
  };
  std::vector<nr::Tensor> first = exe->run(g.inputs, g.scalars);  // makes the arena
  const std::vector<nr::Tensor> want = expect(g.inputs[0], g.inputs[1]);
  REQUIRE(g.inputs[0].shape() == nr::Shape{8, 16});  // x, then w
  std::vector<nr::Tensor> other_in = {nr::rand({8, 16}), g.inputs[1]};
  const std::int64_t before = nr::storage_allocations();
  std::vector<nr::Tensor> second = exe->run(other_in, g.scalars);
  CHECK(nr::storage_allocations() - before == 2);  // the two outputs, nothing else
  for (int k = 0; k < 2; ++k) test::check_equal(first[k], want[k]);  // not overwritten
  const std::vector<nr::Tensor> want2 = expect(other_in[0], other_in[1]);
  for (int k = 0; k < 2; ++k) test::check_equal(second[k], want2[k]);

  // Concurrent runs each borrow their own arena.
  std::vector<std::thread> threads;
  std::vector<int> wrong(2, 0);
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        std::vector<nr::Tensor> in = t == 0 ? g.inputs : other_in;
        std::vector<nr::Tensor> out = exe->run(in, g.scalars);
        const std::vector<nr::Tensor>& w2 = t == 0 ? want : want2;
        for (int k = 0; k < 2; ++k)
          wrong[static_cast<std::size_t>(t)] +=
              nr::max(nr::abs(out[k] - w2[k])).item<float>() != 0.f;
      }
    });
  for (auto& th : threads) th.join();
  CHECK(wrong == std::vector<int>{0, 0});
}

TEST_CASE("lower keeps every graph input at its position and reads scalars at run time") {
  nr::Tensor x = nr::rand({3}, lazy);
  nr::Tensor y = nr::exp(x) * 2.0f;
  nr::Graph g = graph_of({y});
  nr::Plan p = nr::lower(g);
  REQUIRE(p.inputs.size() == g.inputs.size());
  for (std::size_t i = 0; i < g.inputs.size(); ++i) {
    CHECK(p.slots[i].kind == nr::PlanSlot::Kind::input);
    CHECK(p.slots[i].index == static_cast<int>(i));
  }
  CHECK(p.scalar_count == static_cast<int>(g.scalars.size()));
  int runtime = 0;
  for (const nr::PlanStep& st : p.steps) {
    CHECK(st.scalars.empty());  // never stored: a new value runs the same plan
    if (st.has_scalars()) runtime += st.scalar_offset >= 0;
  }
  CHECK(runtime == 1);
  // the same plan serves other values of the scalar
  auto exe = nr::compile(g);
  std::vector<nr::ScalarValue> three = g.scalars;
  three[0] = 3.0;
  test::check_equal(exe->run(g.inputs, three)[0], nr::exp(x.cpu()) * 3.0f);
}

TEST_CASE("a compiled plan writes its results into a vector the caller reuses, its inputs too") {
  nr::Tensor x = nr::rand({3}, lazy);
  nr::Graph g = graph_of({nr::exp(x)});
  auto exe = nr::compile(g);
  const nr::Tensor want = exe->run(g.inputs, g.scalars)[0];
  std::vector<nr::Tensor> results{nr::rand({7}), nr::rand({7})};  // cleared, not appended to
  exe->run(g.inputs, g.scalars, results);
  REQUIRE(results.size() == 1);
  test::check_equal(results[0], want);
  std::vector<nr::Tensor> io = g.inputs;
  exe->run(io, g.scalars, io);  // the results replace the inputs they were computed from
  REQUIRE(io.size() == 1);
  test::check_equal(io[0], want);
}
