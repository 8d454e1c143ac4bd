// torchvision's ResNet-18 written as user code (BasicBlock and ResNet18 in vision_models.hpp, with
// torchvision's module names), then: classify an image, trace it (batch norm folded into the
// convolutions, ReLU and the residual adds fused as oneDNN post-ops, activations channels-last),
// save the traced module, and time eager / lazy / traced on this machine.
//
// Usage: vision_resnet [resnet18.safetensors] [out.neuron]
// With a torchvision state_dict (e.g. made by tests/fixtures/make_vision_model_fixtures.py) the
// weights load strictly by torchvision's keys; without one the model keeps its random init.
#include <neuron/neuron.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

#include "vision_models.hpp"

namespace nr = neuron;

// Median over rounds of the time per call, in milliseconds.
static double time_ms(const std::function<void()>& call, int calls = 3, int rounds = 5) {
  using clock = std::chrono::steady_clock;
  call();  // warm up: first call makes primitives, reorders weights, compiles (lazy)
  std::vector<double> ms;
  for (int r = 0; r < rounds; ++r) {
    auto t0 = clock::now();
    for (int i = 0; i < calls; ++i) call();
    ms.push_back(std::chrono::duration<double, std::milli>(clock::now() - t0).count() / calls);
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

static int top1(const nr::Tensor& logits, int row) {
  const std::int64_t n = logits.shape()[1];
  const float* p = logits.data<float>() + row * n;
  return static_cast<int>(std::max_element(p, p + n) - p);
}

int main(int argc, char** argv) {
  const std::string weights = argc > 1 ? argv[1] : "";
  const std::string out = argc > 2 ? argv[2] : "resnet18.neuron";
  nr::manual_seed(0);
  vision::ResNet18 model;
  if (!weights.empty()) {
    model.load_state_dict(nr::load_safetensors(weights));  // strict: torchvision's keys
    std::printf("loaded %s\n", weights.c_str());
  } else {
    std::printf("random weights (pass a torchvision resnet18 state_dict as safetensors to load)\n");
  }
  model.eval();

  const nr::Tensor image = nr::rand({1, 3, 224, 224});
  const nr::Tensor logits = model(image);
  std::printf("eager: logits %s, top-1 class %d\n", logits.shape().str().c_str(), top1(logits, 0));

  auto traced = nr::trace(model, image);  // compiled once for [1, 3, 224, 224]
  const nr::Tensor t = traced(image);
  float max_diff = 0;
  for (std::int64_t i = 0; i < t.numel(); ++i)
    max_diff = std::max(max_diff, std::abs(t.data<float>()[i] - logits.data<float>()[i]));
  std::printf("traced: %zu plan steps, top-1 class %d, max |traced - eager| = %.2g\n",
              traced.plans()[0].steps.size(), top1(t, 0), max_diff);
  traced.save(out);
  std::printf("saved %s (%s)\n", out.c_str(), traced.memory_plan().str().c_str());

  vision::ResNet18 lazy_model;
  lazy_model.load_state_dict(model.state_dict());
  lazy_model.eval();
  lazy_model.to(nr::lazy_device());
  const nr::Tensor lazy_image = image.to(nr::lazy_device());

  std::printf("\nresnet18 [1, 3, 224, 224], median of 5 rounds:\n\n");
  std::printf("| mode | threads | ms per call | vs traced |\n|---|---|---|---|\n");
  nr::Tensor sink;
  for (int threads : {1, 2}) {
    nr::set_num_threads(threads);
    const double eager = time_ms([&] { sink = model(image); });
    const double lazy = time_ms([&] {
      nr::Tensor r = lazy_model(lazy_image);
      nr::mark_step();
      sink = r;
    });
    const double tr = time_ms([&] { sink = traced(image); });
    const std::pair<const char*, double> rows[] = {
        {"eager", eager}, {"lazy (record + mark_step)", lazy}, {"traced", tr}};
    for (const auto& [name, ms] : rows)
      std::printf("| %s | %d | %.2f | %.2fx |\n", name, threads, ms, ms / tr);
  }
  std::printf("\n(bench/bench_vision adds TorchScript and the convolutions' GFLOP/s.)\n");
  return 0;
}
