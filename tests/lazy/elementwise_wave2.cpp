// Lazy mode with the wave 2 elementwise ops: results equal eager exactly, attributes are part of a
// graph's identity (and survive the disk cache), clamp's C++ bounds are runtime scalars.
#include "format/format_util.hpp"
#include "test_util.hpp"

#include <filesystem>

namespace {
const nr::Device lazy = nr::lazy_device();

std::int64_t count(const char* name) { return nr::metrics::counter(name); }

// Fused nodes, a non-elementwise op in between, attributes, integer inputs, C++ bounds.
std::vector<nr::Tensor> model(const std::vector<nr::Tensor>& in, double slope, double lo) {
  const nr::Tensor& x = in[0];
  const nr::Tensor& ids = in[1];
  nr::Tensor h = nr::hardswish(x) * nr::clamp(x, lo, 1.0) + nr::silu(x);
  nr::Tensor p = nr::softmax(nr::leaky_relu(h, slope), -1);
  nr::Tensor q =
      nr::elu(nr::softplus(p * 10 - 5, 2.0, 3.0), 0.5) + nr::erf(nr::sin(x) + nr::cos(x));
  nr::Tensor r = nr::relu6(ids) + nr::sign(ids) * nr::clamp(ids, -2, 2);
  nr::Tensor s = nr::round(x * 2) + nr::floor(x) - nr::ceil(x) + nr::reciprocal(nr::hardsigmoid(x));
  return {q, r, s};
}

std::vector<nr::Tensor> inputs() {
  return {nr::randn({4, 19}) * 4, nr::randint(-9, 9, {4, 19}, nr::int64)};
}

std::vector<nr::Tensor> run_lazy(const std::vector<nr::Tensor>& in, double slope, double lo) {
  std::vector<nr::Tensor> lz;
  for (const auto& t : in) lz.push_back(t.to(lazy));
  std::vector<nr::Tensor> out = model(lz, slope, lo);
  nr::mark_step();
  for (auto& t : out) t = t.cpu();
  return out;
}

void check_all_equal(const std::vector<nr::Tensor>& got, const std::vector<nr::Tensor>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) test::check_equal(got[i], want[i]);
}
}  // namespace

TEST_CASE("lazy graphs of wave 2 ops equal eager; attributes recompile, clamp bounds do not") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::manual_seed(11);
  std::vector<nr::Tensor> in = inputs();
  check_all_equal(run_lazy(in, 0.1, -1.0), model(in, 0.1, -1.0));
  CHECK(count("CompileCount") == 1);
  CHECK(count("ImplicitSync") == 0);
  check_all_equal(run_lazy(in, 0.1, -0.25), model(in, 0.1, -0.25));  // a runtime scalar
  CHECK(count("CompileCount") == 1);
  check_all_equal(run_lazy(in, 0.3, -0.25), model(in, 0.3, -0.25));  // an attribute
  CHECK(count("CompileCount") == 2);
  in = inputs();  // new data: a cache hit
  check_all_equal(run_lazy(in, 0.1, -1.0), model(in, 0.1, -1.0));
  CHECK(count("CompileCount") == 2);
}

TEST_CASE("wave 2 attributes survive the disk cache (read back from JSON)") {
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_wave2"));
  nr::manual_seed(12);
  std::vector<nr::Tensor> in = inputs();
  check_all_equal(run_lazy(in, 0.2, -0.5), model(in, 0.2, -0.5));
  nr::PlanCache::instance().clear();  // as if a new process
  check_all_equal(run_lazy(in, 0.2, -0.5), model(in, 0.2, -0.5));
  CHECK(count("CompileCount") == 1);
  CHECK(count("DiskCacheHit") == 1);
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}
