// What a benchmark's numbers were measured on, recorded in its JSON context for the report
// (bench/make_benchmarks_md.py): the instruction set neuron's own kernels and oneDNN's run, the
// layout traced plans keep convolution activations in (conv_channel_block), and whether the
// library is the default build or the -march=native copy (NEURON_BENCH_NATIVE).
#pragma once

#include <benchmark/benchmark.h>

#include <neuron/core/cpu_isa.hpp>
#include <neuron/ops/conv.hpp>
#include <string>

namespace neuron_bench {

inline void add_build_context() {
  benchmark::AddCustomContext("neuron_isa", neuron::cpu_isa_name(neuron::cpu_isa()));
  benchmark::AddCustomContext("onednn_isa", neuron::onednn_cpu_isa_name());
  const std::int64_t block = neuron::conv_channel_block();
  benchmark::AddCustomContext("conv_layout", block ? "nChw" + std::to_string(block) +
                                                         "c (blocks of " + std::to_string(block) +
                                                         " channels)"
                                                   : std::string("NHWC"));
#if defined(NEURON_BENCH_NATIVE_LIBRARY)
  benchmark::AddCustomContext("neuron_build", "native");
#else
  benchmark::AddCustomContext("neuron_build", "default");
#endif
}

}  // namespace neuron_bench
