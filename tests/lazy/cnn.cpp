// Lazy mode runs CNNs with the passes that need no constant weights: conv epilogues fused and
// activations channels-last between convolutions (batch norm stays a step: its statistics are
// inputs). Results equal eager; the lowered form is what the disk cache keeps.
#include "test_util.hpp"

namespace nn = neuron::nn;

TEST_CASE("a lazy CNN step fuses conv epilogues, keeps activations channels-last, equals eager") {
  nr::manual_seed(30);
  nn::Sequential m(
      nn::Conv2d(nn::Conv2dOptions(3, 8, 3).padding(1).bias(false)), nn::BatchNorm2d(8), nn::ReLU(),
      nn::Conv2d(nn::Conv2dOptions(8, 8, 3).padding(1)), nn::ReLU6(), nn::MaxPool2d(2),
      nn::Conv2d(nn::Conv2dOptions(8, 4, 1)), nn::AdaptiveAvgPool2d({1, 1}), nn::Flatten());
  m.eval();
  const nr::Tensor x = nr::randn({2, 3, 12, 12});
  const nr::Tensor want = m(x);
  m.to(nr::lazy_device());
  nr::Tensor y = m(x.to(nr::lazy_device()));
  const nr::Graph g = test::graph_of({y});
  nr::mark_step();
  test::check_close(y.cpu(), want, 1e-5, 1e-6, "lazy CNN");
  std::shared_ptr<const nr::PreparedPlan> exe = nr::PlanCache::instance().find(g);
  REQUIRE(exe);
  int convs = 0, fused = 0, last = 0;
  for (const auto& st : exe->plan().steps) {
    if (auto* c = dynamic_cast<const nr::OpModel<nr::Conv2dOp>*>(st.op.get())) {
      ++convs;
      last += c->op().dst_channels_last;
    }
    fused += st.op->name() == "fused";
  }
  CHECK(convs == 3);
  CHECK(fused == 1);  // the ReLU after batch norm; ReLU6 went into the second conv
  CHECK(last == 2);   // the last conv writes plain for the adaptive pool
  // Same again from the cache, with new data.
  const nr::Tensor x2 = nr::randn({2, 3, 12, 12});
  nr::Tensor y2 = m(x2.to(nr::lazy_device()));
  nr::mark_step();
  m.to(nr::cpu());
  test::check_close(y2.cpu(), m(x2), 1e-5, 1e-6, "lazy CNN, cache hit");
}
