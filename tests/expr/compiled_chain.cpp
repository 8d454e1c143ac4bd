// Compiled chains (ops/chain_catalog.hpp) give the interpreter's results bit for bit: each chain
// of the catalog, over contiguous, broadcast, 0-d and strided operands, C++ numbers of other
// dtypes, ragged lengths and the streamed path; trees outside the catalog or with other dtypes
// find no chain.
#include "test_util.hpp"

namespace {
namespace ne = nr::expr;

template <class E>
struct Flat {
  static constexpr int node_count_v = E::node_count;
  std::array<ne::FusedNode, E::node_count> nodes;
  std::array<nr::Tensor, E::leaf_count> leaves;
  std::array<nr::ScalarValue, E::scalar_count + 1> scalars{};
  explicit Flat(const E& e) {
    ne::FlattenTarget f{nodes.data(), leaves.data(), scalars.data()};
    e.flatten(f);
  }
  ne::ChainBinding bind() const { return ne::bind_chain(nodes.data(), E::node_count); }
};

// Runs `e` with its compiled chain and with the interpreter: equal bit for bit.
template <class E>
void check_chain(const E& e) {
  Flat<E> f(e);
  const ne::ChainBinding b = f.bind();
  REQUIRE(b.chain >= 0);
  REQUIRE(ne::chain_dtypes_fit(f.nodes.data(), E::node_count));
  nr::Tensor chained = nr::Tensor::empty(e.shape(), e.dtype());
  nr::Tensor interpreted = nr::Tensor::empty(e.shape(), e.dtype());
  ne::run_chain(b, f.nodes.data(), f.leaves.data(), E::leaf_count, f.scalars.data(), chained);
  ne::run_fused(f.nodes.data(), E::node_count, f.leaves.data(), E::leaf_count, f.scalars.data(),
                interpreted);
  test::check_equal(chained, interpreted);
}
}  // namespace

TEST_CASE("every compiled chain equals the interpreter bit for bit") {
  nr::manual_seed(3);
  const nr::Tensor a = nr::randn({7, 1037}), b = nr::randn({7, 1037}), c = nr::randn({7, 1037});
  const nr::Tensor row = nr::randn({1037}), col = nr::randn({7, 1}),
                   zero_d = nr::scalar_tensor(0.7f);
  const nr::Tensor pos = nr::rand({7, 1037}) + 0.1f;
  check_chain(nr::relu(a * b + 1.0f));
  check_chain(nr::relu(a * 2.0 + 1.0));  // double C++ numbers, converted to float once
  check_chain(nr::relu6(a * row + col));
  check_chain(a * zero_d + col);
  check_chain((a + b) * row);
  check_chain(a + 0.1f * b);
  check_chain(a - 0.01f * b);
  check_chain(nr::relu(a + b));
  check_chain(a + b + c);
  check_chain(a * (nr::erf(a / 1.4142135f) + 1.0f) * 0.5f);
  check_chain(0.5f * a * (nr::erf(a / zero_d) + 1.0f));
  check_chain(0.5f * a * (1.0f + nr::tanh(0.7978845608f * (a + 0.044715f * nr::pow(a, 3.0f)))));
  check_chain(nr::gelu(a + row));
  check_chain(a * nr::sigmoid(a));
  check_chain((a - col) / nr::sqrt(pos + 1e-5f));
  check_chain((a - col) / nr::sqrt(pos + 1e-5f) * row + row);
  check_chain((a - col) * row);
  // Single ops, with attributes; a transposed (strided) leaf; 3 operands.
  check_chain(nr::leaky_relu(a, 0.2));
  check_chain(nr::exp(ne::Leaf(nr::transpose(nr::randn({1037, 7}), 0, 1))));
  check_chain(nr::clamp(a, col, row));
  // Ragged and tiny lengths, one element, and the streamed path (16 MiB and more).
  check_chain(nr::relu(nr::randn({3}) * 2.0f + 1.0f));
  check_chain(nr::relu(nr::randn({1}) * zero_d + 1.0f));
  check_chain(nr::relu(nr::randn({4097, 1024}) * nr::randn({4097, 1024}) + 1.0f));
  check_chain(nr::relu(nr::randn({4097, 1024}) * nr::slice(row, 0, 0, 1024) + 1.0f));
}

TEST_CASE("trees outside the catalog, or not all float32, find no chain") {
  const nr::Tensor a = nr::randn({4, 5});
  {
    Flat f(nr::exp(nr::exp(nr::exp(a))));  // not a listed chain
    CHECK(f.bind().chain < 0);
  }
  {
    const nr::Tensor d = nr::randn({4, 5}, nr::float64);
    Flat f(nr::relu(d * d + 1.0));  // the structure is listed, the dtype is not
    CHECK(f.bind().chain >= 0);
    CHECK_FALSE(ne::chain_dtypes_fit(f.nodes.data(), decltype(f)::node_count_v));
  }
  {
    const nr::Tensor i = nr::randint(0, 5, {4, 5}, nr::int32);
    Flat f(nr::relu(a * i + 1.0f));  // an int32 leaf promoted inside the tree
    CHECK_FALSE(ne::chain_dtypes_fit(f.nodes.data(), decltype(f)::node_count_v));
  }
}

TEST_CASE("traced and lazy fused steps run their compiled chain") {
  // The traced plan's fused op is bound to a chain; the result equals eager bit for bit.
  const nr::Tensor a = nr::randn({33, 65}), b = nr::randn({65});
  auto f = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::relu(in[0] * in[1] + 1.0f)};
  };
  nr::TracedModule t = nr::trace(f, {a, b});
  int fused = 0;
  for (const nr::PlanStep& s : t.plans()[0].steps)
    if (const auto* e = dynamic_cast<const ne::InterpretedExpr*>(s.op.get())) {
      ++fused;
      CHECK(e->compiled_chain() >= 0);
    }
  CHECK(fused == 1);
  test::check_equal(t.forward({a, b})[0], f({a, b})[0]);
  // Lazy: the same op runs the step.
  std::vector<nr::Tensor> lazy = {a.to(nr::lazy_device()), b.to(nr::lazy_device())};
  nr::Tensor y = f(lazy)[0];
  nr::mark_step();
  test::check_equal(y.to(nr::cpu()), f({a, b})[0]);
}
