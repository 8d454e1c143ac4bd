// Parameter-free layers: ReLU GELU Tanh Sigmoid Softmax(dim) LogSoftmax(dim).
#pragma once

#include "../expr/functions.hpp"
#include "../ops/softmax.hpp"
#include "module.hpp"

namespace neuron::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override { return relu(x); }
  std::string type_name() const override { return "ReLU"; }
};

class GELU : public Module {
 public:
  explicit GELU(GeluApproximation approximate = GeluApproximation::none) : approx_(approximate) {}
  Tensor forward(const Tensor& x) override { return gelu(x, approx_); }
  std::string type_name() const override { return "GELU"; }

 private:
  GeluApproximation approx_;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override { return neuron::tanh(x); }
  std::string type_name() const override { return "Tanh"; }
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override { return sigmoid(x); }
  std::string type_name() const override { return "Sigmoid"; }
};

class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override { return softmax(x, dim_); }
  std::string type_name() const override { return "Softmax"; }

 private:
  std::int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) override { return log_softmax(x, dim_); }
  std::string type_name() const override { return "LogSoftmax"; }

 private:
  std::int64_t dim_;
};

}  // namespace neuron::nn
