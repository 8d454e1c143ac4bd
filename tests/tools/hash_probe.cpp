// Records a fixed model on the lazy device and prints the hash of the graph mark_step compiles,
// or with --counters the cache counters (for the disk-cache tests, with NEURON_CACHE_DIR set).
#include <neuron/neuron.hpp>

#include <iostream>
#include <string>

int main(int argc, char** argv) {
  bool test_values_match = false;
  namespace nr = neuron;
  namespace nn = neuron::nn;
  nr::manual_seed(7);
  nn::Sequential m(nn::Linear(8, 4), nn::GELU(), nn::LayerNorm(4), nn::Softmax(-1));
  m.eval();
  nr::Tensor x = nr::rand({2, 8});
  nr::Tensor want = m(nr::relu(x * 3.0f - 1.0f));  // eager, before moving the model
  m.to(nr::lazy_device());
  nr::Tensor y = m(nr::relu(x.to(nr::lazy_device()) * 3.0f - 1.0f));
  nr::mark_step();
  if (argc > 1 && std::string(argv[1]) == "--counters") {
    test_values_match = nr::max(nr::abs(y.cpu() - want)).item<float>() == 0.f;
    std::cout << "CompileCount=" << nr::metrics::counter("CompileCount")
              << " DiskCacheHit=" << nr::metrics::counter("DiskCacheHit")
              << " DiskCacheRejected=" << nr::metrics::counter("DiskCacheRejected")
              << " exact=" << test_values_match << "\n";
    return 0;
  }
  for (const auto& r : nr::metrics::compile_log()) std::cout << r.hash << "\n";
  return 0;
}
