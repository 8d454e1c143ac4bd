// Lazy mode: recording, mark_step, the executable cache and its counters, implicit syncs.
#include "test_util.hpp"

#include <cstdio>

namespace nn = neuron::nn;

namespace {
const nr::Device lazy = nr::lazy_device();

std::int64_t count(const char* name) { return nr::metrics::counter(name); }

nn::Sequential seed_mlp() {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}
}  // namespace

TEST_CASE("ops on lazy tensors are recorded, not run, and shapes are known at once") {
  nr::metrics::reset();
  nr::Tensor a = nr::rand({2, 3}, lazy);
  nr::Tensor b = nr::matmul(a, nr::transpose(a, 0, 1));
  CHECK(b.device() == lazy);
  CHECK(b.shape() == nr::Shape{2, 2});
  CHECK(count("ExecuteCount") == 0);
  // A shape error surfaces at the line that records it.
  CHECK_THROWS_WITH_ALL(nr::matmul(a, a), nr::ShapeError, "matmul", "[2, 3]");
  CHECK_THROWS_WITH_ALL(a * nr::rand({4}, lazy), nr::ShapeError, "mul");
}

TEST_CASE("mark_step compiles once, then new data with the same shapes hits the cache") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nn::Sequential m = seed_mlp();
  m.to(lazy);
  nr::Tensor y1 = m(nr::rand({1, 784}, lazy));
  nr::mark_step();
  CHECK(count("CompileCount") == 1);
  CHECK(count("CacheMiss") == 1);
  nr::Tensor y2 = m(nr::rand({1, 784}, lazy));
  nr::mark_step();
  CHECK(count("CompileCount") == 1);
  CHECK(count("CacheHit") == 1);
  CHECK(count("ExecuteCount") == 2);
  CHECK(count("MarkStep") == 2);
  CHECK(test::values(y1.cpu()) != test::values(y2.cpu()));  // other data, other results
  CHECK(count("ImplicitSync") == 0);                        // both were computed by mark_step
}

TEST_CASE("a new shape recompiles once; returning to an old shape hits") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::manual_seed(0);
  nn::Sequential m(nn::Embedding(100, 16), nn::Linear(16, 8), nn::ReLU(), nn::Linear(8, 2),
                   nn::Softmax(-1));
  m.eval();
  m.to(lazy);
  auto step = [&](const nr::Shape& s) {
    nr::Tensor r = m(nr::randint(0, 100, s).to(lazy));
    nr::mark_step();
    return r;
  };
  CHECK(step({1, 4}).shape() == nr::Shape{1, 4, 2});
  CHECK(count("CompileCount") == 1);
  CHECK(step({2, 6}).shape() == nr::Shape{2, 6, 2});
  CHECK(count("CompileCount") == 2);
  step({2, 6});
  step({1, 4});
  CHECK(count("CompileCount") == 2);
  CHECK(count("CacheHit") == 2);
  auto log = nr::metrics::compile_log();
  REQUIRE(log.size() == 2);
  CHECK(log[0].reason == "new graph");
  CHECK(log[1].reason == "input 0 shape [1,4] -> [2,6]");
  CHECK(log[1].nodes == 5);
  CHECK(log[0].hash != log[1].hash);
  std::string report = nr::metrics::report();
  CHECK(report.find("CompileCount: 2\n") != std::string::npos);
  CHECK(report.find("input 0 shape [1,4] -> [2,6]") != std::string::npos);
}

TEST_CASE("C++ scalars are runtime values: changing them does not recompile") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::Tensor x = nr::tensor<float>({1.f, 2.f, 3.f});
  nr::Tensor lx = x.to(lazy);
  std::vector<std::vector<double>> results;
  for (float s : {0.5f, 2.0f, -1.0f}) {
    nr::Tensor y = nr::relu(lx * s + 1.0f);
    nr::mark_step();
    results.push_back(test::values(y.cpu()));
    test::check_equal(y.cpu(), nr::relu(x * s + 1.0f));  // equals eager exactly
  }
  CHECK(count("CompileCount") == 1);
  CHECK(count("CacheHit") == 2);
  CHECK(results[0] != results[1]);
}

TEST_CASE("an elementwise expression over lazy tensors records one fused node") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::Tensor a = nr::rand({4, 5}, lazy), b = nr::rand({4, 5}, lazy), c = nr::rand({5}, lazy);
  nr::Tensor y = nr::relu(a * b + c - 0.5f);
  nr::mark_step();
  REQUIRE(nr::metrics::compile_log().size() == 1);
  CHECK(nr::metrics::compile_log()[0].nodes == 1);
  nr::Tensor want = nr::relu(a.cpu() * b.cpu() + c.cpu() - 0.5f);
  test::check_equal(y.cpu(), want);
}

