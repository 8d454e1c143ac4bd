// Report: what neuron supports of a model, printed one op type per line.
#include <iomanip>
#include <map>
#include <neuron/onnx/report.hpp>
#include <ostream>
#include <sstream>

namespace neuron::onnx {

namespace {

std::string op_name(const OpReport& r) {
  return r.domain.empty() ? r.op_type : r.domain + "." + r.op_type;
}

// Problems of one op type grouped by reason, in first-seen order: reason -> node names.
std::vector<std::pair<std::string, std::vector<std::string>>> grouped(const OpReport& r) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  std::map<std::string, std::size_t> at;
  for (const NodeProblem& p : r.problems) {
    auto [it, fresh] = at.emplace(p.reason, out.size());
    if (fresh) out.push_back({p.reason, {}});
    out[it->second].second.push_back(p.node);
  }
  return out;
}

std::string node_list(const std::vector<std::string>& nodes) {
  std::string s;
  const std::size_t shown = std::min<std::size_t>(nodes.size(), 8);
  for (std::size_t i = 0; i < shown; ++i) s += (i ? ", " : "") + nodes[i];
  if (nodes.size() > shown) s += ", ... (" + std::to_string(nodes.size() - shown) + " more)";
  return s;
}

}  // namespace

bool Report::supported() const { return problem_count() == 0; }

int Report::unsupported_nodes() const {
  int n = 0;
  for (const OpReport& r : ops) {
    std::map<std::string, int> nodes;
    for (const NodeProblem& p : r.problems) nodes[p.node] = 1;
    n += static_cast<int>(nodes.size());
  }
  return n;
}

int Report::problem_count() const {
  int n = static_cast<int>(model_problems.size());
  for (const OpReport& r : ops) n += static_cast<int>(r.problems.size());
  return n;
}

std::string Report::problems_str() const {
  std::ostringstream os;
  for (const std::string& p : model_problems) os << "\n  - " << p;
  for (const OpReport& r : ops)
    for (const auto& [reason, nodes] : grouped(r))
      os << "\n  - " << op_name(r) << " x" << nodes.size() << ": " << reason << " (node"
         << (nodes.size() == 1 ? " " : "s ") << node_list(nodes) << ")";
  return os.str();
}

std::string Report::str() const {
  std::ostringstream os;
  os << "ONNX model " << source << ": ir_version " << ir_version;
  for (const auto& [domain, version] : opsets)
    os << ", opset " << version << " (" << (domain.empty() ? "ai.onnx" : domain) << ")";
  if (!producer.empty()) os << ", produced by " << producer;
  int nodes = 0;
  for (const OpReport& r : ops) nodes += r.count;
  os << "\n  " << std::left << std::setw(28) << "op type" << std::right << std::setw(7) << "count"
     << "  support";
  for (const OpReport& r : ops) {
    os << "\n  " << std::left << std::setw(28) << op_name(r) << std::right << std::setw(7)
       << r.count << "  ";
    if (r.supported()) {
      os << "ok";
      continue;
    }
    os << "NOT SUPPORTED";
    for (const auto& [reason, nodes] : grouped(r))
      os << "\n      " << reason << " (" << nodes.size() << " node"
         << (nodes.size() == 1 ? "" : "s") << ": " << node_list(nodes) << ")";
  }
  for (const std::string& p : model_problems) os << "\n  model: " << p;
  os << "\n  " << ops.size() << " op type" << (ops.size() == 1 ? "" : "s") << ", " << nodes
     << " node" << (nodes == 1 ? "" : "s") << ": ";
  if (supported())
    os << "all supported";
  else
    os << unsupported_nodes() << " node" << (unsupported_nodes() == 1 ? "" : "s")
       << " not supported, " << model_problems.size() << " model problem"
       << (model_problems.size() == 1 ? "" : "s");
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Report& r) { return os << r.str() << "\n"; }

}  // namespace neuron::onnx
