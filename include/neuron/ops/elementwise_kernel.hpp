// Elementwise ops: what they share. An elementwise op is one struct with its name, attributes,
// dtype rule (types()) and body (operator(), written once for scalars and xsimd batches). The
// bodies are part of the DSL: an expression of float tensors that a program writes is fused in
// SIMD registers in that program (expr.hpp). Everything else runs on kernels compiled into the
// library: each op's run_chunk for every dtype, reached through its ElementwiseKernel table.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>

#include <nlohmann/json_fwd.hpp>
#include <xsimd/xsimd.hpp>

#include "op_base.hpp"
#include "pad_fill.hpp"

namespace neuron {

// The dtypes an elementwise op converts its inputs to, and its output dtype.
struct ElementwiseTypes {
  std::array<DType, 3> in{};
  DType out = float32;
};

namespace simd {
// Scalar fallbacks with the same names as xsimd's batch functions, so an op body is written once.
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
T select(bool c, T a, T b) {
  return c ? a : b;
}
using xsimd::select;
template <class T, std::enable_if_t<std::is_arithmetic_v<T>, int> = 0>
bool isnan(T v) {
  return v != v;
}
using xsimd::isnan;
}  // namespace simd

// One elementwise op type behind plain function pointers; `op` points to an instance of the op
// struct (its attributes).
struct ElementwiseKernel {
  const char* name;
  int arity;
  ElementwiseTypes (*types)(const void* op, const Operand* in);
  // n values of each input (already in t.in's dtypes) -> n values of t.out.
  void (*run_chunk)(const void* op, const ElementwiseTypes& t, const void* const* in, void* out,
                    std::int64_t n);
  nlohmann::json (*attrs_json)(const void* op);
  std::string (*encoded_attrs)(const void* op);
  // A new instance of the op struct with attributes read from JSON (FormatError when they do not
  // fit).
  std::shared_ptr<const void> (*from_json)(const nlohmann::json& attrs);
  // Padding analysis (pad_fill.hpp): the result when some operands are unknown and the known ones
  // decide it (x * 0 is 0); nullptr when the op names no such values.
  PadFill (*pad_fill)(const void* op, const ElementwiseTypes& t, const PadFill* in);
};

template <class Op, class = void>
struct has_elementwise_pad_fill : std::false_type {};
template <class Op>
struct has_elementwise_pad_fill<Op, std::void_t<decltype(&Op::pad_fill)>> : std::true_type {};

// The kernel table of elementwise op `Op`. Defined in ops/elementwise_kernel-inl.hpp and
// instantiated in the library for every elementwise op of the op list.
template <class Op>
const ElementwiseKernel& elementwise_kernel();

// Base for ops that map N inputs of one dtype to an output of that dtype (relu, add, exp, ...).
// A derived op narrows `accepts<T>` to the element types its types() can choose, so its body is
// never instantiated for the others (for example bool in neg).
template <class Derived, int Arity>
struct MapOp {
  static constexpr int arity = Arity;
  template <class T>
  static constexpr bool accepts = true;
  void run_chunk(const ElementwiseTypes& t, const void* const* in, void* out, std::int64_t n) const;
};

template <class T>
inline constexpr bool is_floating_v = std::is_floating_point_v<T>;
template <class T>
inline constexpr bool is_number_not_bool_v = !std::is_same_v<T, bool>;

// Operand types of an elementwise op's inputs, with PyTorch's priorities.
template <std::size_t N>
DType result_type_of(const std::array<Operand, N>& in) {
  ResultType r;
  for (const Operand& o : in) r.add(o);
  return r.result();
}

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "elementwise_kernel-inl.hpp"
#endif
