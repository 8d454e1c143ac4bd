#include "test_util.hpp"

namespace {
const nr::Device lazy = nr::lazy_device();
using test::graph_of;
}  // namespace

TEST_CASE("graph hash: data and scalar values never enter it; shapes, dtypes, ops and wiring do") {
  nr::Tensor a = nr::rand({2, 3}, lazy), b = nr::rand({2, 3}, lazy);
  nr::Graph g1 = graph_of({nr::Tensor(a * 2.0f + b)});
  nr::Graph g2 = graph_of({nr::Tensor(b * 7.0f + a)});  // other data, other scalar
  CHECK(g1.hash == g2.hash);
  CHECK(g1.scalars != g2.scalars);
  nr::Graph wired = graph_of({nr::Tensor(a * 2.0f + a)});  // same ops, other wiring
  CHECK(wired.hash != g1.hash);
  CHECK(wired.inputs.size() == 1);
  nr::Graph shaped = graph_of({nr::Tensor(nr::rand({3, 3}, lazy) * 2.0f + nr::rand({3, 3}, lazy))});
  CHECK(shaped.hash != g1.hash);
  CHECK(shaped.shapeless == g1.shapeless);
  nr::Graph typed = graph_of({nr::Tensor(nr::rand({2, 3}, nr::float64, lazy) * 2.0f +
                                         nr::rand({2, 3}, nr::float64, lazy))});
  CHECK(typed.hash != g1.hash);
  nr::Graph other_op = graph_of({nr::Tensor(a * 2.0f - b)});
  CHECK(other_op.hash != g1.hash);
  CHECK(other_op.shapeless != g1.shapeless);
  nr::Graph attr1 = graph_of({nr::softmax(a, 0)}), attr2 = graph_of({nr::softmax(a, 1)});
  CHECK(attr1.hash != attr2.hash);
}

TEST_CASE("graphs are topologically ordered and deep chains neither overflow nor leak") {
  nr::Tensor x = nr::rand({1}, lazy);
  nr::Tensor y = x;
  for (int i = 0; i < 100000; ++i) y = nr::neg(y);
  nr::Graph g = graph_of({y});
  CHECK(g.entries.size() == 100001);
  CHECK(g.entries.front().node->is_data());
  for (std::size_t i = 0; i < g.entries.size(); ++i)
    for (int in : g.entries[i].inputs) CHECK(in < static_cast<int>(i));
  nr::mark_step();
  CHECK(y.cpu().item<float>() == x.cpu().item<float>());  // an even number of negations
  // Dropping a long pending chain releases it without recursing.
  nr::Tensor z = x;
  for (int i = 0; i < 100000; ++i) z = nr::neg(z);
  z = nr::Tensor();
}

TEST_CASE("a cache hit is verified against the cached graph, not trusted on the hash") {
  nr::Tensor a = nr::rand({2, 2}, lazy);
  nr::Graph g = graph_of({nr::exp(a)});
  nr::CanonicalGraph c = nr::CanonicalGraph::of(g);
  CHECK(c.matches(g));
  nr::Graph other = graph_of({nr::log(a)});
  other.hash = g.hash;  // a forged collision
  CHECK_FALSE(c.matches(other));
  nr::ExecutableCache cache;
  cache.insert(g, nr::compile(g));
  CHECK(cache.find(g) != nullptr);
  CHECK(cache.find(other) == nullptr);
}
