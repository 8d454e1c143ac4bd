// Fused expressions rebuilt from their JSON trees (what a deployment binary runs) equal the
// compiled expressions bit for bit, and bad trees are refused.
#include "test_util.hpp"

namespace {
// Records `f` on lazy tensors to get its fused op, then runs the interpreted rebuild of its tree.
template <class F>
void check_interpreted(F f, std::vector<nr::Tensor> in) {
  std::vector<nr::Tensor> lazy;
  for (auto& t : in) lazy.push_back(t.to(nr::lazy_device()));
  nr::Tensor y = f(lazy);
  nr::Graph g = test::graph_of({y});
  const nr::GraphEntry& root = g.entries[static_cast<std::size_t>(g.outputs[0])];
  REQUIRE(root.node->op->name() == "fused");
  std::vector<nr::TensorSpec> specs;
  std::vector<nr::Tensor> args;
  for (int i : root.inputs) {
    specs.push_back(g.entries[static_cast<std::size_t>(i)].node->spec);
    args.push_back(g.entries[static_cast<std::size_t>(i)].node->data);
  }
  nr::expr::InterpretedExpr e(root.node->op->attrs_json(), specs);
  CHECK(e.structure() == root.node->op->structure());
  CHECK(e.scalar_count() == root.node->op->scalar_count());
  nr::Tensor got = nr::Tensor::empty(root.node->spec.shape, root.node->spec.dtype);
  e.run(args, root.node->scalars.data(), got);
  test::check_equal(got, f(in));
}
}  // namespace

TEST_CASE("interpreted fused expressions equal compiled ones exactly") {
  using V = std::vector<nr::Tensor>;
  check_interpreted([](const V& v) { return nr::Tensor(nr::relu(v[0] * v[1] + v[2] - 0.5f)); },
                    {nr::randn({4, 5}), nr::randn({4, 5}), nr::randn({5})});
  // Mixed dtypes, promotion, a 0-d operand, integer scalars.
  check_interpreted(
      [](const V& v) { return nr::Tensor(nr::cast(v[0], nr::float64) * v[1] + v[2] * 3); },
      {nr::randint(-5, 5, {3, 1}, nr::int32), nr::randn({3, 4}), nr::scalar_tensor(2.5)});
  check_interpreted(
      [](const V& v) {
        return nr::Tensor(
            nr::where(nr::gt(v[0], 0.1), nr::exp(v[1]), -std::numeric_limits<double>::infinity()));
      },
      {nr::randn({2, 3, 70}), nr::randn({3, 1})});
  check_interpreted([](const V& v) { return nr::Tensor(nr::eq(v[0], v[1])); },
                    {nr::randint(0, 3, {600}, nr::int64), nr::randint(0, 3, {600}, nr::int64)});
  check_interpreted(
      [](const V& v) { return nr::Tensor(nr::gelu(nr::tanh(v[0]), nr::GeluApproximation::tanh)); },
      {nr::randn({1000})});
  // Several chunks with a ragged last one, broadcast and strided leaves, a wider dtype, and the
  // streamed path (outputs of 16 MiB and more are written with non-temporal stores).
  check_interpreted([](const V& v) { return nr::Tensor(nr::relu(v[0] * v[1] + 1.0f)); },
                    {nr::randn({5, 1000}), nr::randn({1000})});
  check_interpreted(
      [](const V& v) { return nr::Tensor(nr::cast(v[0], nr::float64) * v[1] - v[2]); },
      {nr::randn({3, 777}), nr::randn({3, 777}), nr::randn({3, 1})});
  check_interpreted([](const V& v) { return nr::Tensor(nr::sigmoid(v[0]) * 2.0f); },
                    {nr::transpose(nr::randn({2100, 3}), 0, 1)});
  check_interpreted([](const V& v) { return nr::Tensor(nr::relu(v[0] * v[1] + 1.0f)); },
                    {nr::randn({4097, 1024}), nr::randn({4097, 1024})});
}

TEST_CASE("bad fused trees are FormatErrors") {
  const std::vector<nr::TensorSpec> one = {{nr::Shape{3}, nr::float32}};
  auto bad = [&](const char* tree, const std::vector<nr::TensorSpec>& in) {
    return test::error_message([&] { nr::expr::InterpretedExpr(nlohmann::json::parse(tree), in); });
  };
  CHECK(bad(R"({"op":"conv","attrs":[],"dtype":"float32","args":["x"]})", one).find("unknown op") !=
        std::string::npos);
  CHECK(bad(R"({"op":"softmax","attrs":[-1],"dtype":"float32","args":["x"]})", one)
            .find("not elementwise") != std::string::npos);
  CHECK(bad(R"({"op":"add","attrs":[],"dtype":"float32","args":["x"]})", one).find("takes 2") !=
        std::string::npos);
  CHECK(bad(R"({"op":"relu","attrs":[],"dtype":"int64","args":["x"]})", one).find("computes") !=
        std::string::npos);
  CHECK(bad(R"({"op":"relu","attrs":[],"dtype":"float32","args":["x"]})", {}).find("more leaves") !=
        std::string::npos);
  CHECK(bad(R"({"op":"relu","attrs":[],"dtype":"float32","args":[{"scalar":"int32"}]})", one)
            .find("C++ number") != std::string::npos);
  CHECK(bad(R"("x")", one).find("root") != std::string::npos);
  CHECK(bad(R"({"op":"add","attrs":[],"dtype":"float32","args":["x","x"]})",
            {{nr::Shape{3}, nr::float32}, {nr::Shape{4}, nr::float32}})
            .find("broadcast") != std::string::npos);
}
