#include "test_util.hpp"

TEST_CASE("creation functions fill values, dtypes and shapes") {
  nr::Tensor z = nr::zeros({2, 3});
  CHECK(z.dtype() == nr::float32);
  CHECK(z.shape() == nr::Shape{2, 3});
  CHECK(test::values(z) == std::vector<double>(6, 0.0));
  CHECK(test::values(nr::ones({2}, nr::int64)) == std::vector<double>{1, 1});
  CHECK(test::values(nr::full({3}, 2.5, nr::float64)) == std::vector<double>{2.5, 2.5, 2.5});
  CHECK(test::values(nr::arange(4)) == std::vector<double>{0, 1, 2, 3});
  CHECK(nr::zeros({1, 8}, nr::int64).dtype() == nr::int64);
  CHECK(nr::zeros({0, 4}).numel() == 0);
  CHECK(nr::scalar_tensor(3.5).item<double>() == 3.5);
  CHECK(nr::scalar_tensor(3.5).rank() == 0);
}

TEST_CASE("tensor<T> from nested initializer lists, 1 to 3 dims") {
  nr::Tensor ids = nr::tensor<std::int64_t>({{1, 28, 748, 0}});
  CHECK(ids.shape() == nr::Shape{1, 4});
  CHECK(ids.dtype() == nr::int64);
  CHECK(ids.data<std::int64_t>()[2] == 748);
  CHECK(nr::tensor<float>({1.5f, 2.f}).shape() == nr::Shape{2});
  nr::Tensor t3 = nr::tensor<int>({{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}});
  CHECK(t3.shape() == nr::Shape{2, 2, 2});
  CHECK(test::values(t3)[7] == 8);
  CHECK(nr::tensor<bool>({true, false}).dtype() == nr::bool_);
  CHECK_THROWS_WITH_ALL(nr::tensor<int>({{1, 2}, {3}}), nr::ShapeError, "row 1", "1 elements",
                        "expected 2");
  CHECK_THROWS_WITH_ALL(nr::tensor<int>({{{1}, {2}}, {{3}}}), nr::ShapeError, "block 1");
}

TEST_CASE("from_vector checks the element count") {
  nr::Tensor t = nr::from_vector(std::vector<double>{1, 2, 3, 4, 5, 6}, {2, 3});
  CHECK(t.dtype() == nr::float64);
  CHECK(test::values(t)[5] == 6);
  CHECK_THROWS_WITH_ALL(nr::from_vector(std::vector<float>{1, 2}, {3}), nr::ShapeError, "2 values",
                        "[3]");
  CHECK(test::values(nr::from_vector(std::vector<bool>{true, false}, {2})) ==
        std::vector<double>{1, 0});
}

TEST_CASE("storage is 64-byte aligned and reference counted") {
  for (nr::Shape s : {nr::Shape{1}, nr::Shape{3, 5}, nr::Shape{0}, nr::Shape{}}) {
    nr::Tensor t = nr::zeros(s, nr::bool_);
    CHECK(reinterpret_cast<std::uintptr_t>(t.raw_data()) % 64 == 0);
  }
  nr::Tensor a = nr::zeros({4});
  nr::Tensor b = a;  // handle copy: same data
  b.data<float>()[0] = 7;
  CHECK(a.data<float>()[0] == 7);
  nr::Tensor c = a.clone();  // deep copy
  c.data<float>()[0] = 1;
  CHECK(a.data<float>()[0] == 7);
}

TEST_CASE("accessors check what they are asked for") {
  nr::Tensor t = nr::zeros({2, 3});
  CHECK(t.size(-1) == 3);
  CHECK(t.numel() == 6);
  CHECK(t.nbytes() == 24);
  CHECK(t.device() == nr::cpu());
  CHECK_THROWS_WITH_ALL(t.data<double>(), nr::DTypeError, "data<float64>", "float32");
  CHECK_THROWS_WITH_ALL(t.item<float>(), nr::ShapeError, "one element", "[2, 3]");
  CHECK_THROWS_AS(t.size(2), nr::ShapeError);
  nr::Tensor undefined;
  CHECK_FALSE(undefined.defined());
  CHECK_THROWS_WITH_ALL(undefined.shape(), nr::ValueError, "undefined");
  CHECK_THROWS_WITH_ALL(nr::relu(undefined), nr::ValueError, "undefined");
  CHECK_THROWS_WITH_ALL(nr::softmax(undefined, 0), nr::ValueError, "undefined");
}

TEST_CASE("item converts - to(dtype) converts - to(device) round-trips through the lazy device") {
  CHECK(nr::tensor<int>({7}).item<double>() == 7.0);
  CHECK(nr::tensor<float>({2.75f}).item<int>() == 2);
  nr::Tensor f = nr::tensor<float>({1.5f, -2.5f});
  nr::Tensor i = f.to(nr::int32);
  CHECK(i.dtype() == nr::int32);
  CHECK(test::values(i) == std::vector<double>{1, -2});
  CHECK(f.to(nr::float32).impl_ptr() == f.impl_ptr());
  CHECK(f.cpu().impl_ptr() == f.impl_ptr());
  nr::Tensor l = f.to(nr::lazy_device());
  CHECK(l.device() == nr::lazy_device());
  test::check_equal(l.cpu(), f);
  CHECK(nr::zeros({2}, nr::lazy_device()).device() == nr::lazy_device());
  CHECK_THROWS_WITH_ALL(l.data<float>(), nr::DeviceError, "lazy", ".cpu()");
  CHECK_THROWS_WITH_ALL(l.to(nr::float64), nr::DeviceError, "nr::cast");
}

TEST_CASE("float to int conversions of NaN and out-of-range values are defined") {
  nr::Tensor f = nr::tensor<double>({NAN, 1e30, -1e30, 3.9, -3.9});
  CHECK(test::values(f.to(nr::int32)) ==
        std::vector<double>{INT32_MIN, INT32_MIN, INT32_MIN, 3, -3});
  CHECK(test::values(f.to(nr::bool_)) == std::vector<double>{1, 1, 1, 1, 1});
}
