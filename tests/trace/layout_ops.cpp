// Traced mode with topk and the layout ops: a module saved to a file and loaded back equals eager
// bit for bit, so their attributes round-trip through the file's JSON.
#include "format/format_util.hpp"
#include "test_util.hpp"

#include <cstdio>

namespace {
std::vector<nr::Tensor> f(const std::vector<nr::Tensor>& in) {
  const nr::Tensor& x = in[0];    // [2, 7] float32
  const nr::Tensor& ids = in[1];  // [2, 7] int32
  auto [values, indices] = nr::topk(x, 3, 1, false, false);
  auto [top_ids, at] = nr::topk(ids, 2, 0);
  return {values,
          indices,
          top_ids,
          at,
          nr::pad(x, {2, 1, 1, 0}, "constant", -0.25),
          nr::pad(nr::unsqueeze(x, 0), {3, 2}, "reflect"),
          nr::pad(ids, {-1, 3}, "replicate"),
          nr::pad(ids, {1, -2}, "constant", 7.9),
          nr::repeat(nr::expand(nr::unsqueeze(values, 1), {-1, 2, -1}), {1, 2, 1, 1}),
          nr::stack(nr::chunk(x, 2, 0), 1)};
}
}  // namespace

TEST_CASE("traced topk and pad (and the other layout ops) equal eager after save and load") {
  nr::manual_seed(41);
  std::vector<nr::Tensor> ex = {nr::randn({2, 7}), nr::randint(-50, 50, {2, 7}, nr::int32)};
  const std::string path = test::temp_path("layout_ops.neuron");
  nr::trace(f, ex).save(path);
  nr::TracedModule loaded = nr::load(path);
  for (int k = 0; k < 2; ++k) {
    std::vector<nr::Tensor> in = {nr::randn({2, 7}), nr::randint(-50, 50, {2, 7}, nr::int32)};
    std::vector<nr::Tensor> got = loaded.forward(in), want = f(in);
    REQUIRE(got.size() == want.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
      CAPTURE(i);
      test::check_equal(got[i], want[i]);
    }
  }
  std::remove(path.c_str());
}

TEST_CASE("topk, pad, expand and repeat attributes round-trip through JSON") {
  // JSON -> op struct -> JSON (as files and disk caches hold them)
  const auto round_trip = [](const char* op, const char* text) {
    const nlohmann::json j = nlohmann::json::parse(text);
    CHECK(nr::make_op_from_json(op, j)->attrs_json() == j);
  };
  round_trip("topk", "[3, 1, false, false, true]");
  round_trip("pad", R"([[1, -2, 0, 3], 0, "-inf"])");
  round_trip("pad", "[[2, 2], 1, 0.0]");
  round_trip("expand", "[[4, 2, 3]]");
  round_trip("repeat", "[[2, 1, 3]]");
  nr::TopK t = nr::op_attrs_from_json<nr::TopK>(nlohmann::json::parse("[3, 1, false, true, true]"));
  CHECK((t.k == 3 && t.dim == 1 && !t.largest && t.sorted && t.indices));
  nr::Pad p = nr::op_attrs_from_json<nr::Pad>(nlohmann::json::parse("[[1, -2], 2, 0.0]"));
  CHECK((p.pads == std::vector<std::int64_t>{1, -2} && p.mode == nr::Pad::replicate));
  CHECK_THROWS_WITH_ALL(nr::op_attrs_from_json<nr::Pad>(nlohmann::json::parse("[[1, 1], 0]")),
                        nr::FormatError, "op 'pad': expected 3 attributes");
  CHECK_THROWS_WITH_ALL(
      nr::op_attrs_from_json<nr::TopK>(nlohmann::json::parse("[1.5, 0, true, true, false]")),
      nr::FormatError, "op 'topk'", "int64");
  // a -inf pad value reaches a traced module's file and back
  auto g = [](const nr::Tensor& x) {
    return nr::pad(x, {1, 1}, "constant", -std::numeric_limits<double>::infinity());
  };
  const nr::Tensor x = nr::randn({2, 3});
  const std::string bytes = nr::trace(g, x).to_bytes();
  test::check_equal(nr::load_from_memory(bytes.data(), bytes.size())(x), g(x));
}
