#include "test_util.hpp"

TEST_CASE("printing follows PyTorch's layout, then shape and dtype") {
  nr::Tensor f = nr::tensor<float>({{1.5f, -2.25f}, {3.f, 4.125f}});
  CHECK(nr::to_string(f) ==
        "tensor([[ 1.5000, -2.2500],\n        [ 3.0000,  4.1250]], shape=[2, 2], dtype=float32)");
  CHECK(nr::to_string(nr::tensor<std::int64_t>({{1, 28, 748, 0}})) ==
        "tensor([[  1,  28, 748,   0]], shape=[1, 4], dtype=int64)");
  CHECK(nr::to_string(nr::tensor<float>({1.f, 2.f})) ==
        "tensor([1., 2.], shape=[2], dtype=float32)");
  CHECK(nr::to_string(nr::tensor<bool>({true, false})) ==
        "tensor([ True, False], shape=[2], dtype=bool)");
  CHECK(nr::to_string(nr::scalar_tensor(0.5)) == "tensor(0.5000, shape=[], dtype=float64)");
  CHECK(nr::to_string(nr::tensor<double>({1e-5, 1.0})) ==
        "tensor([1.0000e-05, 1.0000e+00], shape=[2], dtype=float64)");
  CHECK(nr::to_string(nr::zeros({0, 3})) == "tensor([], shape=[0, 3], dtype=float32)");
  CHECK(nr::to_string(nr::Tensor()) == "tensor(undefined)");
  std::ostringstream os;
  os << nr::tensor<float>({NAN, INFINITY});
  CHECK(os.str() == "tensor([nan, inf], shape=[2], dtype=float32)");
}

TEST_CASE("large tensors are summarized with ... like PyTorch") {
  std::string s = nr::to_string(nr::arange(2000));
  CHECK(s == "tensor([   0,    1,    2, ..., 1997, 1998, 1999], shape=[2000], dtype=int64)");
  std::string m = nr::to_string(nr::reshape(nr::arange(4000), {40, 100}));
  CHECK(m.find("...") != std::string::npos);
  CHECK(m.find("shape=[40, 100]") != std::string::npos);
}

TEST_CASE("3-d tensors separate blocks with a blank line") {
  nr::Tensor t = nr::reshape(nr::arange(8, nr::int32), {2, 2, 2});
  CHECK(nr::to_string(t) ==
        "tensor([[[0, 1],\n         [2, 3]],\n\n        [[4, 5],\n         [6, 7]]], shape=[2, 2, "
        "2], dtype=int32)");
}
