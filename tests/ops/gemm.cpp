// matmul and linear on oneDNN (ops/gemm-inl.hpp) against a float64 reference, the kernel rule,
// and the modes and thread counts agreeing.
#include "test_util.hpp"

#include <cstring>

#include <neuron/ops/gemm.hpp>

namespace {

nr::Tensor f64(const nr::Tensor& t) { return nr::cast(t, nr::float64); }
nr::Tensor f32(const nr::Tensor& t) { return nr::cast(t, nr::float32); }

// f32 result against the same product in float64 (Eigen), cast back to f32.
void check_against_f64(const nr::Tensor& got, const nr::Tensor& want64, const std::string& what) {
  test::check_close(got, f32(want64), 1e-4, 1e-4, what);
}

// Runs `f` and says whether it ran at least one GEMM on oneDNN.
template <class F>
bool ran_onednn(F&& f) {
  const std::int64_t before = nr::detail::onednn_gemm_count();
  f();
  return nr::detail::onednn_gemm_count() > before;
}

// Rows enough for oneDNN with the shapes below (K * N >= 4096; the rule also wants
// M * K * N >= kOnednnMinWork).
constexpr std::int64_t M = 32;
static_assert(M * 4096 >= nr::detail::kOnednnMinWork, "the test shapes must reach oneDNN");

}  // namespace

TEST_CASE("the GEMM rule: f32 with 2+ rows and enough work on oneDNN, the rest on Eigen") {
  using nr::detail::choose_gemm_kernel;
  using nr::detail::GemmKernel;
  using nr::detail::kOnednnMinRows;
  using nr::detail::kOnednnMinWork;
  CHECK(choose_gemm_kernel(nr::float32, M, 64, 64) == GemmKernel::onednn);
  CHECK(choose_gemm_kernel(nr::float32, 1, 1024, 1024) == GemmKernel::eigen);  // batch-1 GEMV
  CHECK(choose_gemm_kernel(nr::float32, kOnednnMinRows, kOnednnMinWork / kOnednnMinRows, 1) ==
        GemmKernel::onednn);
  CHECK(choose_gemm_kernel(nr::float32, kOnednnMinRows, kOnednnMinWork / kOnednnMinRows - 1, 1) ==
        GemmKernel::eigen);
  CHECK(choose_gemm_kernel(nr::float32, 16, 120, 10) == GemmKernel::eigen);  // tiny weight
  CHECK(nr::detail::gemv_per_row(4, 120, 10));
  CHECK_FALSE(nr::detail::gemv_per_row(9, 120, 10));  // Eigen's GEMM from 9 rows
  CHECK_FALSE(nr::detail::gemv_per_row(2, kOnednnMinWork, 1));
  CHECK(choose_gemm_kernel(nr::float32, std::int64_t{1} << 40, std::int64_t{1} << 40,
                           std::int64_t{1} << 40) == GemmKernel::onednn);  // no overflow
  CHECK(choose_gemm_kernel(nr::float32, M, 0, 64) == GemmKernel::eigen);
  CHECK(choose_gemm_kernel(nr::float32, 0, 64, 64) == GemmKernel::eigen);
  CHECK(choose_gemm_kernel(nr::float32, M, 64, 0) == GemmKernel::eigen);
  for (nr::DType dt : {nr::float64, nr::int32, nr::int64})
    CHECK(choose_gemm_kernel(dt, 256, 256, 256) == GemmKernel::eigen);
}

TEST_CASE("linear on oneDNN matches float64, with and without bias, for 1-d to 4-d inputs") {
  nr::manual_seed(41);
  const nr::Tensor w = nr::randn({96, 80}), b = nr::randn({96});
  for (const nr::Shape& xs :
       {nr::Shape{M, 80}, nr::Shape{3, M, 80}, nr::Shape{2, 4, 5, 80}, nr::Shape{64, 80}}) {
    const nr::Tensor x = nr::randn(xs);
    nr::Tensor y;
    CHECK(ran_onednn([&] { y = nr::linear(x, w, b); }));
    check_against_f64(y, nr::linear(f64(x), f64(w), f64(b)), "bias");
    CHECK(ran_onednn([&] { y = nr::linear(x, w); }));
    check_against_f64(y, nr::linear(f64(x), f64(w)), "no bias");
  }
  // Too few rows: Eigen, the same numbers to rounding.
  const nr::Tensor x1 = nr::randn({80});
  nr::Tensor y1;
  CHECK_FALSE(ran_onednn([&] { y1 = nr::linear(x1, w, b); }));
  check_against_f64(y1, nr::linear(f64(x1), f64(w), f64(b)), "1-d input");
  // A few rows of a small product: Eigen, one GEMV per row.
  const nr::Tensor w_small = nr::randn({10, 80}), x3 = nr::randn({2, 3, 80});
  REQUIRE(nr::detail::gemv_per_row(6, 80, 10));
  CHECK_FALSE(ran_onednn([&] { y1 = nr::linear(x3, w_small, nr::slice(b, 0, 0, 10)); }));
  check_against_f64(y1, nr::linear(f64(x3), f64(w_small), f64(nr::slice(b, 0, 0, 10))), "per row");
}

