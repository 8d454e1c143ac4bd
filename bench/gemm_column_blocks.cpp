// The sweep behind gemm_column_block (include/neuron/ops/gemm-inl.hpp): oneDNN 2.6's f32 matmul
// (Debian's libdnnl, weights in its preferred layout, with bias) on linear shapes of the
// benchmarked models, run as one primitive and as primitives of 256 or 512 columns that each write
// their slice of the output. GFLOP/s and the fraction of the measured FMA peak of one core
// (fma_peak.hpp), at 1 and 2 threads. Run: build/bench/gemm_column_blocks
// (--benchmark_repetitions=5 --benchmark_report_aggregates_only=true for medians).
#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.hpp>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "fma_peak.hpp"

namespace {

using dims = dnnl::memory::dims;
using dt = dnnl::memory::data_type;

double fma_peak() {
  static const double peak = neuron_bench::measure_fma_peak_gflops();
  return peak;
}

struct Block {
  dnnl::matmul prim;
  dnnl::memory weights, bias, dst;
};

// Columns [n0, n0 + nb) of x[M, K] w[N, K]^T + b -> y[M, N] (row stride N).
Block make_block(const dnnl::engine& eng, dnnl::stream& strm, std::int64_t m, std::int64_t k,
                 std::int64_t n, std::int64_t n0, std::int64_t nb, float* w, float* b, float* y) {
  const dnnl::memory::desc src({m, k}, dt::f32, dims{k, 1});
  const dnnl::memory::desc plain({k, nb}, dt::f32, dims{1, k});
  const dnnl::memory::desc any({k, nb}, dt::f32, dnnl::memory::format_tag::any);
  const dnnl::memory::desc bias({1, nb}, dt::f32, dims{nb, 1});
  const dnnl::memory::desc dst({m, nb}, dt::f32, dims{n, 1});
  dnnl::matmul::primitive_desc pd(dnnl::matmul::desc(src, any, bias, dst), eng);
  Block blk;
  dnnl::memory from(plain, eng, w + n0 * k);
  blk.weights = dnnl::memory(pd.weights_desc(), eng);
  dnnl::reorder(from, blk.weights).execute(strm, from, blk.weights);
  strm.wait();
  blk.bias = dnnl::memory(bias, eng, b + n0);
  blk.dst = dnnl::memory(dst, eng, y + n0);
  blk.prim = dnnl::matmul(pd);
  return blk;
}

// width 0: one primitive for all N columns.
void gemm(benchmark::State& st, std::int64_t m, std::int64_t k, std::int64_t n, std::int64_t width,
          int threads) {
#if defined(_OPENMP)
  omp_set_num_threads(threads);  // oneDNN runs on OpenMP and fixes its split at creation
#endif
  const double peak = fma_peak();
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  std::vector<float> x(static_cast<std::size_t>(m * k), 0.5f),
      w(static_cast<std::size_t>(n * k), 0.25f), b(static_cast<std::size_t>(n), 1.f),
      y(static_cast<std::size_t>(m * n));
  const std::int64_t step = width > 0 ? width : n;
  std::vector<Block> blocks;
  for (std::int64_t n0 = 0; n0 < n; n0 += step)
    blocks.push_back(
        make_block(eng, strm, m, k, n, n0, std::min(step, n - n0), w.data(), b.data(), y.data()));
  dnnl::memory src(dnnl::memory::desc({m, k}, dt::f32, dims{k, 1}), eng, x.data());
  for (auto _ : st) {
    for (Block& blk : blocks)
      blk.prim.execute(strm, {{DNNL_ARG_SRC, src},
                              {DNNL_ARG_WEIGHTS, blk.weights},
                              {DNNL_ARG_BIAS, blk.bias},
                              {DNNL_ARG_DST, blk.dst}});
    strm.wait();
  }
  const double flops = 2.0 * static_cast<double>(m * k * n);
  st.counters["GFLOPs"] =
      benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  st.counters["of_peak"] = benchmark::Counter(flops * 1e-9 / (peak * threads),
                                              benchmark::Counter::kIsIterationInvariantRate);
}

void register_all() {
  const std::int64_t shapes[][3] = {{128, 256, 768},  {128, 256, 1024}, {128, 1024, 256},
                                    {256, 256, 1024}, {256, 1024, 256}, {256, 256, 256},
                                    {128, 256, 3072}, {32, 256, 1024},  {16, 256, 1024}};
  for (int threads : {1, 2})
    for (const auto& s : shapes)
      for (std::int64_t width : {0, 256, 512}) {
        if (width >= s[2]) continue;
        const std::string name =
            "gemm/" + std::to_string(s[0]) + "x" + std::to_string(s[1]) + "x" +
            std::to_string(s[2]) + "/" +
            (width ? "blocks_" + std::to_string(width) : std::string("whole")) +
            "/threads:" + std::to_string(threads);
        benchmark::RegisterBenchmark(name.c_str(), gemm, s[0], s[1], s[2], width, threads)
            ->UseRealTime()
            ->MinTime(0.2);
      }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
