// The instruction-set path of neuron's own kernels (cpu_isa.hpp): picked within what the CPU
// supports, capped by NEURON_MAX_ISA (ctest runs this binary once per cap), and the same results
// whichever path runs the library's kernels and whether an expression runs in the program's
// registers or in the library.
#include <cstdlib>
#include <cstring>

#include "test_util.hpp"

namespace nr = neuron;

TEST_CASE("cpu_isa picks a path the CPU supports, within NEURON_MAX_ISA") {
  const nr::CpuIsa isa = nr::cpu_isa();
  const bool native_library = static_cast<int>(isa) > static_cast<int>(nr::cpu_isa_supported());
  CHECK_FALSE(native_library);  // a test build is never compiled for more than this CPU
  CHECK(nr::cpu_isa() == isa);  // chosen once
  const char* cap = std::getenv("NEURON_MAX_ISA");
  if (cap && std::strcmp(cap, "baseline") == 0) CHECK(isa == nr::CpuIsa::baseline);
  if (cap && std::strcmp(cap, "avx2") == 0)
    CHECK(static_cast<int>(isa) <= static_cast<int>(nr::CpuIsa::avx2));
  CHECK(std::strcmp(nr::cpu_isa_name(nr::CpuIsa::avx2), "avx2") == 0);
  MESSAGE("kernels run the ", nr::cpu_isa_name(isa), " path; the CPU supports ",
          nr::cpu_isa_name(nr::cpu_isa_supported()));
}

TEST_CASE("elementwise maps, softmax and layer norm agree in every mode on the picked path") {
  // 1001 values a row: not a multiple of any register width (the padded-tail path runs too).
  nr::Tensor x = nr::randn({3, 1001}), y = nr::randn({3, 1001});
  auto f = [](const nr::Tensor& a, const nr::Tensor& b) {
    nr::Tensor h = nr::gelu(a * b + 1.0f);
    return nr::layer_norm(nr::softmax(nr::exp(nr::tanh(h)), -1), {1001});
  };
  nr::Tensor eager = f(x, y);
  nr::TracedModule t = nr::trace(
      [&](const std::vector<nr::Tensor>& in) { return std::vector<nr::Tensor>{f(in[0], in[1])}; },
      {x, y});
  test::check_equal(t.forward({x, y})[0], eager);
}
