// Records a fixed model on the lazy device and prints the hash of the graph mark_step compiles,
// or with --counters the cache counters (for the disk-cache tests, with NEURON_CACHE_DIR set).
// --graphs N runs the model at N batch sizes (N distinct graphs) and prints the counters: the
// bounded-cache tests fill a directory with it, from one process or several at once.
#include <neuron/neuron.hpp>

#include <cstdlib>
#include <iostream>
#include <string>

int main(int argc, char** argv) {
  namespace nr = neuron;
  namespace nn = neuron::nn;
  const std::string mode = argc > 1 ? argv[1] : "";
  const int graphs = mode == "--graphs" && argc > 2 ? std::atoi(argv[2]) : 1;
  nr::manual_seed(7);
  nn::Sequential m(nn::Linear(8, 4), nn::GELU(), nn::LayerNorm(4), nn::Softmax(-1));
  m.eval();
  bool exact = true;
  for (int i = 0; i < graphs; ++i) {
    nr::Tensor x = nr::rand({graphs == 1 ? 2 : i + 1, 8});
    m.to(nr::cpu());
    nr::Tensor want = m(nr::relu(x * 3.0f - 1.0f));  // eager, before moving the model
    m.to(nr::lazy_device());
    nr::Tensor y = m(nr::relu(x.to(nr::lazy_device()) * 3.0f - 1.0f));
    nr::mark_step();
    if (mode.empty()) continue;
    exact = exact && nr::max(nr::abs(y.cpu() - want)).item<float>() == 0.f;
  }
  if (mode == "--counters" || mode == "--graphs") {
    std::cout << "CompileCount=" << nr::metrics::counter("CompileCount")
              << " DiskCacheHit=" << nr::metrics::counter("DiskCacheHit")
              << " DiskCacheRejected=" << nr::metrics::counter("DiskCacheRejected");
    if (mode == "--graphs")
      std::cout << " DiskCacheEvicted=" << nr::metrics::counter("DiskCacheEvicted")
                << " DiskCacheWriteFailed=" << nr::metrics::counter("DiskCacheWriteFailed");
    std::cout << " exact=" << exact << "\n";
    return 0;
  }
  for (const auto& r : nr::metrics::compile_log()) std::cout << r.hash << "\n";
  return 0;
}