TEST_CASE("matmul on oneDNN matches float64 for every layout the dispatcher accepts") {
  nr::manual_seed(42);
  struct Case {
    nr::Shape a, b;
  };
  const Case cases[] = {
      {{M, 64}, {64, 72}},           // one GEMM
      {{3, M, 64}, {64, 72}},        // a's batch folded into rows
      {{3, M, 64}, {3, 64, 72}},     // batched
      {{2, 1, M, 64}, {3, 64, 72}},  // broadcast batch, both sides
      {{M, 64}, {4, 64, 72}},        // a broadcast over b's batch
      {{1, M, 64}, {2, 3, 64, 72}},  // broadcast of a size-1 batch dim and of a missing one
      {{2, M, 64}, {64}},            // 1-d b: a column
      {{M, 64}, {64}},               // 1-d b, no batch
      {{4, 64}, {5, 64, M}},         // small m per batch: Eigen
      {{64}, {3, 64, M}},            // 1-d a
  };
  for (const Case& c : cases) {
    const nr::Tensor a = nr::randn(c.a), b = nr::randn(c.b);
    const nr::Tensor y = nr::matmul(a, b);
    check_against_f64(y, nr::matmul(f64(a), f64(b)),
                      "a " + std::to_string(c.a.rank()) + "-d, b " + std::to_string(c.b.rank()));
  }
  nr::Tensor y;
  CHECK(ran_onednn([&] { y = nr::matmul(nr::randn({2, 1, M, 64}), nr::randn({3, 64, 72})); }));
  CHECK(y.shape() == nr::Shape{2, 3, M, 72});
}

TEST_CASE("empty GEMMs on the f32 path: k = 0 gives zeros, m = 0 and n = 0 give empty results") {
  nr::Tensor z = nr::matmul(nr::rand({M, 0}), nr::rand({0, 5}));
  CHECK(test::values(z) == std::vector<double>(static_cast<std::size_t>(M * 5), 0.0));
  z = nr::linear(nr::rand({M, 0}), nr::rand({5, 0}), nr::ones({5}));
  CHECK(test::values(z) == std::vector<double>(static_cast<std::size_t>(M * 5), 1.0));
  CHECK(nr::matmul(nr::rand({0, 7}), nr::rand({7, 5})).shape() == nr::Shape{0, 5});
  CHECK(nr::linear(nr::rand({3, 0, 7}), nr::rand({5, 7})).shape() == nr::Shape{3, 0, 5});
  CHECK(nr::matmul(nr::rand({M, 7}), nr::rand({7, 0})).shape() == nr::Shape{M, 0});
}

TEST_CASE("float64 and integer GEMMs stay on Eigen") {
  nr::manual_seed(43);
  const nr::Tensor a = nr::randn({32, 16}, nr::float64), b = nr::randn({16, 8}, nr::float64);
  CHECK_FALSE(ran_onednn([&] { nr::matmul(a, b); }));
  CHECK_FALSE(ran_onednn([&] { nr::linear(a, nr::randn({8, 16}, nr::float64)); }));
  const nr::Tensor ia = nr::full({32, 3}, 2, nr::int64), ib = nr::full({3, 4}, 3, nr::int64);
  nr::Tensor iy;
  CHECK_FALSE(ran_onednn([&] { iy = nr::matmul(ia, ib); }));
  CHECK(test::values(iy) == std::vector<double>(32 * 4, 18.0));
  const nr::Tensor i32 = nr::full({32, 3}, 2, nr::int32);
  CHECK(test::values(nr::linear(i32, nr::full({4, 3}, 1, nr::int32),
                                nr::full({4}, 1, nr::int32))) == std::vector<double>(32 * 4, 7.0));
}

