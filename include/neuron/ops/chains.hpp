// Compiled chains of map ops (chain_kernels.hpp, chain_catalog.hpp): found by key, run on the
// instruction set cpu_isa() picked. Private to the library: -inl files and src/ops/isa/ use it.
#pragma once

#include <cstdint>
#include <string>

#include "../core/config.hpp"

namespace neuron::detail {

// At most this many operands per compiled chain (leaves and C++ numbers together).
inline constexpr int kMaxChainOperands = 8;

// n outputs of a chain: ops[j] is the j-th op struct of the chain in post-order; operand k reads
// in[k][i & mask[k]] (mask -1: n contiguous values; mask 0: one value repeated, in[k] holding
// at least 16 copies). `stream`: write `out` with non-temporal stores (outputs larger than the
// caches).
using ChainFn = void (*)(const void* const* ops, const float* const* in, const std::int64_t* mask,
                         float* out, std::int64_t n, bool stream);

// The catalog's chain with this key (op names in post-order nesting, operands "_":
// "relu(add(mul(_,_),_))"), or -1.
int chain_index(const std::string& key);

// False when the environment sets NEURON_COMPILED_CHAINS=0: every fused tree then runs on the
// interpreter (read once, at first use; for comparisons).
bool compiled_chains_enabled();

// The kernel of chain `index` on the path cpu_isa() picked.
ChainFn chain_fn(int index);

}  // namespace neuron::detail

// Header-only builds get the definitions from expr/compiled_chain-inl.hpp, their one user: the
// catalog they instantiate needs the whole op list, which includes this header.
