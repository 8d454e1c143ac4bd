// Mappings that the backend suite exercises little or that compose several neuron ops: 3-d
// convolution and pooling as 2-d ones, sequences, losses, windows, GatherND; and a model of
// constants (every input bound) traced with no inputs.
#include "onnx/onnx_test_util.hpp"

using onnx_test::check_close;
using onnx_test::ModelBuilder;

TEST_CASE("onnx ops: a 3-d convolution folds its depth into the batch of 2-d ones") {
  nr::manual_seed(5);
  nr::Tensor x = nr::randn({2, 4, 5, 6, 7}), w = nr::randn({6, 2, 3, 2, 3}), b = nr::randn({6});
  ModelBuilder m(13);
  m.input("x", nr::float32, {2, 4, 5, 6, 7});
  m.init("w", w).init("b", b);
  auto& n = m.node("Conv", {"x", "w", "b"}, {"y"});
  onnx_test::attr_ints(n, "strides", {2, 1, 2});
  onnx_test::attr_ints(n, "pads", {1, 0, 1, 0, 1, 2});
  onnx_test::attr_ints(n, "dilations", {1, 2, 1});
  onnx_test::attr_i(n, "group", 2);
  m.output("y", nr::float32);
  nr::Tensor y = m.load()(x);
  // Reference: the definition, one output element at a time.
  nr::Tensor xp = nr::pad(x, {1, 2, 0, 1, 1, 0});
  const auto s = y.shape();
  REQUIRE(s == nr::Shape{2, 6, 2, 5, 4});
  nr::Tensor xd = xp.to(nr::float64), wd = w.to(nr::float64), bd = b.to(nr::float64);
  const double* px = xd.data<double>();
  const double* pw = wd.data<double>();
  const auto xs = xp.shape();
  nr::Tensor want = nr::zeros(s, nr::float64);
  double* out = want.data<double>();
  for (std::int64_t n0 = 0; n0 < 2; ++n0)
    for (std::int64_t o = 0; o < 6; ++o)
      for (std::int64_t d = 0; d < s[2]; ++d)
        for (std::int64_t h = 0; h < s[3]; ++h)
          for (std::int64_t ww = 0; ww < s[4]; ++ww) {
            double acc = bd.data<double>()[o];
            const std::int64_t g = o / 3;
            for (std::int64_t ci = 0; ci < 2; ++ci)
              for (std::int64_t kd = 0; kd < 3; ++kd)
                for (std::int64_t kh = 0; kh < 2; ++kh)
                  for (std::int64_t kw = 0; kw < 3; ++kw) {
                    const std::int64_t c = g * 2 + ci, zd = d * 2 + kd, zh = h + kh * 2,
                                       zw = ww * 2 + kw;
                    acc += px[(((n0 * xs[1] + c) * xs[2] + zd) * xs[3] + zh) * xs[4] + zw] *
                           pw[(((o * 2 + ci) * 3 + kd) * 2 + kh) * 3 + kw];
                  }
            out[(((n0 * 6 + o) * s[2] + d) * s[3] + h) * s[4] + ww] = acc;
          }
  check_close(y, want.to(nr::float32), 1e-4, 1e-4);
}

TEST_CASE("onnx ops: sequences are host lists") {
  ModelBuilder m(13);
  m.input("a", nr::float32, {2, 3});
  m.input("b", nr::float32, {2, 3});
  m.init("pos", nr::scalar_tensor<std::int64_t>(0));
  m.init("last", nr::scalar_tensor<std::int64_t>(-1));
  m.node("SequenceConstruct", {"a", "b"}, {"s"});
  m.node("SequenceInsert", {"s", "b", "pos"}, {"s2"});  // [b, a, b]
  m.node("SequenceErase", {"s2", "last"}, {"s3"});      // [b, a]
  auto& cat = m.node("ConcatFromSequence", {"s3"}, {"y"});
  onnx_test::attr_i(cat, "axis", 1);
  onnx_test::attr_i(cat, "new_axis", 1);
  m.node("SequenceLength", {"s2"}, {"n"});
  m.node("SequenceAt", {"s3", "pos"}, {"first"});
  m.output("y", nr::float32).output("n", nr::int64).output("first", nr::float32);
  nr::onnx::Model model = m.load();
  nr::Tensor a = nr::randn({2, 3}), b = nr::randn({2, 3});
  auto ys = model.forward({a, b});
  check_close(ys[0], nr::stack({b, a}, 1), 0, 0);
  CHECK(ys[1].item<std::int64_t>() == 3);
  check_close(ys[2], b, 0, 0);
  auto t = nr::trace(model, {a, b});
  check_close(t.forward({a, b})[0], nr::stack({b, a}, 1), 0, 0);
}

