// Why neuron's convolutions compute channels-last: oneDNN 2.6 (Debian's libdnnl) on the same
// convolution with plain NCHW activations, channels-last NHWC, and the layout it prefers
// (format_tag::any, a blocked nChw16c here), weights in its preferred layout in every case.
// One thread; GFLOP/s per case. Run: build/bench/bench_conv_layout
#include <benchmark/benchmark.h>
#include <oneapi/dnnl/dnnl.hpp>

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <string>
#include <utility>

namespace {

using tag = dnnl::memory::format_tag;

// in -> out channels, kernel, stride, input size, groups
void conv(benchmark::State& st, int c, int o, int k, int s, int h, int groups, tag layout) {
#if defined(_OPENMP)
  omp_set_num_threads(1);  // oneDNN runs on OpenMP
#endif
  dnnl::engine eng(dnnl::engine::kind::cpu, 0);
  dnnl::stream strm(eng);
  const int p = k / 2, oh = (h + 2 * p - k) / s + 1;
  using dt = dnnl::memory::data_type;
  const dnnl::memory::dims wd = groups > 1
                                    ? dnnl::memory::dims{groups, o / groups, c / groups, k, k}
                                    : dnnl::memory::dims{o, c, k, k};
  dnnl::convolution_forward::desc d(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      dnnl::memory::desc({1, c, h, h}, dt::f32, layout), dnnl::memory::desc(wd, dt::f32, tag::any),
      dnnl::memory::desc({1, o, oh, oh}, dt::f32, layout), {s, s}, {p, p}, {p, p});
  dnnl::convolution_forward::primitive_desc pd(d, eng);
  dnnl::convolution_forward prim(pd);
  dnnl::memory src(pd.src_desc(), eng), w(pd.weights_desc(), eng), dst(pd.dst_desc(), eng);
  for (auto _ : st) {
    prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
  const double flops = 2.0 * o * oh * oh * (c / groups) * k * k;
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9 * static_cast<double>(st.iterations()),
                                              benchmark::Counter::kIsRate);
}

void register_all() {
  struct Shape {
    const char* name;
    int c, o, k, s, h, groups;
  };
  const Shape shapes[] = {{"resnet_64x64_3x3_56", 64, 64, 3, 1, 56, 1},
                          {"resnet_128x128_3x3_28", 128, 128, 3, 1, 28, 1},
                          {"resnet_512x512_3x3_7", 512, 512, 3, 1, 7, 1},
                          {"resnet_conv1_7x7s2_224", 3, 64, 7, 2, 224, 1},
                          {"mobilenet_depthwise_144_56", 144, 144, 3, 1, 56, 144},
                          {"mobilenet_pointwise_24x144_56", 24, 144, 1, 1, 56, 1}};
  const std::pair<const char*, tag> layouts[] = {
      {"nchw", tag::nchw}, {"nhwc", tag::nhwc}, {"any", tag::any}};
  for (const Shape& sh : shapes)
    for (const auto& [lname, layout] : layouts)
      benchmark::RegisterBenchmark((std::string(sh.name) + "/" + lname).c_str(), conv, sh.c, sh.o,
                                   sh.k, sh.s, sh.h, sh.groups, layout)
          ->Unit(benchmark::kMillisecond);
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
