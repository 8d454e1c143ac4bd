// Vision layers follow libtorch's conventions: PyTorch's parameter and buffer names and shapes,
// default initialisation bounds, option structs, and the same results as the functions.
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {
std::map<std::string, nr::Shape> shapes(const nn::Module& m) {
  std::map<std::string, nr::Shape> s;
  for (const auto& [name, t] : m.state_dict()) s.emplace(name, t.shape());
  return s;
}
}  // namespace

TEST_CASE("vision layers have PyTorch's parameter and buffer names and shapes") {
  nn::Conv2d c(nn::Conv2dOptions(6, 8, {3, 5}).groups(2).bias(true));
  CHECK(shapes(c) == std::map<std::string, nr::Shape>{{"weight", {8, 3, 3, 5}}, {"bias", {8}}});
  nn::Conv1d c1(nn::Conv1dOptions(4, 2, 3).bias(false));
  CHECK(shapes(c1) == std::map<std::string, nr::Shape>{{"weight", {2, 4, 3}}});
  nn::ConvTranspose2d t(nn::ConvTranspose2dOptions(4, 6, 3).groups(2));
  CHECK(shapes(t) == std::map<std::string, nr::Shape>{{"weight", {4, 3, 3, 3}}, {"bias", {6}}});
  nn::BatchNorm2d bn(5);
  CHECK(shapes(bn) == std::map<std::string, nr::Shape>{{"weight", {5}},
                                                       {"bias", {5}},
                                                       {"running_mean", {5}},
                                                       {"running_var", {5}},
                                                       {"num_batches_tracked", {}}});
  CHECK(bn.state_dict().at("num_batches_tracked").dtype() == nr::int64);
  nn::GroupNorm gn(2, 6);
  CHECK(shapes(gn) == std::map<std::string, nr::Shape>{{"weight", {6}}, {"bias", {6}}});
  // torch's default bound for conv weights: 1 / sqrt(fan_in), fan_in = 3 * 3 * 5
  const nr::Tensor w = c.weight();
  const double bound = 1.0 / std::sqrt(45.0);
  for (std::int64_t i = 0; i < w.numel(); ++i) CHECK(std::fabs(w.data<float>()[i]) <= bound);
}

TEST_CASE("vision layers compute what the functions compute") {
  nr::manual_seed(3);
  const nr::Tensor x = nr::randn({2, 4, 9, 8});
  nn::Conv2d c(nn::Conv2dOptions(4, 6, 3).stride(2).padding(1).dilation(1));
  test::check_equal(c(x), nr::conv2d(x, c.weight(), c.state_dict().at("bias"), 2, 1));
  nn::MaxPool2d mp(nn::MaxPool2dOptions(3).stride(2).padding(1).ceil_mode(true));
  test::check_equal(mp(x), nr::max_pool2d(x, 3, 2, 1, 1, true));
  nn::AvgPool2d ap(nn::AvgPool2dOptions(2).count_include_pad(false));
  test::check_equal(ap(x), nr::avg_pool2d(x, 2, 2, 0, false, false));
  nn::AdaptiveAvgPool2d aap({1, 1});
  test::check_equal(aap(x), nr::adaptive_avg_pool2d(x, {1, 1}));
  test::check_equal(nn::Flatten()(x), nr::reshape(x, {2, 4 * 9 * 8}));
  CHECK(nn::Flatten(0, 1)(x).shape() == nr::Shape{8, 9, 8});
  CHECK(nn::Flatten(2)(x).shape() == nr::Shape{2, 4, 72});
  test::check_equal(nn::Identity()(x), x);
  nn::Upsample up(nn::UpsampleOptions().scale_factor({2.0}).mode("bilinear"));
  test::check_equal(up(x), nr::interpolate_scale(x, {2.0, 2.0}, "bilinear"));
  nn::Upsample to(nn::UpsampleOptions().size({5, 7}));
  CHECK(to(x).shape() == nr::Shape{2, 4, 5, 7});
  nn::GroupNorm gn(2, 4);
  test::check_equal(gn(x),
                    nr::group_norm(x, 2, gn.state_dict().at("weight"), gn.state_dict().at("bias")));
  CHECK(c.type_name() == "Conv2d");
  CHECK(mp.type_name() == "MaxPool2d");
  CHECK(up.type_name() == "Upsample");
}

TEST_CASE("eager convolution reuses reordered weights and sees in-place weight updates") {
  nr::manual_seed(4);
  nn::Conv2d c(nn::Conv2dOptions(8, 16, 3).padding(1));
  const nr::Tensor x = nr::randn({1, 8, 6, 6});
  const nr::Tensor y1 = c(x);
  test::check_equal(c(x), y1);  // the cached packed weights give the same result
  // load_state_dict writes into the same storage: the cache must notice
  nr::StateDict d = c.state_dict();
  d["weight"] = d["weight"] * 2.0f;
  d["bias"] = d["bias"] * 2.0f;
  c.load_state_dict(d);
  test::check_close(c(x), y1 * 2.0f, 1e-5, 1e-5, "after load_state_dict");
}
