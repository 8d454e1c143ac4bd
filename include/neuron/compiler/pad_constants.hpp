// Constants made from a padded size, for trace_buckets and dynamic_batch.
//
// Each bucket is traced on its own (dynamic_batch traces twice: at the batch and one larger), so a
// constant the model computes from a padded size in C++ (position ids arange(L), a causal mask
// triu(full({L, L}, -inf), 1)) is another constant in each plan. Such a constant is accepted when
// its extent along some dims follows one padded dim in every plan, and when padding cannot change
// what it holds at real positions:
//   trace_buckets: each plan's constant, cut to a smaller plan's extent, equals that plan's own.
//     A call reads the entries at its real positions, which eager mode would make at the real
//     size; the buckets show that the constant only grows at its end.
//   dynamic_batch: the batch runs in chunks that each read the constant from row 0, so every slice
//     along the batch must be the same (in both traces).
// Its dims then carry padding like the input dims they follow, and what its padded entries hold is
// read from its values (per dim: the entries padded along it and real along the dims padded alike,
// for every real extent a call may have). Any other constant that differs between the plans is
// refused, naming it: the model computes a value from a padded size.
#pragma once

#include <string>
#include <vector>

#include "../core/config.hpp"
#include "padding.hpp"

namespace neuron {

namespace detail {
// The end of every error about a value made from a padded size.
inline constexpr const char* kSizeDependenceAdvice =
    "; the model computes a value from a padded size, so padding would change its results. "
    "Derive it from a tensor that holds the real size, or trace without padding";
}  // namespace detail

// One traced plan as the analysis sees it.
struct PlanConstants {
  const Plan* plan = nullptr;
  std::string name;                                 // "bucket 0 ([2, 4])", named in errors
  const std::vector<std::string>* names = nullptr;  // the weight table's names
  const std::vector<Tensor>* weights = nullptr;     // and tensors, by weight index
};

// Plans with the same steps and slots (the same graph traced at other sizes).
bool same_structure(const Plan& a, const Plan& b);

// Per plan: its constants whose dims follow padded dims. Plans of different structure cannot be
// lined up: nothing is found then. Throws ValueError for a constant that differs between plans in
// any other way.
std::vector<std::vector<PaddedConstant>> match_padded_constants(
    const std::vector<PlanConstants>& plans, const PadSetup& setup);

}  // namespace neuron

#ifdef NEURON_HEADER_ONLY
#include "pad_constants-inl.hpp"
#endif
