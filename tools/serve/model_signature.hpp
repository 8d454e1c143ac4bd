// What a served model takes and gives, in protocol terms: tensor names, datatypes and shapes
// (-1 where a call may differ: dynamic batch, bucketed dims), and whether concurrent requests can
// be merged into one call. Checks a request's inputs against it, naming the input at fault.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <neuron/runtime/traced_module.hpp>

#include "model_config.hpp"

namespace neuron::serve {

struct TensorInfo {
  std::string name;
  DType dtype = float32;
  std::vector<std::int64_t> shape;  // -1: varies per call
};

struct Signature {
  std::vector<TensorInfo> inputs, outputs;
  // Requests can be merged along dim 0: every input's dim 0 may vary (dynamic batch, or buckets
  // over the batch) and every output has one dim that follows it.
  bool batchable = false;
  std::vector<int> output_batch_dim;  // per output, when batchable
  // Largest dim-0 size one call takes (buckets: the largest bucket's batch; else unbounded).
  std::int64_t max_call_rows = INT64_MAX;
};

// From the module and the names the config gives (defaults input_0.., output_0..). Throws
// FormatError when the config names the wrong number of inputs or outputs.
Signature make_signature(const TracedModule& m, const ModelConfig& c);

using NamedTensor = std::pair<std::string, Tensor>;

// The request's inputs in the module's order, checked: every input given once by a known name,
// the dtype, the rank, fixed dims exactly, varying dims within what one call accepts (a bucket
// fits, tied dims agree, at least the minimum extent). ServeError (invalid_argument) otherwise.
std::vector<Tensor> order_inputs(const TracedModule& m, const Signature& sig,
                                 std::vector<NamedTensor> given);

// Does one plan (bucket) take inputs of these shapes along the padded dims? (Always, unless the
// module has buckets.)
bool some_plan_fits(const ModuleData& d, const std::vector<Shape>& shapes);

// "[-1, 784]"
std::string shape_text(const std::vector<std::int64_t>& shape);

}  // namespace neuron::serve
