// Definitions of isa_kernels.hpp.
#pragma once

#include <cstring>

#include <oneapi/dnnl/dnnl.hpp>

#include "isa_kernels.hpp"

namespace neuron::detail {

NEURON_INLINE const IsaKernels* isa_kernels() {
  static const IsaKernels* const table = []() -> const IsaKernels* {
    switch (cpu_isa()) {
#if defined(NEURON_DISPATCH_AVX512)
      case CpuIsa::avx512:
        return &isa_kernels_avx512();
#endif
#if defined(NEURON_DISPATCH_AVX2)
      case CpuIsa::avx2:
        return &isa_kernels_avx2();
#endif
      default:
        return nullptr;
    }
  }();
  return table;
}

NEURON_INLINE MapChunkFn isa_map_chunk(const char* name, bool f64) {
  const IsaKernels* k = isa_kernels();
  if (!k) return nullptr;
  for (int i = 0; i < k->map_count; ++i)
    if (std::strcmp(k->map[i].name, name) == 0) return f64 ? k->map[i].f64 : k->map[i].f32;
  return nullptr;
}

}  // namespace neuron::detail

namespace neuron {

NEURON_INLINE const char* onednn_cpu_isa_name() {
  using isa = dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case isa::sse41:
      return "sse41";
    case isa::avx:
      return "avx";
    case isa::avx2:
      return "avx2";
    case isa::avx2_vnni:
      return "avx2_vnni";
    case isa::avx512_core:
      return "avx512_core";
    case isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

}  // namespace neuron
