// nr::onnx::Model: an ONNX model as an nn::Module. Its initializers are the module's parameters,
// under their ONNX names (state_dict(), load_state_dict(), to(device) and trace()'s weight names
// all see them); forward() runs the graph node by node with neuron's DSL ops, eagerly on CPU
// tensors and recorded on lazy ones.
//
// Shapes are static where neuron's graphs are: values are either tensors or host constants
// (initializers, Constant nodes, and whatever is computed from them and from input *shapes*:
// Shape -> Gather -> Unsqueeze -> Concat -> Reshape). Nodes whose inputs are all host constants
// run eagerly on the CPU while recording, and record nothing; so a model exported with dynamic
// axes records no shape ops and never synchronizes a lazy tensor to read a shape.
//
// Loading validates the whole file first (malformed protobuf, undefined, duplicate or cyclic
// values, bad dims, initializer data that does not match its shape, external data outside the
// model's folder: FormatError) and then refuses a model that uses ops, attributes, dtypes or
// opsets neuron does not support, with one UnsupportedModelError (a ValueError) listing every
// problem (analyze() gives the same report without throwing). Default-domain opsets 1 to 17 are
// read (each op type's mapping says which of its versions it implements); other domains are
// refused, except Gradient of ai.onnx.preview.training through elementwise Add, Sub, Mul, Div,
// Neg and Identity nodes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "../core/tensor.hpp"
#include "../nn/module.hpp"
#include "report.hpp"

namespace neuron::onnx {

// Largest model accepted: protobuf's own limit for one message (2 GiB).
inline constexpr std::uint64_t kMaxModelBytes = (1ull << 31) - 1;

// A graph input or output as the model declares it.
struct ValueInfo {
  std::string name;
  DType dtype = float32;
  bool has_shape = false;               // false: the model declares no shape (any rank)
  std::vector<std::int64_t> shape;      // per dim: its extent, or -1 when it is not fixed
  std::vector<std::string> dim_params;  // per dim: the symbolic name ("batch_size") or ""
  // Inputs only: the model reads this input's values, not only its shape, to compute a shape or
  // an attribute (Reshape's shape, Slice's starts, TopK's k, ...) or an output whose shape
  // depends on values (NonZero, NonMaxSuppression). Eagerly that just works; lazy recording and
  // trace() need those values known when recording: bind them with bind_input().
  bool value_needed = false;
  // "input: float32 [batch_size, 3, 224, 224]"
  std::string str() const;
};

struct LoadOptions {
  // Folder that external-data locations are resolved in (and must stay inside, symlinks
  // resolved). load() defaults to the model file's folder; load_from_memory() has none, so
  // external data is refused unless this is set.
  std::string external_data_dir;
  // Largest model file or buffer accepted; larger ones are FormatErrors that say so.
  std::uint64_t max_bytes = kMaxModelBytes;
  // Largest total of external data read.
  std::uint64_t max_external_bytes = 64ull << 30;
};

namespace detail {
struct Graph;  // the validated graph (src/onnx/graph.hpp); immutable, shared by copies
struct ModelAccess;
}  // namespace detail

class Model final : public nn::Module {
 public:
  // An empty model (no inputs, outputs or nodes): assign a loaded one. Copies share the graph and
  // the parameters (handles, like every nn::Module).
  Model();

  // The graph's inputs (initializers that the graph also lists as inputs are not among them) and
  // outputs, in the model's order: forward() takes and returns tensors in this order.
  const std::vector<ValueInfo>& inputs() const;
  const std::vector<ValueInfo>& outputs() const;

  // Runs the graph. Inputs must have the declared dtypes and match the declared fixed dims
  // (DTypeError / ShapeError naming the input). All inputs on one device: CPU runs eagerly, lazy
  // tensors are recorded (after m.to(nr::lazy_device())). Errors inside a node name the node.
  std::vector<Tensor> forward(const std::vector<Tensor>& inputs);
  std::vector<Tensor> operator()(const std::vector<Tensor>& inputs) { return forward(inputs); }
  // Braces always mean the list of inputs: m.forward({x}) returns a vector, like m.forward({x, y}).
  std::vector<Tensor> forward(std::initializer_list<Tensor> inputs) {
    return forward(std::vector<Tensor>(inputs));
  }
  std::vector<Tensor> operator()(std::initializer_list<Tensor> inputs) {
    return forward(std::vector<Tensor>(inputs));
  }
  // One input, one output (a ValueError otherwise).
  Tensor forward(const Tensor& x) override;
  using nn::Module::operator();

  std::string type_name() const override { return "onnx::Model"; }

  // Makes graph input `name` a constant with the value `value` (its dtype converted to the
  // declared one; the shape must match the declared one): the input leaves inputs(), and its
  // values may drive shapes when recording. For inputs with value_needed (see ValueInfo).
  void bind_input(const std::string& name, const Tensor& value);

  // The support report of the model (every op supported, since load() succeeded) and facts of the
  // file: default-domain opset, producer ("pytorch 2.1.0"), graph name.
  const Report& report() const;
  std::int64_t opset() const;
  const std::string& producer() const;
  const std::string& graph_name() const;
  std::size_t node_count() const;

 private:
  friend struct detail::ModelAccess;
  explicit Model(std::shared_ptr<const detail::Graph> g);

  std::shared_ptr<const detail::Graph> graph_;
  std::vector<ValueInfo> inputs_;              // the graph's, less the bound ones
  std::vector<int> input_values_;              // value ids of inputs_
  std::vector<std::pair<int, Tensor>> bound_;  // value id -> constant, from bind_input()
};

// Reads, validates and imports an ONNX model: FormatError for a malformed file,
// UnsupportedModelError listing every unsupported op, attribute, dtype or opset. The model is in
// eval mode, on the CPU.
Model load(const std::string& path, const LoadOptions& options = {});
Model load_from_memory(const void* data, std::size_t size, const LoadOptions& options = {});

}  // namespace neuron::onnx
