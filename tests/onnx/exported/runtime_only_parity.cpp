// The traced modules of the exported ONNX models (saved by neuron_onnx_exported_models) loaded by
// a program built against neuron::runtime alone: no importer, no compiler. Each matches
// PyTorch's outputs (rtol 1e-4, atol: parity.hpp), at the exported batch and at a second batch
// size (parity.hpp: second_batch()).
// Usage: neuron_onnx_exported_runtime_only EXPORT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include <neuron/runtime.hpp>

#include "parity.hpp"

namespace nr = neuron;
namespace et = exported_test;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s EXPORT_DIR\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  bool ok = true;
  et::print_header();
  for (const std::string& name : et::models())
    for (int opset : et::opsets())
      for (bool second : {false, true}) {
        std::string mode = second ? "runtime-only, second batch" : "runtime-only";
        try {
          const std::string d = dir + "/" + name;
          const std::vector<nr::Tensor> x = et::arrays(d, "in"), want = et::arrays(d, "out");
          nr::TracedModule m = nr::load(et::neuron_path(dir, name, opset, second));
          if (!second) {
            ok &= et::report(name, opset, mode, et::compare(m.forward(x), want));
            continue;
          }
          const et::SecondBatch sb = et::second_batch(m, x, want);
          ok &= et::report(name, opset, "runtime-only, " + sb.mode,
                           et::compare(m.forward(sb.inputs), sb.want));
        } catch (const std::exception& e) {
          et::Errors err;
          err.ok = false;
          err.problem = e.what();
          ok = et::report(name, opset, mode, err) && false;
        }
      }
  return ok ? 0 : 1;
}
