// Gather on axis 0 of a 2-d table with tensor indices (how torch.onnx.export writes nn.Embedding)
// maps to embedding(): the indices keep their dims, so dynamic_batch can follow the batch through
// it (a flattening reshape would mix it). Negative indices wrap as in ONNX; bad ones are
// IndexErrors.
#include <set>

#include "onnx/onnx_test_util.hpp"

namespace {

nr::onnx::Model lookup_model(const nr::Tensor& table) {
  onnx_test::ModelBuilder b(14);
  b.input("ids", nr::int64, {-1, 3}, {"batch"});
  b.init("table", table);
  b.node("Gather", {"table", "ids"}, {"rows"});
  b.node("Relu", {"rows"}, {"y"});
  b.output("y", nr::float32);
  return b.load();
}

nr::Tensor reference(const nr::Tensor& table, const nr::Tensor& ids) {
  nr::Tensor wrapped = nr::where(nr::lt(ids, 0), ids + table.shape()[0], ids);
  return nr::relu(nr::embedding(wrapped, table));
}

}  // namespace

TEST_CASE("onnx: Gather of table rows keeps the batch dim (eager, dynamic_batch)") {
  nr::manual_seed(5);
  const nr::Tensor table = nr::randn({10, 4});
  nr::onnx::Model m = lookup_model(table);
  const nr::Tensor ids = nr::tensor<std::int64_t>({{1, -1, 9}, {0, 4, -10}});

  onnx_test::check_close(m(ids), reference(table, ids), 0, 0);
  const nr::Tensor got = m(ids);
  CHECK(got.shape() == nr::Shape({2, 3, 4}));

  nr::TraceOptions o;
  o.dynamic_batch = true;
  nr::TracedModule t = nr::trace(m, {nr::slice(ids, 0, 0, 1)}, o);
  std::set<std::string> ops;
  for (const auto& p : t.plans())
    for (const auto& s : p.steps) ops.insert(s.op->name());
  CHECK(ops.count("embedding") == 1);
  CHECK(ops.count("reshape") == 0);
  const nr::Tensor ids3 = nr::tensor<std::int64_t>({{2, 3, 4}, {5, 6, 7}, {-2, -3, 8}});
  onnx_test::check_close(t(ids3), reference(table, ids3), 0, 0);

  CHECK_THROWS_AS(m(nr::tensor<std::int64_t>({{1, 10, 2}})), nr::IndexError);
  CHECK_THROWS_AS(m(nr::tensor<std::int64_t>({{1, -11, 2}})), nr::IndexError);
}
