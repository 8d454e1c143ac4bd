// Gradient (domain ai.onnx.preview.training, version 1): the gradients of value y with respect to
// the values xs (the node's inputs, followed by zs: inputs held fixed), through the nodes that
// compute y from them, with dY = ones (ONNX's definition). neuron differentiates elementwise Add,
// Sub, Mul, Div, Neg and Identity (numpy broadcasting) whose inputs are all xs, zs or computed
// from them: the check at load refuses anything else. The run recomputes y from the node's
// inputs (the values between may be dropped already), then goes backward.
#include <algorithm>
#include <set>
#include <unordered_map>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

bool differentiable(const Node& n) {
  static const std::set<std::string> ops = {"Add", "Sub", "Mul", "Div", "Neg", "Identity"};
  return (n.domain.empty() || n.domain == "ai.onnx") && ops.count(n.op_type) && n.attrs.empty();
}

// Collects into `path` the nodes (indices into `nodes`) that compute y from the leaves, walking
// back from y; a problem for each value on the way that is neither a leaf nor computed by a node
// neuron differentiates.
std::vector<std::string> walk(int y, const std::set<int>& leaves, const std::vector<Node>& nodes,
                              const std::unordered_map<int, int>& producer,
                              const std::vector<std::string>& names, std::set<int>& path) {
  std::vector<std::string> problems;
  std::vector<int> todo = {y};
  std::set<int> seen;
  while (!todo.empty()) {
    const int v = todo.back();
    todo.pop_back();
    if (leaves.count(v) || !seen.insert(v).second) continue;
    auto it = producer.find(v);
    if (it == producer.end()) {
      problems.push_back("y depends on '" + names[static_cast<std::size_t>(v)] +
                         "', which is neither in xs, in zs nor computed from them");
      continue;
    }
    const Node& n = nodes[static_cast<std::size_t>(it->second)];
    if (!differentiable(n)) {
      problems.push_back("y depends on " + node_label(n) +
                         " (neuron differentiates Add, Sub, Mul, Div, Neg and Identity)");
      continue;
    }
    path.insert(it->second);
    for (int in : n.inputs)
      if (in >= 0) todo.push_back(in);
  }
  return problems;
}

std::unordered_map<int, int> producers(const std::vector<Node>& nodes) {
  std::unordered_map<int, int> p;
  for (std::size_t i = 0; i < nodes.size(); ++i)
    for (int o : nodes[i].outputs)
      if (o >= 0) p[o] = static_cast<int>(i);
  return p;
}

int value_id(const std::vector<std::string>& names, const std::string& name) {
  auto it = std::find(names.begin(), names.end(), name);
  return it == names.end() ? -1 : static_cast<int>(it - names.begin());
}

// The gradient of a broadcast operand: summed over the dims it was broadcast along.
Tensor reduce_to(Tensor g, const Shape& s) {
  const int extra = g.rank() - s.rank();
  if (extra > 0) {
    std::vector<std::int64_t> lead;
    for (int d = 0; d < extra; ++d) lead.push_back(d);
    g = nr::sum(g, lead, false);
  }
  std::vector<std::int64_t> ones;
  for (int d = 0; d < s.rank(); ++d)
    if (s[d] == 1 && g.shape()[d] != 1) ones.push_back(d);
  return ones.empty() ? g : nr::sum(g, ones, true);
}

