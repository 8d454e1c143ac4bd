// Vision ops refuse bad input with errors that name the op, the operand and the shapes.
#include "test_util.hpp"

namespace nn = neuron::nn;

TEST_CASE("conv2d errors name the op, the operand and the shapes") {
  const nr::Tensor w = nr::randn({64, 3, 7, 7});
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({1, 4, 32, 32}), w), nr::ShapeError,
                        "conv2d: input has 4 channels [1, 4, 32, 32], weight expects 3 (groups 1) "
                        "[64, 3, 7, 7]");
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({1, 3, 5, 5}), w, {}, 1, 0), nr::ShapeError,
                        "conv2d: kernel of extent 7", "larger than the padded input (5 + 2 * 0)",
                        "[1, 3, 5, 5]", "[64, 3, 7, 7]");
  CHECK_THROWS_WITH_ALL(
      nr::conv2d(nr::randn({1, 6, 8, 8}), nr::randn({4, 3, 3, 3}), {}, 1, 0, 1, 4), nr::ShapeError,
      "conv2d: groups 4 do not divide the input's 6 channels");
  CHECK_THROWS_WITH_ALL(
      nr::conv2d(nr::randn({1, 6, 8, 8}), nr::randn({5, 3, 3, 3}), {}, 1, 0, 1, 2), nr::ShapeError,
      "groups 2 do not divide the weight's 5 output channels");
  CHECK_THROWS_WITH_ALL(
      nr::conv2d(nr::randn({1, 3, 8, 8}), nr::randn({4, 3, 3, 3}), nr::randn({5})), nr::ShapeError,
      "conv2d: bias has shape [5], expected [4]");
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({3, 8}), nr::randn({4, 3, 3, 3})), nr::ShapeError,
                        "conv2d: input must be [B, C, H, W]");
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({1, 3, 8, 8}, nr::float64), nr::randn({4, 3, 3, 3})),
                        nr::DTypeError, "conv2d: input has dtype float64", "float32");
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({1, 3, 8, 8}), nr::randn({4, 3, 3, 3}), {}, 0),
                        nr::ValueError, "conv2d: stride must be >= 1");
  CHECK_THROWS_WITH_ALL(nr::conv2d(nr::randn({1, 3, 8, 8}), nr::randn({4, 3, 3, 3}), {}, 1, -1),
                        nr::ValueError, "conv2d: padding must be >= 0");
  CHECK_THROWS_WITH_ALL(nr::conv1d(nr::randn({1, 2, 4}), nr::randn({3, 2, 5})), nr::ShapeError,
                        "conv1d: kernel of extent 5");
  CHECK_THROWS_WITH_ALL(nr::conv_transpose2d(nr::randn({1, 4, 5, 5}), nr::randn({3, 2, 3, 3})),
                        nr::ShapeError,
                        "conv_transpose2d: input has 4 channels [1, 4, 5, 5], weight expects 3");
  CHECK_THROWS_WITH_ALL(
      nr::conv_transpose2d(nr::randn({1, 4, 5, 5}), nr::randn({4, 2, 3, 3}), {}, 2, 0, 2),
      nr::ValueError, "output_padding [2, 2] must be smaller than the stride or the dilation");
}

TEST_CASE("pooling, normalization and interpolate errors") {
  CHECK_THROWS_WITH_ALL(nr::max_pool2d(nr::randn({1, 2, 2, 2}), 5), nr::ShapeError,
                        "max_pool2d: kernel 5", "larger than the padded input (2 + 2 * 0)");
  CHECK_THROWS_WITH_ALL(nr::max_pool2d(nr::randn({1, 2, 8, 8}), 3, 1, 2), nr::ValueError,
                        "max_pool2d: padding 2 must be at most half the kernel size 3");
  CHECK_THROWS_WITH_ALL(nr::avg_pool2d(nr::randn({2, 8}), 2), nr::ShapeError,
                        "avg_pool2d: input must be [B, C, H, W] (or unbatched), got shape [2, 8]");
  CHECK_THROWS_WITH_ALL(nr::max_pool2d(nr::randn({1, 2, 8, 8}, nr::float64), 2), nr::DTypeError,
                        "max_pool2d", "float32");
  CHECK_THROWS_WITH_ALL(nr::adaptive_avg_pool2d(nr::randn({1, 2, 8, 8}), {0, 2}), nr::ValueError,
                        "adaptive_avg_pool2d: output_size must be >= 1");
  CHECK_THROWS_WITH_ALL(
      nr::batch_norm(nr::randn({2, 3, 4, 4}), nr::zeros({4}), nr::ones({3})), nr::ShapeError,
      "batch_norm: running_mean has shape [4], expected [3] for input [2, 3, 4, 4]");
  CHECK_THROWS_WITH_ALL(nr::group_norm(nr::randn({2, 6, 4}), 4), nr::ShapeError,
                        "group_norm: groups 4 do not divide the input's 6 channels [2, 6, 4]");
  CHECK_THROWS_WITH_ALL(nr::interpolate(nr::randn({1, 2, 4, 4}), {0, 8}), nr::ValueError,
                        "interpolate: size must be two positive values {h, w}, got [0, 8]",
                        "[1, 2, 4, 4]");
  CHECK_THROWS_WITH_ALL(nr::interpolate(nr::randn({1, 2, 4, 4}), {8, 8, 8}), nr::ValueError,
                        "interpolate: size must be two positive values");
  CHECK_THROWS_WITH_ALL(nr::interpolate(nr::randn({1, 2, 4, 4}), {8, 8}, "bicubic"), nr::ValueError,
                        "interpolate: unknown mode 'bicubic'");
  CHECK_THROWS_WITH_ALL(nr::interpolate(nr::randn({1, 2, 4, 4}), {8, 8}, "nearest", true),
                        nr::ValueError, "align_corners can only be set with mode 'bilinear'");
  CHECK_THROWS_WITH_ALL(nr::interpolate(nr::randn({2, 4, 4}), {8, 8}), nr::ShapeError,
                        "interpolate: input must be [B, C, H, W]");
}

TEST_CASE("vision layers: option checks, and batch norm refuses training mode") {
  CHECK_THROWS_WITH_ALL(nn::Conv2d(nn::Conv2dOptions(6, 4, 3).groups(4)), nr::ValueError,
                        "Conv2d: in_channels 6 must be divisible by groups 4");
  CHECK_THROWS_WITH_ALL(nn::GroupNorm(4, 6), nr::ValueError,
                        "GroupNorm: num_channels 6 must be a positive multiple of num_groups 4");
  nn::BatchNorm2d bn(3);  // modules start in training mode, as in torch
  CHECK_THROWS_WITH_ALL(bn(nr::randn({1, 3, 2, 2})), nr::ValueError, "BatchNorm2d", "training mode",
                        "eval()");
  bn.eval();
  CHECK_THROWS_WITH_ALL(bn(nr::randn({1, 3, 2})), nr::ShapeError,
                        "BatchNorm2d: expected a 4-d input, got shape [1, 3, 2]");
  CHECK_THROWS_WITH_ALL(nn::Upsample(nn::UpsampleOptions()), nr::ValueError,
                        "Upsample: give exactly one of size and scale_factor");
}
