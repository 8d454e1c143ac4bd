// Which activation layout neuron's convolutions compute in, per CPU: oneDNN 2.6 (Debian's libdnnl)
// on the same convolution with plain NCHW activations, channels-last NHWC, blocks of 8 channels
// (nChw8c, what its AVX2 kernels prefer) and the layout it picks itself (format_tag::any: nChw16c
// on AVX-512), weights in its preferred layout in every case; and XNNPACK's NHWC convolution (the
// other candidate of issue 24, Debian's libxnnpack-dev) when it is installed. resnet18's and
// mobilenet_v2's shapes at batch 2, one thread; GFLOP/s per case. On Zen 3 (AVX2), nChw8c ran
// 1.1-1.6x faster than NHWC on 3x3 convolutions and tied on 1x1; XNNPACK ran 30-33 GFLOP/s, half
// of oneDNN (conv_channel_block() in ops/conv.hpp is the rule taken).
// Run: build/bench/bench_conv_layout
#include <benchmark/benchmark.h>

#include <oneapi/dnnl/dnnl.hpp>
#if NEURON_BENCH_XNNPACK
#include <xnnpack.h>
#endif

#if defined(_OPENMP)
#include <omp.h>
#endif

#include <cmath>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

namespace {

using tag = dnnl::memory::format_tag;
constexpr int kBatch = 2;

double conv_flops(int c, int o, int k, int s, int h, int groups) {
  const int oh = (h + 2 * (k / 2) - k) / s + 1;
  return 2.0 * kBatch * o * oh * oh * (c / groups) * k * k;
}

void set_rate(benchmark::State& st, double flops) {
  st.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9 * static_cast<double>(st.iterations()),
                                              benchmark::Counter::kIsRate);
}

// in -> out channels, kernel, stride, input size, groups; the output has `layout`, the input too
// unless it has 3 channels (an image: NCHW, as a plan keeps it).
void onednn_conv(benchmark::State& st, int c, int o, int k, int s, int h, int groups, tag layout) {
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
  const tag src_layout = c == 3 && layout != tag::nhwc ? tag::nchw : layout;
  dnnl::convolution_forward::desc d(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      dnnl::memory::desc({kBatch, c, h, h}, dt::f32, src_layout),
      dnnl::memory::desc(wd, dt::f32, tag::any),
      dnnl::memory::desc({kBatch, o, oh, oh}, dt::f32, layout), {s, s}, {p, p}, {p, p});
  dnnl::convolution_forward::primitive_desc pd(d, eng);
  dnnl::convolution_forward prim(pd);
  dnnl::memory src(pd.src_desc(), eng), w(pd.weights_desc(), eng), dst(pd.dst_desc(), eng);
  std::memset(src.get_data_handle(), 0, pd.src_desc().get_size());
  std::memset(w.get_data_handle(), 0, pd.weights_desc().get_size());
  st.SetLabel(pd.impl_info_str());
  for (auto _ : st) {
    prim.execute(strm, {{DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, w}, {DNNL_ARG_DST, dst}});
    strm.wait();
  }
  set_rate(st, conv_flops(c, o, k, s, h, groups));
}

#if NEURON_BENCH_XNNPACK
void xnnpack_conv(benchmark::State& st, int c, int o, int k, int s, int h, int groups) {
  static const bool ready = xnn_initialize(nullptr) == xnn_status_success;
  if (!ready) return st.SkipWithError("xnn_initialize failed");
  const int p = k / 2, oh = (h + 2 * p - k) / s + 1;
  std::vector<float> w(static_cast<std::size_t>(o) * k * k * (c / groups), 0.01f);
  std::vector<float> bias(static_cast<std::size_t>(o)), in(std::size_t{kBatch} * h * h * c, 0.5f);
  std::vector<float> out(std::size_t{kBatch} * oh * oh * o);
  const bool depthwise = groups > 1 && groups == c;
  xnn_operator_t op = nullptr;
  if (xnn_create_convolution2d_nhwc_f32(p, p, p, p, k, k, s, s, 1, 1, groups, c / groups,
                                        o / groups, c, o, w.data(), bias.data(), -INFINITY,
                                        INFINITY, depthwise ? XNN_FLAG_DEPTHWISE_CONVOLUTION : 0,
                                        &op) != xnn_status_success ||
      xnn_setup_convolution2d_nhwc_f32(op, kBatch, h, h, in.data(), out.data(), nullptr) !=
          xnn_status_success)
    return st.SkipWithError("XNNPACK refused the convolution");
  for (auto _ : st) xnn_run_operator(op, nullptr);
  xnn_delete_operator(op);
  set_rate(st, conv_flops(c, o, k, s, h, groups));
}
#endif

void register_all() {
  struct Shape {
    const char* name;
    int c, o, k, s, h, groups;
  };
  const Shape shapes[] = {{"resnet_conv1_7x7s2_224", 3, 64, 7, 2, 224, 1},
                          {"resnet_64x64_3x3_56", 64, 64, 3, 1, 56, 1},
                          {"resnet_64x128_3x3s2_56", 64, 128, 3, 2, 56, 1},
                          {"resnet_128x128_3x3_28", 128, 128, 3, 1, 28, 1},
                          {"resnet_64x128_1x1s2_56", 64, 128, 1, 2, 56, 1},
                          {"resnet_256x256_3x3_14", 256, 256, 3, 1, 14, 1},
                          {"resnet_512x512_3x3_7", 512, 512, 3, 1, 7, 1},
                          {"mobilenet_depthwise_144_56", 144, 144, 3, 1, 56, 144},
                          {"mobilenet_pointwise_24x144_56", 24, 144, 1, 1, 56, 1},
                          {"mobilenet_pointwise_144x24_56", 144, 24, 1, 1, 56, 1}};
  const std::pair<const char*, tag> layouts[] = {{"onednn_nchw", tag::nchw},
                                                 {"onednn_nhwc", tag::nhwc},
                                                 {"onednn_nChw8c", tag::nChw8c},
                                                 {"onednn_any", tag::any}};
  for (const Shape& sh : shapes) {
    for (const auto& [lname, layout] : layouts)
      benchmark::RegisterBenchmark((std::string(sh.name) + "/" + lname).c_str(), onednn_conv, sh.c,
                                   sh.o, sh.k, sh.s, sh.h, sh.groups, layout)
          ->Unit(benchmark::kMillisecond);
#if NEURON_BENCH_XNNPACK
    benchmark::RegisterBenchmark((std::string(sh.name) + "/xnnpack_nhwc").c_str(), xnnpack_conv,
                                 sh.c, sh.o, sh.k, sh.s, sh.h, sh.groups)
        ->Unit(benchmark::kMillisecond);
#endif
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
