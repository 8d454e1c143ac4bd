// The wave 2 elementwise ops (silu ... clamp) outside the torch fixtures: fusion, dtype rules and
// refusals, attributes.
#include "test_util.hpp"

namespace {
// x with the values that matter at every SIMD lane and in the ragged tail.
nr::Tensor edge_values(nr::DType dt) {
  std::vector<double> v = {NAN, -INFINITY, INFINITY, -0.0, 0.0, -3.0, 3.0,  0.5,  1.5,
                           2.5, -0.5,      -2.5,     6.0,  7.0, 20.0, 25.0, -1e-3};
  nr::Tensor t = nr::Tensor::empty({static_cast<std::int64_t>(v.size())}, nr::float64);
  std::copy(v.begin(), v.end(), t.data<double>());
  return nr::cast(t, dt);
}
}  // namespace

TEST_CASE("a fused expression of wave 2 ops equals op-by-op evaluation exactly") {
  nr::manual_seed(3);
  for (nr::DType dt : {nr::float32, nr::float64}) {
    CAPTURE(dt);
    nr::Tensor x = nr::cast(nr::randn({7, 37}) * 4, dt), y = nr::cast(nr::randn({37}) * 2, dt);
    nr::Tensor fused = nr::hardswish(x) * nr::clamp(y, -1, 1) + nr::silu(x);
    nr::Tensor a = nr::hardswish(x), b = nr::clamp(y, -1, 1), c = nr::silu(x);
    nr::Tensor ab = a * b;
    test::check_equal(fused, ab + c);
    // Every other new op in one tree, and the same op by op.
    nr::Tensor big =
        nr::softplus(nr::elu(nr::leaky_relu(x, 0.2), 0.7), 2.0, 5.0) + nr::round(x) * nr::sign(y) -
        nr::floor(x) / nr::reciprocal(nr::ceil(y) + 0.25) + nr::erf(nr::sin(x) * nr::cos(y)) +
        nr::hardsigmoid(x) * nr::relu6(x) - nr::clamp(x, nr::neg(nr::abs(y)), nr::abs(y));
    nr::Tensor l = nr::leaky_relu(x, 0.2), e = nr::elu(l, 0.7), s = nr::softplus(e, 2.0, 5.0);
    nr::Tensor r = nr::round(x), sg = nr::sign(y), fl = nr::floor(x), ce = nr::ceil(y);
    nr::Tensor ce2 = ce + 0.25, rc = nr::reciprocal(ce2), sn = nr::sin(x), cs = nr::cos(y);
    nr::Tensor sc = sn * cs, er = nr::erf(sc), hs = nr::hardsigmoid(x), r6 = nr::relu6(x);
    nr::Tensor ay = nr::abs(y), nay = nr::neg(ay), cl = nr::clamp(x, nay, ay);
    nr::Tensor t1 = r * sg, t2 = fl / rc, t3 = hs * r6;
    nr::Tensor u1 = s + t1, u2 = u1 - t2, u3 = u2 + er, u4 = u3 + t3;
    test::check_equal(big, u4 - cl);
  }
  // Mixed dtypes go through the library's evaluator: int operands, promotion, bool.
  nr::Tensor i = nr::randint(-9, 9, {5, 33}, nr::int32);
  nr::Tensor f = nr::randn({33});
  nr::Tensor mixed = nr::clamp(i, -2, 3) * nr::sign(i) + nr::round(f * 3) + nr::sin(i);
  nr::Tensor c = nr::clamp(i, -2, 3), sg = nr::sign(i), f3 = f * 3, rd = nr::round(f3);
  nr::Tensor sn = nr::sin(i), p = c * sg, q = p + rd;
  test::check_equal(mixed, q + sn);
  CHECK(nr::Tensor(nr::clamp(i, -2, 3)).dtype() == nr::int32);
  CHECK(nr::Tensor(nr::clamp(i, -2.5, 3)).dtype() == nr::float32);
}

