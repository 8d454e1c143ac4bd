// neuron's own kernels for AVX2 + FMA (isa_kernels.hpp). Compiled with -mavx2 -mfma -mf16c
// -ffp-contract=off and -fvisibility=hidden; only the entry point below is visible.
#if !defined(__AVX2__) || !defined(__FMA__)
#error "kernels_avx2.cpp must be compiled with -mavx2 -mfma"
#endif
#define NEURON_ISA_NAMESPACE isa_avx2
#include "isa_kernels_body.hpp"

namespace neuron::detail {
__attribute__((visibility("default"))) const IsaKernels& isa_kernels_avx2() {
  static const IsaKernels k = isa_avx2::make_table(CpuIsa::avx2);
  return k;
}
}  // namespace neuron::detail
