// The seed's traced-mode example: trace the MLP once, run the compiled plan, save it to one file.
// Then the same model in every mode, timed on this machine: eager, lazy (record + hash + cache hit
// + run), traced, and traced loaded back from the file. Medians of several rounds.
#include <neuron/neuron.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

namespace nr = neuron;
namespace nn = neuron::nn;

// Median over rounds of the mean time per call, in microseconds.
static double time_us(const std::function<void()>& call, int calls = 2000, int rounds = 7) {
  using clock = std::chrono::steady_clock;
  for (int i = 0; i < calls / 10; ++i) call();  // warm up
  std::vector<double> us;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = clock::now();
    for (int i = 0; i < calls; ++i) call();
    us.push_back(std::chrono::duration<double, std::micro>(clock::now() - t0).count() / calls);
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "mlp.neuron";
  nr::manual_seed(0);
  nn::Sequential model(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  model.eval();

  auto trace = nr::trace(model, nr::rand({1, 784}));  // AOT: record + compile once
  nr::Tensor x = nr::rand({1, 784});
  nr::Tensor y = trace(x);  // runs the plan; no graph building, no hashing
  std::cout << "traced output: " << y << "\n";
  trace.save(path);
  std::printf("saved %s; memory plan: %s\n", path.c_str(), trace.memory_plan().str().c_str());
  nr::TracedModule loaded = nr::load(path);
  try {
    loaded(nr::rand({2, 784}));
  } catch (const nr::ShapeError& e) {
    std::printf("a batch of 2 is refused: %s\n", e.what());
  }

  // The same model on the lazy device, for the comparison.
  nn::Sequential lazy_model(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  lazy_model.load_state_dict(model.state_dict());
  lazy_model.eval();
  lazy_model.to(nr::lazy_device());
  nr::Tensor lazy_x = x.to(nr::lazy_device());
  nr::Tensor sink;
  const double eager = time_us([&] { sink = model(x); });
  const double lazy = time_us([&] {
    nr::Tensor r = lazy_model(lazy_x);
    nr::mark_step();
    sink = r;
  });
  const double traced = time_us([&] { sink = trace(x); });
  const double from_file = time_us([&] { sink = loaded(x); });

  std::printf("\nseed MLP 784-120-10, batch 1, %d thread(s), median of 7 rounds:\n\n",
              nr::get_num_threads());
  std::printf("| mode | us per call | vs traced |\n|---|---|---|\n");
  const std::pair<const char*, double> rows[] = {{"eager", eager},
                                                 {"lazy (record + mark_step)", lazy},
                                                 {"traced", traced},
                                                 {"traced, loaded from file", from_file}};
  for (const auto& [name, us] : rows) std::printf("| %s | %.2f | %.2fx |\n", name, us, us / traced);
  std::printf("\n(bench/bench_traced compares traced with hand-written Eigen.)\n");
  return 0;
}
