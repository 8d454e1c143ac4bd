// The body of one instruction-set path (isa_kernels.hpp): kernels_avx2.cpp and kernels_avx512.cpp
// include it, each compiled with its own -m flags, so every template below is instantiated for
// that instruction set (xsimd's default batch is then that set's register width).
// Only kernels: nothing here may hold state (a function-local static in an inline function would
// be duplicated by the symbol renaming; cmake/neuronIsaObject.cmake refuses such objects).
#pragma once

#include <neuron/ops/chain_catalog.hpp>
#include <neuron/ops/isa_kernels.hpp>
#include <neuron/ops/layer_norm_kernels.hpp>
#include <neuron/ops/linear_kernels.hpp>
#include <neuron/ops/map_chunk.hpp>
#include <neuron/ops/op_list.hpp>
#include <neuron/ops/softmax_kernels.hpp>

namespace neuron::detail::NEURON_ISA_NAMESPACE {

template <class Op, class T>
void map_entry(const void* op, const void* const* in, void* out, std::int64_t n) {
  map_chunk<Op, T>(*static_cast<const Op*>(op), in, out, n,
                   std::make_index_sequence<static_cast<std::size_t>(Op::arity)>{});
}

template <class Op, class T>
constexpr MapChunkFn map_fn() {
  if constexpr (Op::template accepts<T>)
    return &map_entry<Op, T>;
  else
    return nullptr;
}

template <class Op>
constexpr bool is_map_op() {
  if constexpr (is_elementwise_op<Op>::value)
    return std::is_base_of_v<MapOp<Op, Op::arity>, Op>;
  else
    return false;
}

template <class... Ops>
constexpr int count_map_ops(OpList<Ops...>) {
  return (0 + ... + (is_map_op<Ops>() ? 1 : 0));
}
constexpr int kMapOps = count_map_ops(AllOps{});

template <class... Ops>
std::array<MapKernelEntry, kMapOps> map_table(OpList<Ops...>) {
  std::array<MapKernelEntry, kMapOps> t{};
  std::size_t i = 0;
  auto add = [&](auto op) {
    using Op = decltype(op);
    if constexpr (is_map_op<Op>()) t[i++] = {Op::name, map_fn<Op, float>(), map_fn<Op, double>()};
  };
  (add(Ops{}), ...);
  return t;
}

void softmax_rows_f32(const float* x, float* y, std::int64_t D, std::int64_t b, std::int64_t e,
                      bool log) {
  if (log)
    softmax_rows<true>(x, y, D, b, e);
  else
    softmax_rows<false>(x, y, D, b, e);
}

void softmax_blocks_f32(const float* x, float* y, std::int64_t D, std::int64_t I, std::int64_t b,
                        std::int64_t e, bool log) {
  if (log)
    softmax_blocks<true>(x, y, D, I, b, e);
  else
    softmax_blocks<false>(x, y, D, I, b, e);
}

void layer_norm_rows_f32(const float* x, float* y, const float* w, const float* bias,
                         std::int64_t n, double eps, std::int64_t b, std::int64_t e) {
  layer_norm_rows(x, y, w, bias, n, eps, b, e);
}

void linear_rows_f32(const float* x, const float* w, float* y, std::int64_t m, std::int64_t k,
                     std::int64_t n) {
  linear_rows(x, w, y, m, k, n);
}

IsaKernels make_table(CpuIsa isa) {
  static const std::array<MapKernelEntry, kMapOps> map = map_table(AllOps{});
  static const auto chains = chain::chain_fns(chain::catalog{});
  IsaKernels k;
  k.isa = isa;
  k.map = map.data();
  k.map_count = kMapOps;
  k.softmax_rows_f32 = &softmax_rows_f32;
  k.softmax_blocks_f32 = &softmax_blocks_f32;
  k.layer_norm_rows_f32 = &layer_norm_rows_f32;
  k.linear_rows_f32 = &linear_rows_f32;
  k.chains = chains.data();
  k.chain_count = static_cast<int>(chains.size());
  return k;
}

}  // namespace neuron::detail::NEURON_ISA_NAMESPACE