TEST_CASE("one expression type over operands of other dtypes is another kernel") {
  // eq and cast give the same output dtype for int64 and float32 operands, but compare and convert
  // in the operands' dtype: 2^40+1 == 2^40 only in float32.
  auto run = [](nr::DType dt) {
    nr::Tensor a = nr::full({3}, 1099511627777.0, dt).to(lazy);
    nr::Tensor b = nr::full({3}, 1099511627776.0, dt).to(lazy);
    nr::Tensor e = nr::eq(a, b);
    nr::Tensor c = nr::cast(a, nr::float64);
    nr::mark_step();
    return std::make_pair(e.cpu().data<bool>()[0], c.cpu().data<double>()[0]);
  };
  CHECK(run(nr::float32).first);
  auto [equal, value] = run(nr::int64);
  CHECK_FALSE(equal);
  CHECK(value == 1099511627777.0);
}

TEST_CASE("dead tensors are not computed; live intermediates are") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::Tensor x = nr::rand({3, 3}, lazy);
  nr::Tensor kept = nr::exp(x);
  { nr::Tensor dropped = nr::matmul(kept, kept); }  // recorded, then released
  nr::Tensor out = nr::softmax(kept, -1);
  nr::mark_step();
  REQUIRE(nr::metrics::compile_log().size() == 1);
  CHECK(nr::metrics::compile_log()[0].nodes == 2);  // exp and softmax, no matmul
  test::check_equal(out.cpu(), nr::softmax(nr::exp(x.cpu()), -1));
  test::check_equal(kept.cpu(), nr::exp(x.cpu()));
  CHECK(count("ImplicitSync") == 0);
}

TEST_CASE("reading a pending tensor syncs implicitly and counts it") {
  nr::metrics::reset();
  nr::Tensor x = nr::tensor<float>({1.f, 4.f, 9.f}).to(lazy);
  nr::Tensor y = nr::sqrt(x);
  CHECK(test::values(y.cpu()) == std::vector<double>{1, 2, 3});
  CHECK(count("ImplicitSync") == 1);
  CHECK(test::values(y.cpu()) == std::vector<double>{1, 2, 3});  // now data: no second sync
  CHECK(count("ImplicitSync") == 1);
  CHECK(nr::sum(y).item<float>() == 6.f);
  CHECK(count("ImplicitSync") == 2);
  std::ostringstream os;
  os << nr::neg(y);
  CHECK(os.str().find("-3.") != std::string::npos);
  CHECK(count("ImplicitSync") == 3);
  // .cpu() gives a copy: changing it leaves the device data alone.
  nr::Tensor c = y.cpu();
  c.data<float>()[0] = 100.f;
  CHECK(y.cpu().data<float>()[0] == 1.f);
}

TEST_CASE("mixing devices in one op is a DeviceError that suggests .to()") {
  nr::Tensor a = nr::rand({2, 2});
  nr::Tensor b = nr::rand({2, 2}, lazy);
  CHECK_THROWS_WITH_ALL(nr::matmul(a, b), nr::DeviceError, "matmul", "cpu", "lazy", ".to(");
  CHECK_THROWS_WITH_ALL(nr::Tensor(a + b), nr::DeviceError, "cpu", "lazy", ".to(");
  CHECK_THROWS_WITH_ALL(nr::concat({a, b}, 0), nr::DeviceError, "concat");
}

TEST_CASE("lazy results equal eager results exactly, op by op and for whole models") {
  nn::Sequential m = seed_mlp();
  nr::Tensor x = nr::rand({3, 784});
  nr::Tensor eager = m(x);
  m.to(lazy);
  nr::Tensor y = m(x.to(lazy));
  nr::mark_step();
  test::check_equal(y.cpu(), eager);
  nr::Tensor p = nr::randn({2, 3, 4});
  nr::Tensor lp = p.to(lazy);
  test::check_equal(nr::layer_norm(lp, {4}).cpu(), nr::layer_norm(p, {4}));
  test::check_equal(nr::sum(lp, {0, 2}, true).cpu(), nr::sum(p, {0, 2}, true));
  test::check_equal(nr::slice(lp, 1, 1, 3).cpu(), nr::slice(p, 1, 1, 3));
  test::check_equal(nr::reshape(lp, {4, -1}).cpu(), nr::reshape(p, {4, -1}));
  test::check_equal(nr::Tensor(nr::where(nr::gt(lp, 0.0), lp, 0.5)).cpu(),
                    nr::where(nr::gt(p, 0.0), p, 0.5));
}

TEST_CASE("graph hashes are stable across processes") {
  auto run = [] {
    std::string out;
    std::FILE* f = popen(NEURON_HASH_PROBE, "r");
    REQUIRE(f != nullptr);
    char buf[256];
    while (std::fgets(buf, sizeof buf, f)) out += buf;
    CHECK(pclose(f) == 0);
    return out;
  };
  std::string first = run();
  CHECK(first.size() == 33);  // one 128-bit hash in hex and a newline
  CHECK(run() == first);
}