void run_Gradient(OpContext& c) {
  const Graph& g = c.graph();
  const int y = value_id(g.value_names, c.attr_s("y", ""));
  std::set<int> leaves;
  std::unordered_map<int, Tensor> fwd, grad;
  for (int i = 0; i < c.inputs(); ++i) {
    const int v = c.node().inputs[static_cast<std::size_t>(i)];
    leaves.insert(v);
    fwd[v] = c.in(i);
  }
  std::set<int> path;
  const auto problems = walk(y, leaves, g.nodes, producers(g.nodes), g.value_names, path);
  if (y < 0 || !problems.empty()) c.fail("y cannot be differentiated");  // the check refuses it
  auto at = [&](const Node& n, int k) { return fwd.at(n.inputs[static_cast<std::size_t>(k)]); };
  for (int i : path) {  // node indices ascend in topological order
    const Node& n = g.nodes[static_cast<std::size_t>(i)];
    const std::string& op = n.op_type;
    Tensor out = op == "Add"   ? Tensor(at(n, 0) + at(n, 1))
                 : op == "Sub" ? Tensor(at(n, 0) - at(n, 1))
                 : op == "Mul" ? Tensor(at(n, 0) * at(n, 1))
                 : op == "Div" ? Tensor(at(n, 0) / at(n, 1))
                 : op == "Neg" ? Tensor(nr::neg(at(n, 0)))
                               : at(n, 0);
    fwd[n.outputs[0]] = out;
  }
  if (!fwd.count(y)) c.fail("y cannot be differentiated");
  auto add = [&](int v, const Tensor& d) {
    if (v < 0) return;
    Tensor r = reduce_to(d, fwd.at(v).shape());
    auto it = grad.find(v);
    grad[v] = it == grad.end() ? r : Tensor(it->second + r);
  };
  grad[y] = c.place(nr::ones(fwd.at(y).shape(), fwd.at(y).dtype()));
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    const Node& n = g.nodes[static_cast<std::size_t>(*it)];
    auto gi = grad.find(n.outputs[0]);
    if (gi == grad.end()) continue;
    const Tensor gy = gi->second;
    const int a = n.inputs[0], b = n.inputs.size() > 1 ? n.inputs[1] : -1;
    const std::string& op = n.op_type;
    if (op == "Add") {
      add(a, gy), add(b, gy);
    } else if (op == "Sub") {
      add(a, gy), add(b, nr::neg(gy));
    } else if (op == "Mul") {
      add(a, gy * fwd.at(b)), add(b, gy * fwd.at(a));
    } else if (op == "Div") {
      add(a, gy / fwd.at(b));
      add(b, nr::neg(Tensor(gy * fwd.at(a) / (fwd.at(b) * fwd.at(b)))));
    } else if (op == "Neg") {
      add(a, nr::neg(gy));
    } else {
      add(a, gy);
    }
  }
  for (int i = 0; i < c.outputs(); ++i) {
    const int x = c.node().inputs[static_cast<std::size_t>(i)];
    auto it = grad.find(x);
    c.set(i,
          it != grad.end() ? it->second : c.place(nr::zeros(fwd.at(x).shape(), fwd.at(x).dtype())));
  }
}

}  // namespace

std::vector<std::string> check_gradient(const Node& n, const std::vector<Node>& nodes,
                                        const std::vector<std::string>& names) {
  std::vector<std::string> problems;
  for (const auto& [name, a] : n.attrs)
    if (name != "xs" && name != "y" && name != "zs")
      problems.push_back("attribute '" + name +
                         "' is not supported (neuron understands xs, y, zs)");
  auto xs = n.attrs.find("xs"), y = n.attrs.find("y"), zs = n.attrs.find("zs");
  if (xs == n.attrs.end() || y == n.attrs.end()) {
    problems.push_back("attributes xs and y are required");
    return problems;
  }
  std::vector<std::string> leaves_names = xs->second.strings;
  if (zs != n.attrs.end())
    leaves_names.insert(leaves_names.end(), zs->second.strings.begin(), zs->second.strings.end());
  std::set<int> leaves;
  bool inputs_match = leaves_names.size() == n.inputs.size();
  for (std::size_t i = 0; inputs_match && i < n.inputs.size(); ++i) {
    inputs_match =
        n.inputs[i] >= 0 && names[static_cast<std::size_t>(n.inputs[i])] == leaves_names[i];
    if (inputs_match) leaves.insert(n.inputs[i]);
  }
  if (!inputs_match) problems.push_back("its inputs must be the values named by xs, then zs");
  if (n.outputs.size() != xs->second.strings.size())
    problems.push_back("it must have one output per value of xs");
  const int yv = value_id(names, y->second.s);
  if (yv < 0) problems.push_back("y names no value");
  if (!problems.empty()) return problems;
  std::set<int> path;
  return walk(yv, leaves, nodes, producers(nodes), names, path);
}

bool is_gradient(const Node& n) {
  return n.domain == "ai.onnx.preview.training" && n.op_type == "Gradient";
}

const OpMapping& gradient_mapping() {
  static const OpMapping m = {"Gradient", 1, 1, "xs y zs", nullptr, run_Gradient};
  return m;
}

}  // namespace neuron::onnx::detail
