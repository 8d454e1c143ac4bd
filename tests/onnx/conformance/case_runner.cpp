// Runs one case of the ONNX backend test suite (a folder with model.onnx and test_data_set_N/) in
// two modes, eager and traced + saved + loaded, and prints one JSON line per step on stdout:
//   {"ops": ["Add", ...]}                                   the op types of the model
//   {"mode": "eager", "status": "pass", ...}                then one line per mode
// status: pass | refused (UnsupportedModelError or DTypeError at load) | error (any other
// neuron::Error; the model loaded, so it should have been refused) | wrong (ran, but an output
// differs) | crashed (an exception that is not a neuron::Error). "reason" is a short text that
// groups alike failures, "detail" the full message. Each line is flushed before the next mode
// runs, so the parent (conformance.cpp) can tell which mode died when this process does.
#include <filesystem>
#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>
#include <nlohmann/json.hpp>

#include "compare.hpp"

namespace nr = neuron;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

struct Outcome {
  std::string status, reason, detail;
};

// Names of values and nodes out of a message, so that alike failures share a reason.
std::string normalize(std::string s) {
  static const std::regex named("(graph input|graph output|initializer|input|output|node) '[^']*'");
  static const std::regex node_suffix(" \\(nodes? [^)]*\\)$");
  s = s.substr(0, s.find('\n'));
  s = std::regex_replace(s, named, "$1 '...'");
  s = std::regex_replace(s, node_suffix, "");
  return s.size() > 160 ? s.substr(0, 157) + "..." : s;
}

std::string op_name(const nr::onnx::OpReport& r) {
  return r.domain.empty() ? r.op_type : r.domain + "." + r.op_type;
}

// The reason of a refusal: the first unsupported op's first problem ("Loop: neuron has no mapping
// ..."), else the first model-level problem (dtypes, sequences, opsets).
std::string refusal_reason(const nr::onnx::Report& r) {
  for (const auto& op : r.ops)
    if (!op.problems.empty()) return op_name(op) + ": " + normalize(op.problems.front().reason);
  if (!r.model_problems.empty()) return normalize(r.model_problems.front());
  return "refused";
}

void print(const json& j) { std::cout << j.dump() << std::endl; }

void print_mode(const char* mode, const Outcome& o) {
  json j = {{"mode", mode}, {"status", o.status}};
  if (o.status != "pass") {
    j["reason"] = o.reason;
    j["detail"] = o.detail.size() > 600 ? o.detail.substr(0, 600) + "..." : o.detail;
  }
  print(j);
}

struct DataSet {
  std::vector<nr::Tensor> inputs, outputs;
};

std::vector<nr::Tensor> read_tensors(const std::string& set, const char* prefix) {
  std::vector<nr::Tensor> out;
  for (int k = 0;; ++k) {
    const std::string f = set + "/" + prefix + std::to_string(k) + ".pb";
    if (!fs::exists(f)) break;
    out.push_back(nr::onnx::load_tensor(f));
  }
  return out;
}

std::vector<DataSet> read_data(const std::string& dir) {
  std::vector<DataSet> sets;
  for (int s = 0;; ++s) {
    const std::string set = dir + "/test_data_set_" + std::to_string(s);
    if (!fs::exists(set)) break;
    sets.push_back({read_tensors(set, "input_"), read_tensors(set, "output_")});
  }
  return sets;
}

// Runs `body` for every data set, comparing its outputs; turns exceptions into outcomes.
template <class F>
Outcome run_mode(const std::vector<DataSet>& sets, F body) {
  try {
    for (std::size_t s = 0; s < sets.size(); ++s) {
      std::string diff = conformance::compare_outputs(body(sets[s]), sets[s].outputs);
      if (!diff.empty()) {
        const char* what = diff.find(": dtype ") != std::string::npos   ? "wrong dtype"
                           : diff.find(": shape ") != std::string::npos ? "wrong shape"
                           : diff.find(" outputs, expected ") != std::string::npos
                               ? "wrong number of outputs"
                               : "wrong values";
        return {"wrong", what, "test_data_set_" + std::to_string(s) + ": " + diff};
      }
    }
    return {"pass", "", ""};
  } catch (const nr::Error& e) {
    return {"error", normalize(e.what()), e.what()};
  } catch (const std::exception& e) {
    return {"crashed", "exception that is not a neuron::Error", e.what()};
  }
}

std::vector<nr::Tensor> run_eager(nr::onnx::Model m, const DataSet& d) {
  return m.forward(d.inputs);
}

// value_needed inputs become constants (their values drive shapes), then trace, serialize, load
// the bytes back and run the loaded module.
std::vector<nr::Tensor> run_traced(nr::onnx::Model m, const DataSet& d) {
  std::vector<nr::Tensor> kept;
  const auto infos = m.inputs();
  if (infos.size() != d.inputs.size())
    nr::throw_error<nr::ValueError>("the model has ", infos.size(), " inputs, the data set ",
                                    d.inputs.size());
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].value_needed)
      m.bind_input(infos[i].name, d.inputs[i]);
    else
      kept.push_back(d.inputs[i]);
  }
  nr::TracedModule t = nr::trace(m, kept);
  const std::string bytes = t.to_bytes();
  nr::TracedModule loaded = nr::load_from_memory(bytes.data(), bytes.size());
  return loaded.forward(kept);
}

int run_case(const std::string& dir) {
  const std::string model_path = dir + "/model.onnx";
  // The op types, also of a model that load() refuses.
  json ops = json::array();
  try {
    for (const auto& op : nr::onnx::analyze(model_path).ops) ops.push_back(op_name(op));
  } catch (const nr::Error&) {
    // load() below reports it
  }
  print({{"ops", ops}});

  auto both = [](const Outcome& o) {
    print_mode("eager", o);
    print_mode("traced", o);
    return 0;
  };
  nr::onnx::Model model;
  try {
    model = nr::onnx::load(model_path);
  } catch (const nr::onnx::UnsupportedModelError& e) {
    return both({"refused", refusal_reason(e.report()), e.what()});
  } catch (const nr::DTypeError& e) {
    return both({"refused", normalize(e.what()), e.what()});
  } catch (const nr::Error& e) {
    return both({"error", "load: " + normalize(e.what()), e.what()});
  }
  std::vector<DataSet> sets;
  try {
    sets = read_data(dir);
  } catch (const nr::Error& e) {
    return both({"error", "reading test data: " + normalize(e.what()), e.what()});
  }
  print_mode("eager", run_mode(sets, [&](const DataSet& d) { return run_eager(model, d); }));
  print_mode("traced", run_mode(sets, [&](const DataSet& d) { return run_traced(model, d); }));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " CASE_DIR\n";
    return 2;
  }
  // The parent runs several cases at once: one thread each.
  nr::set_num_threads(1);
  try {
    return run_case(argv[1]);
  } catch (const std::exception& e) {
    std::cerr << "uncaught exception: " << e.what() << "\n";
    return 3;
  }
}
