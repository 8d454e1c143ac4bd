// neuron's own kernels compiled once more per instruction set (cpu_isa.hpp): src/ops/isa/ builds
// one table per path (AVX2 + FMA, AVX-512) from the same templates the baseline path instantiates
// in place, and the library calls through the table of the path cpu_isa() picked. Private to the
// library: only -inl files and src/ops/isa/ include it.
//
// Each path is one object file compiled with its -m flags and -ffp-contract=off (no a*b+c
// contracted into an FMA that the baseline path would not make); the build renames the object's
// weak symbols (cmake/neuronIsaObject.cmake) so that the linker never swaps its inline functions
// and template instances for the baseline ones, or the other way round.
#pragma once

#include <cstdint>

#include "../core/cpu_isa.hpp"
#include "chains.hpp"

namespace neuron::detail {

// n values of each input (already in the op's compute dtype) -> n values of the output.
using MapChunkFn = void (*)(const void* op, const void* const* in, void* out, std::int64_t n);

struct MapKernelEntry {
  const char* name;  // the op's name
  MapChunkFn f32, f64;
};

struct IsaKernels {
  CpuIsa isa = CpuIsa::baseline;
  const MapKernelEntry* map = nullptr;  // every map op (MapOp) of the op list
  int map_count = 0;
  // softmax_kernels.hpp: rows [b, e) of D contiguous values; blocks of D x I.
  void (*softmax_rows_f32)(const float* x, float* y, std::int64_t D, std::int64_t b, std::int64_t e,
                           bool log) = nullptr;
  void (*softmax_blocks_f32)(const float* x, float* y, std::int64_t D, std::int64_t I,
                             std::int64_t b, std::int64_t e, bool log) = nullptr;
  // layer_norm_kernels.hpp: rows [b, e) of n values; w and b may be null.
  void (*layer_norm_rows_f32)(const float* x, float* y, const float* w, const float* bias,
                              std::int64_t n, double eps, std::int64_t b, std::int64_t e) = nullptr;
  // linear's few-row product (Eigen, one GEMV per row): y[m, n] = x[m, k] w[n, k]^T, no bias.
  void (*linear_rows_f32)(const float* x, const float* w, float* y, std::int64_t m, std::int64_t k,
                          std::int64_t n) = nullptr;
  // chain_catalog.hpp's chains, in catalog order.
  const ChainFn* chains = nullptr;
  int chain_count = 0;
};

// The entry points of src/ops/isa/kernels_<isa>.cpp (present when the library was built with
// NEURON_DISPATCH_<ISA>).
const IsaKernels& isa_kernels_avx2();
const IsaKernels& isa_kernels_avx512();

// The table of the path cpu_isa() picked; nullptr on the baseline path (the kernels compiled in
// place run).
const IsaKernels* isa_kernels();

// The map kernel of op `name` for float32 or float64 on the picked path, or nullptr.
MapChunkFn isa_map_chunk(const char* name, bool f64);

}  // namespace neuron::detail

#ifdef NEURON_HEADER_ONLY
#include "isa_kernels-inl.hpp"
#endif
