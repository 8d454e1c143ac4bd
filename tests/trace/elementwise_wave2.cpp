// Traced mode with the wave 2 elementwise ops and activation layers: the module saved and loaded
// back equals eager bit for bit, so attributes and clamp bounds round-trip through the file.
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {
std::vector<nr::Tensor> f(const std::vector<nr::Tensor>& in) {
  const nr::Tensor& x = in[0];
  const nr::Tensor& ids = in[1];
  nr::Tensor h = nr::hardswish(x) * nr::clamp(x, -0.75, 1.25) + nr::silu(x);
  nr::Tensor p = nr::softmax(nr::leaky_relu(h, 0.3), -1);
  nr::Tensor q =
      nr::elu(nr::softplus(p * 10 - 5, 2.0, 3.0), 0.5) + nr::erf(nr::sin(x) * nr::cos(x));
  nr::Tensor r = nr::relu6(ids) + nr::sign(ids) * nr::clamp(ids, -2, 2);
  nr::Tensor s = nr::round(x * 2) + nr::floor(x) - nr::ceil(x) + nr::reciprocal(nr::hardsigmoid(x));
  return {q, r, s};
}

nr::TracedModule round_trip(const nr::TracedModule& tm) {
  const std::string bytes = tm.to_bytes();
  return nr::load_from_memory(bytes.data(), bytes.size());
}
}  // namespace

TEST_CASE("traced wave 2 ops equal eager after save and load") {
  nr::manual_seed(21);
  std::vector<nr::Tensor> ex = {nr::randn({3, 24}) * 4, nr::randint(-9, 9, {3, 24}, nr::int64)};
  nr::TracedModule loaded = round_trip(nr::trace(f, ex));
  for (int k = 0; k < 2; ++k) {
    std::vector<nr::Tensor> in = {nr::randn({3, 24}) * 4, nr::randint(-9, 9, {3, 24}, nr::int64)};
    std::vector<nr::Tensor> got = loaded.forward(in), want = f(in);
    REQUIRE(got.size() == 3);
    for (std::size_t i = 0; i < 3; ++i) test::check_equal(got[i], want[i]);
  }
}

TEST_CASE("traced activation layers keep their attributes through the file") {
  nr::manual_seed(22);
  nn::Sequential m(nn::Linear(8, 16), nn::LeakyReLU(0.25), nn::Linear(16, 16), nn::ELU(0.5),
                   nn::Linear(16, 16), nn::Hardswish(), nn::Linear(16, 16), nn::SiLU(),
                   nn::Linear(16, 16), nn::ReLU6(), nn::Linear(16, 4), nn::Hardsigmoid());
  m.eval();
  nr::Tensor x = nr::randn({5, 8}) * 3;
  nr::TracedModule loaded = round_trip(nr::trace(m, x));
  nr::Tensor y = nr::randn({5, 8}) * 3;
  test::check_equal(loaded(y), m(y));
  // The same weights with the default slope and alpha give other values: the file kept 0.25, 0.5.
  nn::Sequential d(nn::Linear(8, 16), nn::LeakyReLU(), nn::Linear(16, 16), nn::ELU(),
                   nn::Linear(16, 16), nn::Hardswish(), nn::Linear(16, 16), nn::SiLU(),
                   nn::Linear(16, 16), nn::ReLU6(), nn::Linear(16, 4), nn::Hardsigmoid());
  d.load_state_dict(m.state_dict());
  d.eval();
  CHECK(test::values(d(y)) != test::values(m(y)));
}

TEST_CASE("non-finite attributes and clamp bounds round-trip through the file") {
  auto g = [](const std::vector<nr::Tensor>& in) {
    const nr::Tensor& x = in[0];
    return std::vector<nr::Tensor>{nr::softplus(x, 1.0, std::numeric_limits<double>::infinity()) +
                                       nr::clamp(x, -std::numeric_limits<double>::infinity(), 0.5),
                                   nr::leaky_relu(x, std::numeric_limits<double>::quiet_NaN()),
                                   nr::clamp(x, std::numeric_limits<double>::quiet_NaN(), 1.0)};
  };
  nr::manual_seed(23);
  std::vector<nr::Tensor> in = {nr::randn({2, 30}) * 30};
  nr::TracedModule loaded = round_trip(nr::trace(g, in));
  std::vector<nr::Tensor> got = loaded.forward(in), want = g(in);
  for (std::size_t i = 0; i < 3; ++i) test::check_equal(got[i], want[i]);
  nr::Softplus s;
  s.threshold = -std::numeric_limits<double>::infinity();
  nlohmann::json j = nr::elementwise_kernel<nr::Softplus>().attrs_json(&s);
  CHECK(j == nlohmann::json::parse(R"([1.0, "-inf"])"));
  CHECK(nr::op_attrs_from_json<nr::Softplus>(j).threshold == s.threshold);
  CHECK_THROWS_WITH_ALL(nr::op_attrs_from_json<nr::Elu>(nlohmann::json::array({"infinity"})),
                        nr::FormatError, "elu", "\"inf\"");
}
