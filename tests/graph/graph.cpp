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
  nr::PlanCache cache;
  cache.insert(g, nr::compile(g));
  CHECK(cache.find(g) != nullptr);
  CHECK(cache.find(other) == nullptr);
}

TEST_CASE("a cut has the graph's order, wiring, data and hashes, in storage reused across sizes") {
  nr::Tensor a = nr::rand({2, 3}, lazy), b = nr::rand({3, 4}, lazy);
  nr::Tensor small = nr::relu(nr::matmul(a, b));
  nr::Tensor big = small;
  for (int i = 0; i < 200; ++i) big = nr::softmax(big + small, -1);  // past the first table size
  nr::GraphCut cut;
  for (const nr::Tensor* t : {&small, &big, &small}) {  // small after big: stale entries ignored
    nr::Graph g = graph_of({*t});
    nr::cut_graph({&nr::lazy::node_of(*t)}, cut);
    REQUIRE(cut.size() == g.entries.size());
    CHECK(cut.hash == g.hash);
    CHECK(cut.op_count() == g.op_count());
    CHECK(cut.outputs == g.outputs);
    for (std::size_t i = 0; i < cut.size(); ++i) {
      CHECK(&cut.node(i) == g.entries[i].node.get());
      CHECK(std::vector<int>(cut.input_ids.begin() + cut.input_begin[i],
                             cut.input_ids.begin() + cut.input_begin[i + 1]) ==
            g.entries[i].inputs);
    }
    nr::CanonicalGraph c = nr::CanonicalGraph::of(g);
    CHECK(c.matches(cut));
  }
  // Two outputs sharing nodes: each node once, the outputs by position.
  nr::cut_graph({&nr::lazy::node_of(small), &nr::lazy::node_of(big)}, cut);
  CHECK(cut.size() == graph_of({small, big}).entries.size());
  CHECK(cut.hash == graph_of({small, big}).hash);
  CHECK(cut.hash != graph_of({big, small}).hash);
  // A collision forged on the cut is still caught by the canonical form.
  nr::Graph g = graph_of({small});
  nr::PlanCache cache;
  cache.insert(g, nr::compile(g));
  nr::Tensor other = nr::sigmoid(nr::matmul(a, b));
  nr::cut_graph({&nr::lazy::node_of(other)}, cut);
  cut.hash = g.hash;
  CHECK(cache.find(cut) == nullptr);
  nr::cut_graph({&nr::lazy::node_of(small)}, cut);
  CHECK(cache.find(cut) != nullptr);
}

TEST_CASE("local hashes reused by op model and spec equal those computed from the node's bytes") {
  // More shapes than the thread's memo has slots, each recorded twice, on two op models; the memo
  // must never answer for another model or spec.
  for (int i = 0; i < 150; ++i) {
    nr::Tensor x = nr::rand({1 + i % 75, 3}, lazy);
    for (int k = 0; k < 2; ++k) {
      for (const nr::Tensor& y : {nr::softmax(x, -1), nr::softmax(x, 0), nr::Tensor(nr::relu(x))}) {
        const nr::IrNode& n = *nr::lazy::node_of(y);
        CHECK(n.local == nr::detail::compute_local_hash(n));
      }
      const nr::IrNode& data = *nr::lazy::node_of(x);
      CHECK(data.local == nr::detail::compute_local_hash(data));
    }
  }
}
