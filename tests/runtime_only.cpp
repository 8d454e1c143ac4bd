// Compiled against neuron::runtime alone: the deployment header must stand on its own. With a
// directory argument it loads the modules tests/tools/make_module.cpp wrote and checks that they
// reproduce the eager outputs exactly, without the compiler or the lazy recorder in the program.
#include <neuron/runtime.hpp>

#include <cstdio>
#include <cstring>
#include <string>

namespace nr = neuron;

static bool check_module(const std::string& dir, const std::string& name) {
  nr::TracedModule m = nr::load(dir + "/" + name + ".neuron");
  nr::Tensor x = nr::load_npy(dir + "/" + name + "_x.npy");
  nr::Tensor want = nr::load_npy(dir + "/" + name + "_y.npy");
  nr::Tensor got = m(x);
  bool same = got.shape() == want.shape() && got.dtype() == want.dtype() &&
              std::memcmp(got.raw_data(), want.raw_data(), got.nbytes()) == 0;
  std::printf("%s: %zu steps, %s; output %s\n", name.c_str(), m.plans()[0].steps.size(),
              m.memory_plan().str().c_str(), same ? "equals eager exactly" : "DIFFERS from eager");
  try {
    nr::Shape wrong = x.shape();
    wrong[0] = wrong[0] + 1;
    (void)m(nr::zeros(wrong));
    std::printf("%s: a wrong input shape was not refused\n", name.c_str());
    return false;
  } catch (const nr::ShapeError& e) {
    std::printf("%s: refuses other shapes: %s\n", name.c_str(), e.what());
  }
  return same;
}

int main(int argc, char** argv) {
  nr::Tensor x = nr::tensor<float>({{1.f, -2.f, 3.f}});
  nr::Tensor y = nr::relu(x * 2.f);
  float s = nr::sum(y).item<float>();
  std::printf("runtime-only sum = %g\n", s);
  // The lazy stage is not part of this program: moving there is refused, clearly.
  try {
    (void)x.to(nr::Device(nr::Device::Kind::lazy));
    return 1;
  } catch (const nr::DeviceError& e) {
    std::printf("without lazy mode: %s\n", e.what());
  }
  bool ok = s == 8.f;
  if (argc > 1) ok = check_module(argv[1], "mlp") && check_module(argv[1], "encoder") && ok;
  return ok ? 0 : 1;
}
