// torchvision's resnet18 and mobilenet_v2, written in the DSL (examples/vision_models.hpp), load
// PyTorch's state_dict strictly and match PyTorch's logits (rtol 1e-4, atol 1e-4) eagerly, in
// lazy mode, traced, and saved + loaded. The fixtures come from
// tests/fixtures/make_vision_model_fixtures.py (run by ctest first); the traced modules are saved
// to the fixture folder for the runtime-only program (vision_runtime_only.cpp).
// Usage: neuron_vision_parity FIXTURE_DIR
#include <cstdio>
#include <string>

#include <neuron/neuron.hpp>

#include "compare.hpp"
#include "vision_models.hpp"

namespace nr = neuron;

namespace {

constexpr double kRtol = 1e-4, kAtol = 1e-4;

template <class Model>
bool check_model(const std::string& dir, const std::string& name) {
  const std::string d = dir + "/" + name;
  const nr::StateDict weights = nr::load_safetensors(d + "/weights.safetensors");
  const nr::Tensor x = nr::load_npy(d + "/x.npy"), want = nr::load_npy(d + "/y.npy");
  bool ok = true;

  Model model;
  model.load_state_dict(weights);  // strict: every torchvision key, nothing else
  model.eval();
  const nr::Tensor eager = model(x);
  ok &= vision_test::report(name, "eager", vision_test::compare(eager, want, kRtol, kAtol));

  Model lazy_model;
  lazy_model.load_state_dict(weights);
  lazy_model.eval();
  lazy_model.to(nr::lazy_device());
  nr::Tensor y = lazy_model(x.to(nr::lazy_device()));
  nr::mark_step();
  ok &= vision_test::report(name, "lazy", vision_test::compare(y.cpu(), want, kRtol, kAtol));

  nr::TracedModule traced = nr::trace(model, x);
  ok &= vision_test::report(name, "traced", vision_test::compare(traced(x), want, kRtol, kAtol));
  const std::string path = d + "/" + name + ".neuron";
  traced.save(path);
  nr::TracedModule loaded = nr::load(path);
  ok &= vision_test::report(name, "traced, saved + loaded",
                            vision_test::compare(loaded(x), want, kRtol, kAtol));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  try {
    std::printf(
        "| model | mode | max abs error | max rel error | max abs / max |logit| | rtol 1e-4, "
        "atol 1e-4 |\n|---|---|---|---|---|---|\n");
    bool ok = check_model<vision::ResNet18>(argv[1], "resnet18");
    ok = check_model<vision::MobileNetV2>(argv[1], "mobilenet_v2") && ok;
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
