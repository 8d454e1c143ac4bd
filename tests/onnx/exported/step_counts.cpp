// Imported models compile to the same plans as the DSL models: the traced plans of the exported
// resnet18, mobilenet_v2 and BERT-style encoder (tests/fixtures/export_onnx_models.py, run by ctest
// first; opsets 14 and 17) have as many steps of each op as the same models written in the DSL
// (examples/vision_models.hpp, examples/bert_model.hpp) traced at the same inputs. The passes see
// through what the exporter writes: Clip(0, 6) with initializer bounds is a relu6 epilogue of its
// convolution, Add + Relu after a convolution its residual epilogue, batch norm folded into the
// convolutions by the export or by trace alike, MatMul + Add of a constant weight and bias a
// linear. Prints both counts when they differ. What the passes do not see through yet is listed in
// known_differences(): for those ops the imported plan must have exactly the counts listed there
// (so that a change either way updates this test), every other op as many steps as the DSL plan.
// Usage: neuron_onnx_exported_step_counts EXPORT_DIR
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>

#include "bert_model.hpp"
#include "parity.hpp"
#include "vision_models.hpp"

namespace nr = neuron;
namespace et = exported_test;

namespace {

using Counts = std::map<std::string, int>;

Counts step_counts(const nr::TracedModule& t) {
  Counts c;
  for (const auto& p : t.plans())
    for (const auto& s : p.steps) ++c[s.op->name()];
  return c;
}

int total(const Counts& c) {
  int n = 0;
  for (const auto& [op, k] : c) n += k;
  return n;
}

// The BERT-style export (torch 1.13's nn.TransformerEncoderLayer at opsets 14 and 17) against
// TinyBert, op by op, for the ops whose counts still differ: the imported plan's counts. Why:
//  - attention: exported_attention_as_multihead rebuilds multihead_attention (three linears, the
//    attention, the out-projection with its residual as fused_linear), as the DSL records it. What
//    differs is the key padding mask: the export expands it per head (reshape, expand, reshape)
//    and makes it additive again in every layer (a fused where * constant), and the attention
//    reshapes it back to [B, heads, 1, S] (one reshape per layer).
//  - GELU, exported as x * (erf(x / sqrt(2)) + 1) * 0.5, is gelu (erf_gelu_as_gelu) and the
//    gelu epilogue of the linear before it, as in the DSL.
//  - opset 14 writes LayerNorm as ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add:
//    written_layer_norm_as_layer_norm makes it layer_norm, as opset 17's LayerNormalization is.
//  - the embeddings: the export folds the position embedding of arange(L) into a [L, D] constant
//    (one embedding step fewer), and x[:, 0] of the pooler is a Gather (index_select, not slice).
Counts known_differences(const std::string& model, int /*opset: both the same now*/) {
  if (model != "bert") return {};
  return {{"embedding", 2},    {"expand", 1},  {"fused", 5},
          {"index_select", 1}, {"reshape", 5}, {"slice", 0}};
}

// One row per op either plan has; true when every count is equal to the DSL's, or to the known
// imported count.
bool same_counts(const std::string& label, const Counts& imported, const Counts& dsl,
                 const Counts& known) {
  std::map<std::string, std::pair<int, int>> rows;
  for (const auto& [op, k] : imported) rows[op].first = k;
  for (const auto& [op, k] : dsl) rows[op].second = k;
  for (const auto& [op, k] : known) rows.emplace(op, std::pair<int, int>{0, 0});
  bool same = true, as_known = true;
  for (const auto& [op, k] : rows) {
    const auto it = known.find(op);
    if (it == known.end())
      same = same && k.first == k.second;
    else
      as_known = as_known && k.first == it->second;
  }
  std::printf("%-22s %4d steps imported, %4d DSL: %s\n", label.c_str(), total(imported), total(dsl),
              !same           ? "DIFFERENT"
              : !as_known     ? "known differences changed: update known_differences()"
              : known.empty() ? "same"
                              : "same but for the known differences");
  if (!known.empty() || !same) {
    std::printf("    %-20s %8s %8s %8s\n", "op", "imported", "DSL", "known");
    for (const auto& [op, k] : rows) {
      const auto it = known.find(op);
      const bool ok = it == known.end() ? k.first == k.second : k.first == it->second;
      std::printf("    %-20s %8d %8d %8s%s\n", op.c_str(), k.first, k.second,
                  it == known.end() ? "" : std::to_string(it->second).c_str(), ok ? "" : "   <--");
    }
  }
  std::fflush(stdout);
  return same && as_known;
}

Counts imported_counts(const std::string& dir, const std::string& name, int opset) {
  nr::onnx::Model m = nr::onnx::load(et::onnx_path(dir, name, opset));
  return step_counts(nr::trace(m, et::arrays(dir + "/" + name, "in")));
}

template <class Model>
Counts vision_counts(const std::string& dir, const std::string& name) {
  Model model;
  model.eval();
  return step_counts(nr::trace(model, et::arrays(dir + "/" + name, "in")[0]));
}

Counts bert_counts(const std::string& dir) {
  bert::TinyBert model(bert::Config{});
  model.eval();
  return step_counts(nr::trace(model, et::arrays(dir + "/bert", "in")));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s EXPORT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  try {
    const std::map<std::string, Counts> dsl = {
        {"resnet18", vision_counts<vision::ResNet18>(dir, "resnet18")},
        {"mobilenet_v2", vision_counts<vision::MobileNetV2>(dir, "mobilenet_v2")},
        {"bert", bert_counts(dir)}};
    for (const auto& [name, counts] : dsl)
      for (int opset : et::opsets())
        ok =
            same_counts(name + " opset " + std::to_string(opset), imported_counts(dir, name, opset),
                        counts, known_differences(name, opset)) &&
            ok;
  } catch (const std::exception& e) {
    std::printf("error: %s\n", e.what());
    return 1;
  }
  return ok ? 0 : 1;
}
