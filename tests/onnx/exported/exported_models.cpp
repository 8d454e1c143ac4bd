// Models exported by torch.onnx.export (tests/fixtures/export_onnx_models.py, run by ctest first):
// torchvision's resnet18 and mobilenet_v2, the BERT-style encoder and the GPT-style model of
// tests/fixtures/make_seq_model_fixtures.py, each at opset 14 and 17 with dynamic batch axes.
// Each imports and matches PyTorch's outputs (rtol 1e-4, atol: parity.hpp) eagerly, recorded
// lazily (no implicit sync), traced (no shape op left in the plan), saved + loaded, and at a
// second batch size: traced with dynamic_batch at one row less and run at the exported batch
// (bert: traced at one row less, see below). The traced modules are saved for
// runtime_only_parity.cpp. Prints the parity table.
// Usage: neuron_onnx_exported_models EXPORT_DIR
#include <cstdio>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>
#include <neuron/onnx.hpp>

#include "parity.hpp"

namespace nr = neuron;
namespace et = exported_test;

namespace {

std::vector<nr::Tensor> to_lazy(const std::vector<nr::Tensor>& xs) {
  std::vector<nr::Tensor> out;
  for (const auto& x : xs) out.push_back(x.to(nr::lazy_device()));
  return out;
}

// Shape arithmetic (Shape -> Gather -> Concat -> Reshape chains) runs on the host while recording,
// so no step of a traced plan concatenates, and every step that computes an int64 value works on
// the ids the model was given (embedding lookups), never on constants. Returns the offenders.
std::string shape_steps(const nr::TracedModule& t) {
  std::string ops;
  for (const auto& p : t.plans()) {
    std::vector<bool> from_input(p.slots.size(), false);
    for (std::size_t i = 0; i < p.slots.size(); ++i)
      from_input[i] = p.slots[i].kind == nr::PlanSlot::Kind::input;
    for (const auto& s : p.steps) {
      bool derived = false;
      for (int in : s.inputs) derived = derived || from_input[static_cast<std::size_t>(in)];
      from_input[static_cast<std::size_t>(s.output)] = derived;
      const bool int64 = p.slots[static_cast<std::size_t>(s.output)].spec.dtype == nr::int64;
      if (s.op->name() == std::string("concat") || (int64 && !derived)) ops += " " + s.op->name();
    }
  }
  return ops;
}

et::Errors fail(const std::string& why) {
  et::Errors e;
  e.ok = false;
  e.problem = why;
  return e;
}

bool check(const std::string& dir, const std::string& name, int opset) {
  const std::string d = dir + "/" + name;
  const std::string path = et::onnx_path(dir, name, opset);
  const std::vector<nr::Tensor> x = et::arrays(d, "in"), want = et::arrays(d, "out");
  bool ok = true;

  nr::onnx::Model m = nr::onnx::load(path);
  for (const auto& in : m.inputs())
    if (in.dim_params.empty() || in.dim_params[0] != "batch") {
      ok &= et::report(name, opset, "import", fail("input " + in.str() + ": no dynamic batch"));
    }
  if (m.opset() != opset) ok &= et::report(name, opset, "import", fail("wrong opset"));
  ok &= et::report(name, opset, "eager", et::compare(m.forward(x), want));

  nr::onnx::Model lazy = nr::onnx::load(path);
  lazy.to(nr::lazy_device());
  nr::metrics::reset();
  std::vector<nr::Tensor> ys = lazy.forward(to_lazy(x));
  nr::mark_step();
  const auto syncs = nr::metrics::counter("ImplicitSync");
  ok &= et::report(name, opset, "lazy",
                   syncs ? fail(std::to_string(syncs) + " implicit syncs while recording")
                         : et::compare(ys, want));

  nr::metrics::reset();
  nr::TracedModule traced = nr::trace(m, x);
  const std::string shape_ops = shape_steps(traced);
  if (nr::metrics::counter("ImplicitSync") || !shape_ops.empty())
    ok &= et::report(name, opset, "traced",
                     fail("shape steps:" + shape_ops + "; implicit syncs: " +
                          std::to_string(nr::metrics::counter("ImplicitSync"))));
  ok &= et::report(name, opset, "traced", et::compare(traced.forward(x), want));
  traced.save(et::neuron_path(dir, name, opset, false));
  nr::TracedModule loaded = nr::load(et::neuron_path(dir, name, opset, false));
  ok &= et::report(name, opset, "saved + loaded", et::compare(loaded.forward(x), want));

  // A second batch size. torch 1.13 exports nn.MultiheadAttention (bert) with the batch moved to
  // dim 1 and merged with the heads ([L, B, E] -> [L, B * heads, E / heads]), and its key padding
  // mask as a zeros constant of shape [B * heads, 1, L] (ConstantOfShape) where -inf is put:
  // dynamic_batch runs chunks of the batch and cannot follow it into the merged dim, so it
  // refuses, naming that constant (checked here: a refusal, not a wrong result); bert is traced
  // again at a smaller fixed batch instead.
  const std::int64_t batch = x[0].shape()[0];
  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule second;
  if (name == "bert") {
    try {
      nr::trace(m, et::first_rows(x, batch - 1), o);
      ok &= et::report(name, opset, "dynamic batch", fail("accepted: update this test"));
    } catch (const nr::ValueError& e) {
      std::printf("    (dynamic_batch refused, as expected: %.160s...)\n", e.what());
    }
    second = nr::trace(m, et::first_rows(x, batch - 1));
  } else {
    second = nr::trace(m, et::first_rows(x, batch - 1), o);
  }
  second.save(et::neuron_path(dir, name, opset, true));
  const et::SecondBatch sb = et::second_batch(second, x, want);
  ok &= et::report(name, opset, sb.mode, et::compare(second.forward(sb.inputs), sb.want));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s EXPORT_DIR\n", argv[0]);
    return 2;
  }
  bool ok = true;
  et::print_header();
  for (const std::string& name : et::models())
    for (int opset : et::opsets()) {
      try {
        ok = check(argv[1], name, opset) && ok;
      } catch (const std::exception& e) {
        ok = et::report(name, opset, "(error)", fail(e.what())) && false;
      }
    }
  return ok ? 0 : 1;
}
