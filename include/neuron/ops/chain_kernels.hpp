// Compiled kernels for chains of map ops (relu(a * b + 1), exported GELU, ...): the whole chain in
// SIMD registers, one pass over memory, where the fused-expression interpreter (expr/evaluate.hpp)
// runs one pass per op through L1 slots. A chain is a pattern type over operands:
//
//   X              an operand: a tensor leaf or a C++ number, in the order the tree lists them
//   F<Op, Cs...>   map op Op over the sub-chains Cs
//
// chain_catalog.hpp lists the chains that are compiled; chains.hpp finds one by its key, the
// tree's op names ("relu(add(mul(_,_),_))"), whatever its attributes (the kernel reads them from
// the op structs it is given). Each op runs with the same batch instructions as its own map kernel
// (map_chunk.hpp), so a compiled chain gives the interpreter's results bit for bit.
// Instantiated once in place (chains-inl.hpp) and once per instruction set (src/ops/isa/): only
// kernels here, no state.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include <xsimd/xsimd.hpp>

#include "chains.hpp"
#include "stream_store.hpp"

namespace neuron::detail {

namespace chain {

template <std::size_t N>
constexpr std::array<int, N> prefix_sums(const std::array<int, N>& v) {
  std::array<int, N> out{};
  for (std::size_t i = 1; i < N; ++i) out[i] = out[i - 1] + v[i - 1];
  return out;
}

struct Args {
  const void* const* ops;
  const float* const* in;
  const std::int64_t* mask;
};

struct X {
  static constexpr int ops = 0;
  static constexpr int operands = 1;
  static void key(std::string& s) { s += '_'; }
  template <int O, int K, class B>
  static B eval(const Args& a, std::int64_t i) {
    return B::load_unaligned(a.in[K] + (i & a.mask[K]));
  }
};

template <class Op, class... Cs>
struct F {
  static_assert(Op::arity == sizeof...(Cs), "wrong number of operands for this op");
  static constexpr int ops = (Cs::ops + ... + 0) + 1;
  static constexpr int operands = (Cs::operands + ... + 0);
  using op_type = Op;

  static void key(std::string& s) {
    s += Op::name;
    s += '(';
    bool first = true;
    ((s += first ? "" : ",", first = false, Cs::key(s)), ...);
    s += ')';
  }
  // The op's children first (post-order: their ops take indices O.., their operands K..), then
  // the op itself at O + ops - 1.
  template <int O, int K, class B>
  static B eval(const Args& a, std::int64_t i) {
    return eval_children<O, K, B>(a, i, std::index_sequence_for<Cs...>{});
  }

 private:
  template <int O, int K, class B, std::size_t... I>
  static B eval_children(const Args& a, std::int64_t i, std::index_sequence<I...>) {
    constexpr std::array<int, sizeof...(Cs)> op_at = prefix_sums<sizeof...(Cs)>({Cs::ops...});
    constexpr std::array<int, sizeof...(Cs)> in_at = prefix_sums<sizeof...(Cs)>({Cs::operands...});
    const Op& op = *static_cast<const Op*>(a.ops[O + ops - 1]);
    return op(Cs::template eval<O + op_at[I], K + in_at[I], B>(a, i)...);
  }
};

// The chain over n values; the ragged tail in a zero-padded batch, as map_chunk does.
template <class P>
void chain_kernel(const void* const* ops, const float* const* in, const std::int64_t* mask,
                  float* out, std::int64_t n, bool stream) {
  static_assert(P::operands <= kMaxChainOperands, "too many operands for a compiled chain");
  using B = xsimd::batch<float>;
  constexpr std::int64_t W = static_cast<std::int64_t>(B::size);
  // Local copies: the compiler keeps them in registers across the stores to `out`.
  const float* lin[P::operands];
  std::int64_t lmask[P::operands];
  std::copy(in, in + P::operands, lin);
  std::copy(mask, mask + P::operands, lmask);
  const Args a{ops, lin, lmask};
  std::int64_t i = 0;
  if (stream && reinterpret_cast<std::uintptr_t>(out) % sizeof(B) == 0)
    for (; i + W <= n; i += W) store_stream(out + i, P::template eval<0, 0, B>(a, i));
  else
    for (; i + W <= n; i += W) P::template eval<0, 0, B>(a, i).store_unaligned(out + i);
  if (i == n) return;
  alignas(64) float tail[P::operands][W] = {};
  const float* tin[P::operands];
  for (int k = 0; k < P::operands; ++k) {
    if (lmask[k] == 0) {
      tin[k] = lin[k];
    } else {
      std::copy(lin[k] + i, lin[k] + n, tail[k]);
      tin[k] = tail[k];
    }
  }
  alignas(64) float res[W];
  P::template eval<0, 0, B>(Args{ops, tin, lmask}, 0).store_aligned(res);
  std::copy(res, res + (n - i), out + i);
}

template <class... P>
struct ChainList {
  static constexpr std::size_t size = sizeof...(P);
};

template <class... P>
std::array<ChainFn, sizeof...(P)> chain_fns(ChainList<P...>) {
  return {&chain_kernel<P>...};
}

template <class... P>
std::array<std::string, sizeof...(P)> chain_keys(ChainList<P...>) {
  std::array<std::string, sizeof...(P)> keys;
  std::size_t i = 0;
  ((P::key(keys[i++])), ...);
  return keys;
}

}  // namespace chain
}  // namespace neuron::detail
