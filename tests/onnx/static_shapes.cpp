// Shapes are static where neuron's graphs are: PyTorch's Shape -> Gather -> Unsqueeze -> Concat ->
// Reshape chains run on the host when recording. Lazy recording and tracing of a model with a
// dynamic batch axis record no shape op and never synchronize; trace + save + load; dynamic_batch.
#include <algorithm>
#include <set>

#include "onnx/onnx_test_util.hpp"

using onnx_test::check_close;
using onnx_test::ModelBuilder;

namespace {

// y = relu(reshape(x, [N, 12]) @ W + b), N read from Shape(x) the way torch.onnx.export writes
// x.view(x.size(0), -1), plus a second output that slices the flattened rows.
ModelBuilder dynamic_batch_model(nr::Tensor& w, nr::Tensor& bias) {
  ModelBuilder b(14);
  b.input("x", nr::float32, {-1, 3, 4}, {"batch"});
  nr::manual_seed(3);
  w = nr::randn({12, 5});
  bias = nr::randn({5});
  b.init("fc.weight", w).init("fc.bias", bias);
  b.init("zero", nr::scalar_tensor<std::int64_t>(0));
  b.init("axes0", nr::tensor<std::int64_t>({0}));
  auto& c = b.node("Constant", {}, {"minus_one"});
  onnx_test::attr_t(c, "value", nr::tensor<std::int64_t>({-1}));
  b.node("Shape", {"x"}, {"shape"});
  b.node("Gather", {"shape", "zero"}, {"n"});
  b.node("Unsqueeze", {"n", "axes0"}, {"n1"});
  auto& cat = b.node("Concat", {"n1", "minus_one"}, {"target"});
  onnx_test::attr_i(cat, "axis", 0);
  b.node("Reshape", {"x", "target"}, {"flat"});
  b.node("MatMul", {"flat", "fc.weight"}, {"mm"});
  b.node("Add", {"mm", "fc.bias"}, {"pre"});
  b.node("Relu", {"pre"}, {"y"});
  // A slice whose end comes from the shape too: flat[:, 2 : 12 - 2]
  b.init("two", nr::tensor<std::int64_t>({2}));
  b.init("axes1", nr::tensor<std::int64_t>({1}));
  b.node("Shape", {"flat"}, {"fshape"});
  b.node("Gather", {"fshape", "axes1"}, {"width"});
  b.node("Sub", {"width", "two"}, {"end"});
  b.node("Slice", {"flat", "two", "end", "axes1"}, {"mid"});
  b.output("y", nr::float32, {-1, 5}, true);
  b.output("mid", nr::float32);
  return b;
}

std::vector<nr::Tensor> reference(const nr::Tensor& x, const nr::Tensor& w, const nr::Tensor& b) {
  nr::Tensor flat = nr::reshape(x, {x.shape()[0], 12});
  return {nr::relu(nr::matmul(flat, w) + b), nr::slice(flat, 1, 2, 10)};
}

std::set<std::string> step_ops(const nr::TracedModule& t) {
  std::set<std::string> ops;
  for (const auto& p : t.plans())
    for (const auto& s : p.steps) ops.insert(s.op->name());
  return ops;
}

}  // namespace

TEST_CASE("onnx: shape chains are evaluated on the host (eager, lazy, trace)") {
  nr::Tensor w, bias;
  nr::onnx::Model m = dynamic_batch_model(w, bias).load();
  CHECK(!m.inputs()[0].value_needed);  // only x's shape is read
  nr::Tensor x = nr::randn({2, 3, 4});
  auto want = reference(x, w, bias);

  SUBCASE("eager") { onnx_test::check_outputs(m.forward({x}), want, 1e-5, 1e-6); }

  SUBCASE("lazy: nothing synchronizes, one graph per batch size") {
    nr::metrics::reset();
    m.to(nr::lazy_device());
    for (int batch : {2, 3, 2}) {
      nr::Tensor xb = batch == 2 ? x : nr::randn({batch, 3, 4});
      auto ys = m.forward({xb.to(nr::lazy_device())});
      CHECK(ys[0].device().is_lazy());
      nr::mark_step();
      onnx_test::check_outputs({ys[0].cpu(), ys[1].cpu()}, reference(xb, w, bias), 1e-5, 1e-6);
    }
    CHECK(nr::metrics::counter("ImplicitSync") == 0);
    CHECK(nr::metrics::counter("CompileCount") == 2);
    CHECK(nr::metrics::counter("CacheHit") == 1);
  }

  SUBCASE("trace records no shape op; save, load and dynamic_batch") {
    nr::metrics::reset();
    nr::TracedModule t = nr::trace(m, {x});
    CHECK(nr::metrics::counter("ImplicitSync") == 0);
    std::set<std::string> ops = step_ops(t);
    INFO(t.to_dot());
    CHECK(ops.count("concat") == 0);
    CHECK(ops.count("index_select") == 0);
    CHECK(ops.count("gather") == 0);
    CHECK(ops.count("sub") == 0);
    // The weights keep their ONNX names (MatMul + Add became a linear with fc.weight transposed,
    // stored as fc.weight.transposed.<content hash>, as folded batch norms are named).
    std::set<std::string> names(t.weight_names().begin(), t.weight_names().end());
    CHECK(std::count_if(names.begin(), names.end(),
                        [](const std::string& n) { return n.rfind("fc.weight", 0) == 0; }) == 1);
    CHECK(names.count("fc.bias") == 1);
    onnx_test::check_outputs(t.forward({x}), want, 1e-5, 1e-6);

    const std::string dir = onnx_test::temp_dir("static_shapes");
    t.save(dir + "/m.neuron");
    nr::TracedModule l = nr::load(dir + "/m.neuron");
    onnx_test::check_outputs(l.forward({x}), want, 1e-5, 1e-6);

    nr::TraceOptions o;
    o.dynamic_batch = true;
    nr::TracedModule d = nr::trace(m, {x}, o);
    nr::Tensor x5 = nr::randn({5, 3, 4});
    onnx_test::check_outputs(d.forward({x5}), reference(x5, w, bias), 1e-5, 1e-6);

    // Buckets over the batch: a batch of 3 runs in the bucket of 4, padded.
    nr::TracedModule bk = nr::trace_buckets(m, {nr::randn({2, 3, 4}), nr::randn({4, 3, 4})});
    CHECK(bk.bucket_count() == 2);
    nr::Tensor x3 = nr::randn({3, 3, 4});
    onnx_test::check_outputs(bk.forward({x3}), reference(x3, w, bias), 1e-5, 1e-6);
  }

  SUBCASE("trace of a lazy model") {
    m.to(nr::lazy_device());
    nr::metrics::reset();
    nr::TracedModule t = nr::trace(m, {x});
    CHECK(nr::metrics::counter("ImplicitSync") == 0);
    onnx_test::check_outputs(t.forward({x}), want, 1e-5, 1e-6);
  }
}

TEST_CASE("onnx: a model on the CPU refuses lazy inputs outside trace") {
  nr::Tensor w, bias;
  nr::onnx::Model m = dynamic_batch_model(w, bias).load();
  CHECK_THROWS_AS(m.forward({nr::randn({2, 3, 4}).to(nr::lazy_device())}), nr::DeviceError);
}
