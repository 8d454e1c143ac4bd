// What every op shares: the spec (shape + dtype) shape inference works on, the device check, and
// run_op(), the single place where an op is executed eagerly (later stages hook lazy recording
// here).
//
// An op is one struct:
//   static constexpr const char* name;            // unique, used in graphs and files
//   NEURON_ATTRS(a, b);                          // attrs(): a tuple of references to its fields
//   TensorSpec infer(const std::vector<TensorSpec>& inputs) const;   // validates, throws
//   void run(const std::vector<Tensor>& inputs, Tensor& out) const;   // CPU kernel into `out`
// Elementwise ops instead provide types() and run_chunk() (see elementwise_kernel.hpp) and are
// executed through expressions (expr/).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <tuple>
#include <vector>

#include "../core/config.hpp"
#include "../core/tensor.hpp"
#include "../core/this_thread.hpp"

// An op's attributes as a tuple of references: compared and hashed to identify ops, written to
// and read from JSON. `NEURON_ATTRS()` for ops without attributes.
#define NEURON_ATTRS(...)                              \
  auto attrs() const { return std::tie(__VA_ARGS__); } \
  auto attrs() { return std::tie(__VA_ARGS__); }

namespace neuron {

struct TensorSpec {
  Shape shape;
  DType dtype = float32;
  friend bool operator==(const TensorSpec& a, const TensorSpec& b) {
    return a.shape == b.shape && a.dtype == b.dtype;
  }
};

inline TensorSpec spec_of(const Tensor& t) { return {t.shape(), t.dtype()}; }

// Runtime values of C++ numbers in expressions (x * 0.5): not part of a graph's structure.
// long double holds every double and every int64 exactly.
using ScalarValue = long double;

// While trace() records a model on this thread, CPU tensors that meet lazy ones (weights, constants
// the model made) are captured as constants of the traced graph instead of being refused.
bool& capturing_constants();

// All inputs must be defined tensors on one device; returns that device.
Device common_device(const char* op, const Tensor* inputs, std::size_t n);
Device common_device(const char* op, const std::vector<Tensor>& inputs);

void expect_arity(const char* op, const std::vector<TensorSpec>& in, std::size_t n);

template <class Op>
Tensor run_op(const Op& op, const std::vector<Tensor>& inputs);  // any_op.hpp

namespace detail {
// The inputs of run_op(op, {a, b, c}) (or of a recorded expression) in a vector the thread reuses:
// a braced list made a new vector (an allocation) per op, per recorded lazy op too. An op that runs
// ops inside its own run() (nested) gets a vector of its own, as does a thread that is exiting.
class ReusedInputs {
 public:
  explicit ReusedInputs(std::initializer_list<Tensor> in) : ReusedInputs(in.begin(), in.end()) {}
  ReusedInputs(const Tensor* first, const Tensor* last) {
    Slot* s = this_thread_object<Slot>();
    if (s && !s->busy) {
      slot_ = s;
      s->busy = true;
      s->v.assign(first, last);
    } else {
      own_.assign(first, last);
    }
  }
  ~ReusedInputs() {
    if (!slot_) return;
    slot_->v.clear();  // holds no tensor past the op
    slot_->busy = false;
  }
  ReusedInputs(const ReusedInputs&) = delete;
  ReusedInputs& operator=(const ReusedInputs&) = delete;
  const std::vector<Tensor>& get() const { return slot_ ? slot_->v : own_; }

 private:
  struct Slot {
    std::vector<Tensor> v;
    bool busy = false;
  };
  Slot* slot_ = nullptr;
  std::vector<Tensor> own_;
};
}  // namespace detail

// run_op(op, {x, w, b}): the same, without a vector per call.
template <class Op>
Tensor run_op(const Op& op, std::initializer_list<Tensor> inputs) {
  detail::ReusedInputs in(inputs);
  return run_op(op, in.get());
}

// A pair of ints for 2-d ops, given as {a, b} or as one int meaning {a, a}.
struct IntPair {
  IntPair(std::int64_t v) : a(v), b(v) {}  // NOLINT: implicit, like torch's int-or-tuple
  IntPair(std::int64_t a_, std::int64_t b_) : a(a_), b(b_) {}
  std::vector<std::int64_t> vec() const { return {a, b}; }
  std::int64_t a, b;
};

// "[a, b, c]" for attribute lists in messages (any values, negative ones too, unlike Shape).
inline std::string ints_text(const std::vector<std::int64_t>& v) {
  std::string s = "[";
  for (std::size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
  return s + "]";
}

// An attribute list of an op: exactly `n` values, each >= `min` (ValueError naming op and list).
inline void check_int_list(const char* op, const char* what, const std::vector<std::int64_t>& v,
                           int n, std::int64_t min) {
  if (static_cast<int>(v.size()) != n)
    throw_error<ValueError>(op, ": ", what, " must have ", n, " values, got ", v.size());
  for (std::int64_t x : v)
    if (x < min)
      throw_error<ValueError>(op, ": ", what, " must be >= ", min, ", got ", ints_text(v));
}

// Strides of `from` broadcast to `to` (0 where `from` is broadcast), right-aligned.
std::array<std::int64_t, kMaxRank> broadcast_strides(const Shape& from, const Shape& to);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "op_base-inl.hpp"
#endif
