// The cost of one lazy step for the seed MLP (784-120-10, batch 1), split into its parts, against
// a hand-written Eigen forward pass measured in the same run:
//   record   ops on lazy tensors build IR nodes (the recorded outputs are then dropped)
//   graph    cut the graph for the outputs and hash it (XXH3-128), into reused storage
//   lookup   find the executable in the in-memory cache, verified against the cached graph
//   run      run the executable on the bound inputs
//   step     all of it: record + mark_step (cache hit) + reading the result
// Run: build/bench/bench_lazy --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <neuron/neuron.hpp>

#include <Eigen/Core>

#include "eigen_seed_mlp.hpp"
#include "ratio_reporter.hpp"

using neuron_bench::eigen_seed_mlp;  // BENCHMARK_CAPTURE takes an unqualified name

namespace nr = neuron;
namespace nn = neuron::nn;

namespace {

nn::Sequential seed_mlp() {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}

struct LazySetup {
  nn::Sequential model = seed_mlp();
  nr::Tensor x;
  LazySetup() {
    model.to(nr::lazy_device());
    x = nr::rand({1, 784}, nr::lazy_device());
  }
};

void neuron_eager(benchmark::State& st) {
  nn::Sequential m = seed_mlp();
  nr::Tensor x = nr::rand({1, 784});
  for (auto _ : st) {
    nr::Tensor y = m(x);
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

void lazy_record(benchmark::State& st) {
  LazySetup s;
  for (auto _ : st) {
    nr::Tensor y = s.model(s.x);
    benchmark::DoNotOptimize(y.impl_ptr());
  }
}

void lazy_graph(benchmark::State& st) {
  LazySetup s;
  nr::Tensor y = s.model(s.x);
  std::vector<const nr::IrNodePtr*> out{&nr::lazy::node_of(y)};
  nr::GraphCut cut;
  for (auto _ : st) {
    nr::cut_graph(out, cut);
    benchmark::DoNotOptimize(cut.hash.lo);
  }
}

void lazy_lookup(benchmark::State& st) {
  LazySetup s;
  nr::Tensor y = s.model(s.x);
  nr::Graph g = nr::build_graph({nr::lazy::node_of(y)});
  nr::PlanCache::instance().insert(g, nr::compile(g));
  nr::GraphCut cut;
  nr::cut_graph({&nr::lazy::node_of(y)}, cut);
  for (auto _ : st) benchmark::DoNotOptimize(nr::PlanCache::instance().find(cut).get());
}

void lazy_run(benchmark::State& st) {
  LazySetup s;
  nr::Tensor y = s.model(s.x);
  nr::Graph g = nr::build_graph({nr::lazy::node_of(y)});
  auto exe = nr::compile(g);
  for (auto _ : st) {
    auto out = exe->run(g.inputs, g.scalars);
    benchmark::DoNotOptimize(out[0].impl_ptr());
  }
}

void lazy_step(benchmark::State& st) {
  LazySetup s;
  for (auto _ : st) {
    nr::Tensor y = s.model(s.x);
    nr::mark_step();
    benchmark::DoNotOptimize(y.impl_ptr());
  }
  st.counters["compiles"] = static_cast<double>(nr::metrics::counter("CompileCount"));
}

}  // namespace

BENCHMARK_CAPTURE(eigen_seed_mlp, b1, 1)->Name("eigen/mlp_b1");
BENCHMARK_CAPTURE(eigen_seed_mlp, b1, 1)->Name("eigen/mlp_b1_eager");
BENCHMARK(lazy_step)->Name("neuron/mlp_b1");
BENCHMARK(neuron_eager)->Name("neuron/mlp_b1_eager");
BENCHMARK(lazy_record)->Name("part/record");
BENCHMARK(lazy_graph)->Name("part/graph_and_hash");
BENCHMARK(lazy_lookup)->Name("part/cache_lookup");
BENCHMARK(lazy_run)->Name("part/run");

int main(int argc, char** argv) { return neuron_bench::run_with_ratios(argc, argv); }