TEST_CASE("wave 2 ops give the same value at every position (SIMD lanes and the tail)") {
  for (nr::DType dt : {nr::float32, nr::float64}) {
    nr::Tensor x = edge_values(dt);
    auto check = [&](auto fn) {
      nr::Tensor all = fn(x);
      for (std::int64_t k = 0; k < x.numel(); ++k) {
        nr::Tensor one = fn(nr::slice(x, 0, k, k + 1));
        double got = test::values(all)[static_cast<std::size_t>(k)];
        double alone = test::values(one)[0];
        CHECK((got == alone || (std::isnan(got) && std::isnan(alone))));
        CHECK(std::signbit(got) == std::signbit(alone));
      }
    };
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::silu(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::hardswish(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::elu(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::softplus(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::round(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::sign(t); });
    check([](const nr::Tensor& t) -> nr::Tensor { return nr::clamp(t, 0.0, 6.0); });
  }
}

TEST_CASE("wave 2 edge values: signed zeros, NaN, ties") {
  nr::Tensor x = edge_values(nr::float32);
  auto v = [](const nr::Tensor& t) { return test::values(t); };
  // round: half to even, -0.5 -> -0.0
  auto r = v(nr::round(x));
  CHECK(r[7] == 0.0);
  CHECK(r[8] == 2.0);
  CHECK(r[9] == 2.0);
  CHECK((r[10] == 0.0 && std::signbit(r[10])));
  CHECK(r[11] == -2.0);
  // sign: NaN -> 0 and -0.0 -> +0.0 (torch 1.13)
  auto s = v(nr::sign(x));
  CHECK((s[0] == 0.0 && !std::signbit(s[0])));
  CHECK((s[3] == 0.0 && !std::signbit(s[3])));
  // relu6 and clamp keep NaN and -0.0; elu(-0.0) is +0.0; silu and hardswish of -inf are NaN
  auto r6 = v(nr::relu6(x));
  CHECK(std::isnan(r6[0]));
  CHECK(std::signbit(r6[3]));
  CHECK(r6[13] == 6.0);
  CHECK(std::signbit(v(nr::clamp(x, 0, 1))[3]));
  CHECK_FALSE(std::signbit(v(nr::elu(x))[3]));
  CHECK(std::isnan(v(nr::silu(x))[1]));
  CHECK(std::isnan(v(nr::hardswish(x))[1]));
  // a NaN bound gives NaN everywhere; lo > hi gives hi
  for (double c : v(nr::clamp(x, NAN, 1.0))) CHECK(std::isnan(c));
  auto inverted = v(nr::clamp(x, 2, 1));
  CHECK(std::isnan(inverted[0]));
  for (std::size_t k = 1; k < inverted.size(); ++k) CHECK(inverted[k] == 1.0);
  // integers: floor/ceil/round pass through, sign keeps the dtype, bool keeps bool in sign
  nr::Tensor i = nr::tensor<std::int64_t>({-5, 0, 7});
  CHECK(nr::Tensor(nr::round(i)).dtype() == nr::int64);
  CHECK(v(nr::floor(i)) == std::vector<double>{-5, 0, 7});
  CHECK(v(nr::sign(i)) == std::vector<double>{-1, 0, 1});
  nr::Tensor b = nr::tensor<bool>({true, false});
  CHECK(nr::Tensor(nr::sign(b)).dtype() == nr::bool_);
  CHECK(nr::Tensor(nr::reciprocal(b)).dtype() == nr::float32);
  CHECK(nr::Tensor(nr::clamp(b, 0, 1)).dtype() == nr::int64);
  CHECK(v(nr::relu6(nr::tensor<std::int32_t>({-3, 4, 9}))) == std::vector<double>{0, 4, 6});
}

TEST_CASE("wave 2 ops refuse what torch refuses, naming the op") {
  nr::Tensor i = nr::tensor<std::int64_t>({1, 2});
  nr::Tensor b = nr::tensor<bool>({true, false});
  CHECK_THROWS_WITH_ALL(nr::silu(i), nr::DTypeError, "silu", "int64", "float32");
  CHECK_THROWS_WITH_ALL(nr::hardswish(i), nr::DTypeError, "hardswish");
  CHECK_THROWS_WITH_ALL(nr::hardsigmoid(b), nr::DTypeError, "hardsigmoid", "bool");
  CHECK_THROWS_WITH_ALL(nr::leaky_relu(i), nr::DTypeError, "leaky_relu");
  CHECK_THROWS_WITH_ALL(nr::elu(i), nr::DTypeError, "elu");
  CHECK_THROWS_WITH_ALL(nr::softplus(i), nr::DTypeError, "softplus");
  CHECK_THROWS_WITH_ALL(nr::relu6(b), nr::DTypeError, "relu6", "bool");
  CHECK_THROWS_WITH_ALL(nr::floor(b), nr::DTypeError, "floor", "bool");
  CHECK_THROWS_WITH_ALL(nr::ceil(b), nr::DTypeError, "ceil", "bool");
  CHECK_THROWS_WITH_ALL(nr::round(b), nr::DTypeError, "round", "bool");
  CHECK_THROWS_WITH_ALL(nr::clamp(b, false, true), nr::DTypeError, "clamp", "bool");
  // Bounds the result dtype cannot hold are refused, not wrapped (torch: "without overflow").
  nr::Tensor i32 = nr::tensor<std::int32_t>({1, 2});
  CHECK_THROWS_WITH_ALL(nr::clamp(i32, 0, std::int64_t{10000000000}), nr::ValueError, "clamp",
                        "upper", "int32");
  CHECK_THROWS_WITH_ALL(nr::clamp(nr::rand({2}), -1e39, 1.0), nr::ValueError, "lower", "float32");
  CHECK_NOTHROW(nr::clamp(nr::rand({2}), -INFINITY, INFINITY));
  CHECK_NOTHROW(nr::clamp(nr::rand({2}).to(nr::float64), -1e39, 1.0));
  CHECK_THROWS_WITH_ALL(nr::clamp(nr::rand({2}), nr::rand({3}), 1.0), nr::ShapeError, "clamp");
}

TEST_CASE("wave 2 attributes compare, hash and round-trip through JSON") {
  nr::LeakyRelu a, b;
  b.negative_slope = 0.2;
  CHECK(a.attrs() != b.attrs());
  nr::Softplus s;
  s.beta = 2;
  s.threshold = 7.5;
  nlohmann::json j = nr::elementwise_kernel<nr::Softplus>().attrs_json(&s);
  CHECK(j == nlohmann::json::array({2.0, 7.5}));
  nr::Softplus back = nr::op_attrs_from_json<nr::Softplus>(j);
  CHECK(back.attrs() == s.attrs());
  nr::Elu e = nr::op_attrs_from_json<nr::Elu>(nlohmann::json::array({0.25}));
  CHECK(e.alpha == 0.25);
  const nr::Elu plain;
  CHECK(nr::elementwise_kernel<nr::Elu>().encoded_attrs(&e) !=
        nr::elementwise_kernel<nr::Elu>().encoded_attrs(&plain));
  CHECK_THROWS_AS(nr::op_attrs_from_json<nr::LeakyRelu>(nlohmann::json::array({"x"})),
                  nr::FormatError);
  CHECK_THROWS_AS(nr::op_attrs_from_json<nr::Softplus>(nlohmann::json::array({1.0})),
                  nr::FormatError);
  for (const char* n :
       {"silu", "hardswish", "hardsigmoid", "relu6", "leaky_relu", "elu", "softplus", "erf", "sin",
        "cos", "floor", "ceil", "round", "sign", "reciprocal", "clamp"}) {
    CAPTURE(n);
    const nr::ElementwiseKernel* k = nr::elementwise_kernel_by_name(n);
    REQUIRE(k != nullptr);
    CHECK(k->arity == (std::string(n) == "clamp" ? 3 : 1));
  }
}
