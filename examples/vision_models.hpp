// torchvision's ResNet-18 and MobileNetV2 written as user code in neuron's DSL, with torchvision's
// module names, so a torchvision state_dict loads into them strictly. Used by the vision example,
// the parity tests and the benchmarks; the library itself knows nothing about these models.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

namespace vision {

namespace nr = neuron;
namespace nn = neuron::nn;

// torchvision.models.resnet.BasicBlock: two 3x3 convolutions with batch norm, and the shortcut
// (a strided 1x1 convolution + batch norm when the shape changes).
struct BasicBlock : nn::Module {
  BasicBlock(std::int64_t in, std::int64_t out, std::int64_t stride) {
    conv1 = register_module(
        "conv1", std::make_shared<nn::Conv2d>(
                     nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false)));
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(out));
    conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(
                                         nn::Conv2dOptions(out, out, 3).padding(1).bias(false)));
    bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(out));
    if (stride != 1 || in != out)
      downsample = register_module(
          "downsample", std::make_shared<nn::Sequential>(
                            nn::Conv2d(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false)),
                            nn::BatchNorm2d(out)));
  }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor y = nr::relu((*bn1)((*conv1)(x)));
    y = (*bn2)((*conv2)(y));
    nr::Tensor identity = downsample ? (*downsample)(x) : x;
    return nr::relu(y + identity);
  }
  std::string type_name() const override { return "BasicBlock"; }

  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  std::shared_ptr<nn::Sequential> downsample;
};

// torchvision.models.resnet18(num_classes).
struct ResNet18 : nn::Module {
  explicit ResNet18(std::int64_t num_classes = 1000) {
    conv1 = register_module(
        "conv1",
        std::make_shared<nn::Conv2d>(nn::Conv2dOptions(3, 64, 7).stride(2).padding(3).bias(false)));
    bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
    const std::int64_t widths[] = {64, 128, 256, 512};
    std::int64_t in = 64;
    for (int i = 0; i < 4; ++i) {
      const std::int64_t stride = i == 0 ? 1 : 2;
      auto layer = std::make_shared<nn::Sequential>(BasicBlock(in, widths[i], stride),
                                                    BasicBlock(widths[i], widths[i], 1));
      layers.push_back(register_module("layer" + std::to_string(i + 1), layer));
      in = widths[i];
    }
    fc = register_module("fc", std::make_shared<nn::Linear>(512, num_classes));
  }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor y = nr::relu((*bn1)((*conv1)(x)));
    y = nr::max_pool2d(y, 3, 2, 1);
    for (auto& layer : layers) y = (*layer)(y);
    y = nr::adaptive_avg_pool2d(y, {1, 1});
    y = nr::reshape(y, {y.shape()[0], 512});
    return (*fc)(y);
  }
  std::string type_name() const override { return "ResNet"; }

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::vector<std::shared_ptr<nn::Sequential>> layers;
  std::shared_ptr<nn::Linear> fc;
};

// torchvision.ops.Conv2dNormActivation with ReLU6, as MobileNetV2 uses it: children "0" (conv),
// "1" (batch norm), "2" (ReLU6).
inline nn::Sequential conv_bn_relu6(std::int64_t in, std::int64_t out, std::int64_t kernel,
                                    std::int64_t stride, std::int64_t groups = 1) {
  return nn::Sequential(nn::Conv2d(nn::Conv2dOptions(in, out, kernel)
                                       .stride(stride)
                                       .padding((kernel - 1) / 2)
                                       .groups(groups)
                                       .bias(false)),
                        nn::BatchNorm2d(out), nn::ReLU6());
}

// torchvision.models.mobilenetv2.InvertedResidual: expand (1x1), depthwise (3x3), project (1x1),
// with the input added back when the shape allows.
struct InvertedResidual : nn::Module {
  InvertedResidual(std::int64_t in, std::int64_t out, std::int64_t stride, std::int64_t expand)
      : use_residual(stride == 1 && in == out) {
    const std::int64_t hidden = in * expand;
    auto seq = std::make_shared<nn::Sequential>();
    if (expand != 1) seq->push_back(conv_bn_relu6(in, hidden, 1, 1));
    seq->push_back(conv_bn_relu6(hidden, hidden, 3, stride, hidden));
    seq->push_back(nn::Conv2d(nn::Conv2dOptions(hidden, out, 1).bias(false)));
    seq->push_back(nn::BatchNorm2d(out));
    conv = register_module("conv", seq);
  }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor y = (*conv)(x);
    return use_residual ? nr::Tensor(x + y) : y;
  }
  std::string type_name() const override { return "InvertedResidual"; }

  bool use_residual;
  std::shared_ptr<nn::Sequential> conv;
};

// torchvision.models.mobilenet_v2(num_classes), width 1.0.
struct MobileNetV2 : nn::Module {
  explicit MobileNetV2(std::int64_t num_classes = 1000) {
    auto f = std::make_shared<nn::Sequential>();
    f->push_back(conv_bn_relu6(3, 32, 3, 2));
    struct Stage {
      std::int64_t expand, channels, repeats, stride;
    };
    const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                            {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
    std::int64_t in = 32;
    for (const Stage& s : stages)
      for (std::int64_t i = 0; i < s.repeats; ++i) {
        f->push_back(InvertedResidual(in, s.channels, i == 0 ? s.stride : 1, s.expand));
        in = s.channels;
      }
    f->push_back(conv_bn_relu6(in, 1280, 1, 1));
    features = register_module("features", f);
    classifier = register_module(
        "classifier",
        std::make_shared<nn::Sequential>(nn::Dropout(0.2), nn::Linear(1280, num_classes)));
  }
  nr::Tensor forward(const nr::Tensor& x) override {
    nr::Tensor y = (*features)(x);
    y = nr::adaptive_avg_pool2d(y, {1, 1});
    y = nr::reshape(y, {y.shape()[0], 1280});
    return (*classifier)(y);
  }
  std::string type_name() const override { return "MobileNetV2"; }

  std::shared_ptr<nn::Sequential> features, classifier;
};

}  // namespace vision
