// Lazy mode with topk and the layout ops: results equal eager exactly, attributes are part of a
// graph's identity (and survive the disk cache), new data reuses the executable.
#include "format/format_util.hpp"
#include "test_util.hpp"

#include <filesystem>

namespace {
const nr::Device lazy = nr::lazy_device();

std::int64_t count(const char* name) { return nr::metrics::counter(name); }

std::vector<nr::Tensor> model(const std::vector<nr::Tensor>& in, std::int64_t k, double fill) {
  const nr::Tensor& x = in[0];    // [3, 6] float32
  const nr::Tensor& ids = in[1];  // [3, 4] int64
  auto [values, indices] = nr::topk(x, k, -1, true, true);
  nr::Tensor padded = nr::pad(nr::relu(x), {1, 2, 0, 1}, "constant", fill);  // [4, 9]
  nr::Tensor mirrored = nr::pad(nr::unsqueeze(x, 0), {2, 2}, "reflect");     // [1, 3, 10]
  nr::Tensor edge = nr::pad(ids, {1, 1}, "replicate");                       // [3, 6]
  nr::Tensor tiled =
      nr::repeat(nr::flatten(nr::expand(nr::unsqueeze(values, 0), {2, -1, -1})), {2});
  std::vector<nr::Tensor> parts = nr::chunk(nr::stack({x, nr::Tensor(x * 2.0f)}, 1), 2, -1);
  std::vector<nr::Tensor> pieces = nr::split(edge, {2, 4}, 1);
  return {values, indices, padded,   mirrored,  nr::squeeze(mirrored, 0),
          edge,   tiled,   parts[1], pieces[0], pieces[1]};
}

std::vector<nr::Tensor> inputs() {
  return {nr::randn({3, 6}), nr::randint(-9, 9, {3, 4}, nr::int64)};
}

std::vector<nr::Tensor> run_lazy(const std::vector<nr::Tensor>& in, std::int64_t k, double fill) {
  std::vector<nr::Tensor> lz;
  for (const auto& t : in) lz.push_back(t.to(lazy));
  std::vector<nr::Tensor> out = model(lz, k, fill);
  nr::mark_step();
  for (auto& t : out) t = t.cpu();
  return out;
}

void check_all_equal(const std::vector<nr::Tensor>& got, const std::vector<nr::Tensor>& want) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    CAPTURE(i);
    test::check_equal(got[i], want[i]);
  }
}
}  // namespace

TEST_CASE("lazy graphs of topk and the layout ops equal eager; their attributes recompile") {
  nr::PlanCache::instance().clear();
  nr::metrics::reset();
  nr::manual_seed(31);
  std::vector<nr::Tensor> in = inputs();
  check_all_equal(run_lazy(in, 2, 0.5), model(in, 2, 0.5));
  CHECK(count("CompileCount") == 1);
  CHECK(count("ImplicitSync") == 0);
  in = inputs();  // new data: a cache hit
  check_all_equal(run_lazy(in, 2, 0.5), model(in, 2, 0.5));
  CHECK(count("CompileCount") == 1);
  check_all_equal(run_lazy(in, 2, -1.5), model(in, 2, -1.5));  // pad's value is an attribute
  CHECK(count("CompileCount") == 2);
  check_all_equal(run_lazy(in, 3, -1.5), model(in, 3, -1.5));  // so is topk's k
  CHECK(count("CompileCount") == 3);
}

TEST_CASE("a lazy topk records a values node and an indices node") {
  nr::Tensor x = nr::randn({2, 5}).to(lazy);
  auto [v, i] = nr::topk(x, 3, 1, false, true);
  nr::Graph g = test::graph_of({v, i});
  int topk_nodes = 0;
  for (const auto& e : g.entries) topk_nodes += !e.node->is_data() && e.node->op->name() == "topk";
  CHECK(topk_nodes == 2);
  nr::mark_step();
  auto [ev, ei] = nr::topk(x.cpu(), 3, 1, false, true);
  test::check_equal(v.cpu(), ev);
  test::check_equal(i.cpu(), ei);
}

TEST_CASE("topk and pad attributes survive the disk cache (read back from JSON)") {
  std::string dir = test::fresh_cache_dir(test::temp_path("cache_layout_ops"));
  nr::manual_seed(32);
  std::vector<nr::Tensor> in = inputs();
  check_all_equal(run_lazy(in, 4, 2.5), model(in, 4, 2.5));
  nr::PlanCache::instance().clear();  // as if a new process
  check_all_equal(run_lazy(in, 4, 2.5), model(in, 4, 2.5));
  CHECK(count("CompileCount") == 1);
  CHECK(count("DiskCacheHit") == 1);
  nr::set_cache_dir("");
  std::filesystem::remove_all(dir);
}