TEST_CASE("onnx ops: NegativeLogLikelihoodLoss with weights and ignore_index") {
  nr::Tensor logp = nr::log_softmax(nr::randn({3, 4, 2}), 1);
  nr::Tensor target = nr::tensor<std::int64_t>({{0, 3}, {2, 1}, {1, 1}});
  nr::Tensor weight = nr::tensor<float>({0.5f, 1.0f, 2.0f, 3.0f});
  ModelBuilder m(13);
  m.input("x", nr::float32, {3, 4, 2});
  m.input("t", nr::int64, {3, 2});
  m.init("w", weight);
  auto& n = m.node("NegativeLogLikelihoodLoss", {"x", "t", "w"}, {"loss"});
  onnx_test::attr_i(n, "ignore_index", 1);
  m.output("loss", nr::float32);
  nr::Tensor got = m.load().forward({logp, target})[0];
  double num = 0, den = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j) {
      const std::int64_t c = target.data<std::int64_t>()[i * 2 + j];
      if (c == 1) continue;
      const double wc = weight.data<float>()[c];
      num += -logp.data<float>()[(i * 4 + c) * 2 + j] * wc;
      den += wc;
    }
  CHECK(got.item<double>() == doctest::Approx(num / den).epsilon(1e-5));
}

TEST_CASE("onnx ops: GatherND with batch dims, negative indices") {
  nr::Tensor data = nr::reshape(nr::arange(0, 24, 1, nr::float32), {2, 3, 4});
  nr::Tensor idx = nr::tensor<std::int64_t>({{{0, -1}}, {{2, 1}}});  // [2, 1, 2]
  ModelBuilder m(13);
  m.input("d", nr::float32, {2, 3, 4});
  m.input("i", nr::int64, {2, 1, 2});
  auto& n = m.node("GatherND", {"d", "i"}, {"y"});
  onnx_test::attr_i(n, "batch_dims", 1);
  m.output("y", nr::float32);
  nr::Tensor y = m.load().forward({data, idx})[0];
  CHECK(y.shape() == nr::Shape{2, 1});
  CHECK(onnx_test::values(y) == std::vector<double>{3, 21});
}

TEST_CASE("onnx ops: a model of constants traces with no inputs") {
  ModelBuilder m(17);
  m.init("n", nr::tensor<std::int64_t>({4}));
  m.node("HannWindow", {"n"}, {"w"});
  auto& c = m.node("ConstantOfShape", {"n"}, {"z"});
  onnx_test::attr_t(c, "value", nr::tensor<float>({2.5f}));
  m.output("w", nr::float32).output("z", nr::float32);
  nr::onnx::Model model = m.load();
  auto ys = model.forward({});
  check_close(ys[0], nr::tensor<float>({0.f, 0.5f, 1.f, 0.5f}), 1e-6, 1e-7);
  nr::TracedModule t = nr::trace(model, std::vector<nr::Tensor>{});
  auto tb = t.to_bytes();
  nr::TracedModule l = nr::load_from_memory(tb.data(), tb.size());
  auto ls = l.forward({});
  REQUIRE(ls.size() == 2);
  check_close(ls[0], ys[0]);
  check_close(ls[1], nr::full({4}, 2.5));
  nr::TraceOptions o;
  o.dynamic_batch = true;
  CHECK_THROWS_AS(nr::trace(model, std::vector<nr::Tensor>{}, o), nr::ValueError);
}

TEST_CASE("onnx ops: Atan, Asin and Acos composed from existing ops match libm") {
  std::vector<double> xs;
  for (double v = -3; v <= 3; v += 0.0137) xs.push_back(v);
  const double inf = std::numeric_limits<double>::infinity();
  for (double v : {0.0, -0.0, 1e-8, -1e-8, 0.5, 1.0, -1.0, 0.9999999, 1e6, -1e30, inf, -inf})
    xs.push_back(v);
  for (const char* op : {"Atan", "Asin", "Acos"}) {
    INFO(op);
    for (nr::DType d : {nr::float32, nr::float64}) {
      ModelBuilder m(13);
      m.input("x", d, {static_cast<std::int64_t>(xs.size())});
      m.node(op, {"x"}, {"y"});
      m.output("y", d);
      nr::Tensor x =
          nr::cast(nr::from_vector(xs, nr::Shape{static_cast<std::int64_t>(xs.size())}), d);
      nr::Tensor y = m.load()(x);
      std::vector<double> got = onnx_test::values(y), in = onnx_test::values(x), want;
      for (double v : in)
        want.push_back(std::string(op) == "Atan"   ? std::atan(v)
                       : std::string(op) == "Asin" ? std::asin(v)
                                                   : std::acos(v));
      for (std::size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i])) {
          CHECK(std::isnan(got[i]));
          continue;
        }
        const double tol = d == nr::float64 ? 1e-12 : 1e-6;
        INFO("x = " << in[i] << ": got " << got[i] << ", want " << want[i]);
        CHECK(std::abs(got[i] - want[i]) <= tol * (1 + std::abs(want[i])));
      }
    }
  }
}
