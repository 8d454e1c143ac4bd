// Activation layers of wave 2: the same values as the functions, torch's class names, no
// parameters.
#include "test_util.hpp"

namespace nn = neuron::nn;

TEST_CASE("ReLU6 SiLU Hardswish Hardsigmoid LeakyReLU ELU equal their functions") {
  nr::manual_seed(5);
  nr::Tensor x = nr::randn({3, 41}) * 5;
  auto same = [&](nn::Module& m, const char* type, const nr::Tensor& want) {
    CAPTURE(type);
    CHECK(m.type_name() == type);
    CHECK(m.state_dict().empty());
    test::check_equal(m(x), want);
  };
  nn::ReLU6 relu6;
  nn::SiLU silu;
  nn::Hardswish hardswish;
  nn::Hardsigmoid hardsigmoid;
  nn::LeakyReLU leaky, leaky2(0.2);
  nn::ELU elu, elu2(0.5);
  same(relu6, "ReLU6", nr::relu6(x));
  same(silu, "SiLU", nr::silu(x));
  same(hardswish, "Hardswish", nr::hardswish(x));
  same(hardsigmoid, "Hardsigmoid", nr::hardsigmoid(x));
  same(leaky, "LeakyReLU", nr::leaky_relu(x, 0.01));
  same(leaky2, "LeakyReLU", nr::leaky_relu(x, 0.2));
  same(elu, "ELU", nr::elu(x, 1.0));
  same(elu2, "ELU", nr::elu(x, 0.5));
  CHECK(leaky2.negative_slope() == 0.2);
  CHECK(elu2.alpha() == 0.5);
  // In a Sequential, on the lazy device too.
  nn::Sequential m(nn::Linear(41, 8), nn::Hardswish(), nn::Linear(8, 8), nn::LeakyReLU(0.1));
  m.eval();
  nr::Tensor eager = m(x);
  m.to(nr::lazy_device());
  test::check_equal(m(x.to(nr::lazy_device())).cpu(), eager);
}
