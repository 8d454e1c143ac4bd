// What neuron supports of an ONNX model: every op type with its count and, for each node it cannot
// run, why; model-level problems (opsets, domains, dtypes of inputs, outputs and initializers).
// analyze() returns it without throwing; load() refuses a model whose report has any problem, with
// one UnsupportedModelError (a neuron::ValueError) that lists them all.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <string>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace neuron::onnx {

// One node that neuron cannot run, and why ("attribute 'auto_pad' = SAME_LOWER is not supported").
struct NodeProblem {
  std::string node;    // the node's name, or "#<index>" when the model leaves it unnamed
  std::string reason;  // what was given and what neuron supports
};

// Every node of one op type in the model (the main graph; subgraphs count as unsupported).
struct OpReport {
  std::string op_type;                // "Conv"
  std::string domain;                 // "" for the default ONNX domain ("ai.onnx")
  int count = 0;                      // nodes of this type
  std::vector<NodeProblem> problems;  // empty: every node of this type is supported
  bool supported() const { return problems.empty(); }
};

struct Report {
  std::string source;  // the file, or "<memory>"
  std::int64_t ir_version = 0;
  std::vector<std::pair<std::string, std::int64_t>> opsets;  // (domain, version) as imported
  std::string producer;                     // producer_name and version, "pytorch 1.13"
  std::vector<OpReport> ops;                // every op type, in order of first appearance
  std::vector<std::string> model_problems;  // not tied to a node: opset, domain, dtypes, ...

  // No problem at all: load() accepts the model.
  bool supported() const;
  // Number of nodes (resp. distinct problems) neuron cannot run.
  int unsupported_nodes() const;
  int problem_count() const;
  // The whole report, one line per op type ("Conv            x53  ok"); problems grouped by reason
  // with the node names ("Resize x2: attribute mode = cubic is not supported (nodes: r1, r2)").
  std::string str() const;
  // Only the problems, as load()'s error message lists them.
  std::string problems_str() const;
};

std::ostream& operator<<(std::ostream& os, const Report& r);

// load()'s refusal of a model that neuron cannot run: a ValueError whose message lists every
// problem (op type, node names, count, reason), with the report itself.
class UnsupportedModelError : public ValueError {
 public:
  UnsupportedModelError(const std::string& what, Report report)
      : ValueError(what), report_(std::move(report)) {}
  const Report& report() const { return report_; }

 private:
  Report report_;
};

// The report of the model file at `path` (external data is not read). Throws only when the file
// cannot be read as an ONNX model at all (IOError, FormatError): everything about what neuron
// supports goes into the report.
Report analyze(const std::string& path);
Report analyze_from_memory(const void* data, std::size_t size);

}  // namespace neuron::onnx
