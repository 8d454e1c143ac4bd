// The imported graph, independent of protobuf: attributes converted, names resolved to value ids,
// nodes in topological order, each with its op mapping. Built and validated once by
// import_model() (importer.cpp); immutable afterwards, shared by copies of a Model.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <neuron/core/tensor.hpp>
#include <neuron/onnx/model.hpp>
#include <neuron/onnx/report.hpp>

namespace neuron::onnx::detail {

struct OpMapping;

// A node attribute, converted from its AttributeProto.
struct Attribute {
  enum class Kind { f, i, s, t, g, floats, ints, strings, tensors, graphs, other };
  Kind kind = Kind::other;
  double f = 0;
  std::int64_t i = 0;
  std::string s;
  Tensor t;               // kind t: the tensor, when its dtype is one neuron has
  std::string t_problem;  // kind t: why `t` is undefined (an unsupported dtype)
  std::vector<double> floats;
  std::vector<std::int64_t> ints;
  std::vector<std::string> strings;
  static const char* kind_name(Kind k);
};

struct Node {
  std::string name;  // as in the file, or "#<index>" for an unnamed node
  std::string op_type, domain;
  std::vector<int> inputs;   // value ids; -1 for an omitted optional input ("")
  std::vector<int> outputs;  // value ids; -1 for an omitted optional output
  std::map<std::string, Attribute> attrs;
  const OpMapping* op = nullptr;  // set when supported
  std::vector<int> release;       // values used for the last time by this node (eager memory)
};

struct Graph {
  std::string source;
  std::int64_t opset = 0;  // default domain
  std::string producer, name;
  Report report;

  std::vector<std::string> value_names;  // by value id
  std::vector<Node> nodes;               // topological order

  std::vector<ValueInfo> inputs, outputs;  // graph inputs (without initializers), outputs
  std::vector<int> input_ids, output_ids;
  std::vector<bool> output_typed;  // the output declares a dtype neuron has (checked after a run)

  // Initializers, in file order: value id, name, CPU data. Model registers each as a parameter.
  struct Initializer {
    int value = -1;
    std::string name;
    Tensor data;
    bool host = false;  // also a host constant (integers, bools, small floats)
  };
  std::vector<Initializer> initializers;
};

// Reads and validates a model image; `external_dir` resolves external data ("" refuses it).
// Problems of support go into graph.report (never thrown); malformed input throws FormatError.
std::shared_ptr<Graph> import_model(const void* data, std::size_t size, const std::string& source,
                                    const LoadOptions& options, bool read_external_data);

// ONNX's name of a TensorProto.DataType ("FLOAT16", "UINT8"; "type 42" for unknown codes).
std::string onnx_dtype_name(std::int32_t code);
// The neuron dtype of an ONNX element type, if neuron has it (FLOAT, DOUBLE, INT32, INT64, BOOL).
std::optional<DType> dtype_from_onnx(std::int32_t code);
// "neuron supports FLOAT, DOUBLE, INT32, INT64 and BOOL" for messages.
const char* supported_dtypes_text();

// "node 'name' (OpType)" for messages.
std::string node_label(const Node& n);

}  // namespace neuron::onnx::detail