TEST_CASE("traced and lazy GEMMs equal eager bit for bit, also after save and load") {
  nr::manual_seed(44);
  const nr::Tensor w = nr::randn({64, 96}), b = nr::randn({64}), w2 = nr::randn({2, 64, 160});
  auto g = [](const nr::Tensor& x, const nr::Tensor& w_, const nr::Tensor& b_,
              const nr::Tensor& w2_) { return nr::matmul(nr::relu(nr::linear(x, w_, b_)), w2_); };
  auto f = [&](const nr::Tensor& x) { return g(x, w, b, w2); };
  const nr::Tensor x = nr::randn({2, 16, 96});
  const nr::Tensor want = f(x);
  nr::TracedModule tm = nr::trace(f, x);
  nr::Tensor got;
  CHECK(ran_onednn([&] { got = tm(x); }));
  REQUIRE(got.shape() == want.shape());
  CHECK(std::memcmp(got.raw_data(), want.raw_data(), want.nbytes()) == 0);
  const std::string path = "gemm_trace_test.neuron";
  tm.save(path);
  nr::TracedModule loaded = nr::load(path);
  got = loaded(x);
  CHECK(std::memcmp(got.raw_data(), want.raw_data(), want.nbytes()) == 0);
  std::remove(path.c_str());
  const nr::Device lz = nr::lazy_device();
  const nr::Tensor lazy = g(x.to(lz), w.to(lz), b.to(lz), w2.to(lz)).cpu();
  CHECK(std::memcmp(lazy.raw_data(), want.raw_data(), want.nbytes()) == 0);
}

TEST_CASE("oneDNN GEMMs at 1 and 2 threads agree within 1e-5, eager and traced") {
  nr::manual_seed(45);
  const nr::Tensor w = nr::randn({256, 256}), b = nr::randn({256}), x = nr::randn({128, 256});
  const nr::Tensor bb = nr::randn({4, 64, 128});
  const int before = nr::get_num_threads();
  nr::set_num_threads(1);
  auto f = [&](const nr::Tensor& in) { return nr::matmul(bb, nr::linear(in, w, b)); };
  nr::TracedModule tm = nr::trace(f, x);
  const nr::Tensor one = f(x), traced_one = tm(x);
  CHECK(std::memcmp(one.raw_data(), traced_one.raw_data(), one.nbytes()) == 0);
  nr::set_num_threads(2);
  test::check_close(f(x), one, 1e-5, 1e-5, "eager, 2 threads");
  const nr::Tensor traced_two = tm(x);
  test::check_close(traced_two, one, 1e-5, 1e-5, "traced, 2 threads");
  const nr::Tensor eager_two = f(x);
  CHECK(std::memcmp(eager_two.raw_data(), traced_two.raw_data(), eager_two.nbytes()) == 0);
  nr::set_num_threads(1);
  test::check_equal(tm(x), one);
  nr::set_num_threads(before);
}

TEST_CASE("a linear weight written in place is packed again in eager mode") {
  nr::manual_seed(46);
  nr::Tensor w = nr::randn({128, 64});
  const nr::Tensor x = nr::randn({M, 64});
  nr::Tensor y0;
  CHECK(ran_onednn([&] { y0 = nr::linear(x, w); }));
  w.data<float>()[0] += 1.0f;
  const nr::Tensor y1 = nr::linear(x, w);
  check_against_f64(y1, nr::linear(f64(x), f64(w)), "after the write");
  CHECK(test::values(y0) != test::values(y1));
}

// GEMMs wider than a column block (gemm_column_block: 256 on AVX2 CPUs, NEURON_GEMM_COLUMN_BLOCK
// in ctest's neuron_tests_isa_avx2 run) run as several oneDNN primitives, each writing its columns:
// a ragged last block, bias, residual and activation epilogues, plain and packed weights.
TEST_CASE("GEMMs split into column blocks match float64 in every mode") {
  nr::manual_seed(43);
  const nr::Tensor x = nr::randn({20, 64}), w = nr::randn({700, 64}), b = nr::randn({700});
  check_against_f64(nr::linear(x, w, b), nr::linear(f64(x), f64(w), f64(b)), "linear 700");
  const nr::Tensor m = nr::randn({64, 600});
  check_against_f64(nr::matmul(x, m), nr::matmul(f64(x), f64(m)), "matmul 600");
  const nr::Tensor r = nr::randn({20, 700});
  auto f = [&](const nr::Tensor& in) { return nr::Tensor(nr::relu(nr::linear(in, w, b) + r)); };
  nr::TracedModule t = nr::trace(f, x);
  const nr::Tensor eager = f(x);
  test::check_close(t(x), eager, 1e-6, 1e-6, "fused_linear 700 (residual + relu)");
  check_against_f64(eager, nr::relu(nr::linear(f64(x), f64(w), f64(b)) + f64(r)), "eager 700");
  // Weights changed in place are reordered again, block by block (PackedWeightCache).
  nr::Tensor w2 = w.clone();
  const nr::Tensor before = nr::linear(x, w2, b);
  w2.data<float>()[699 * 64] += 1.f;  // the last block's last row
  const nr::Tensor after = nr::linear(x, w2, b);
  check_against_f64(after, nr::linear(f64(x), f64(w2), f64(b)), "linear after an in-place write");
  CHECK(nr::max(nr::abs(after - before)).item<float>() > 0.f);
}
