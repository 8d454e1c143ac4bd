#include "test_util.hpp"

namespace nn = neuron::nn;

TEST_CASE("Sequential names children 0, 1, ... and state_dict uses PyTorch's dotted keys") {
  nn::Sequential m(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2, /*bias=*/false));
  auto sd = m.state_dict();
  std::vector<std::string> keys;
  for (const auto& kv : sd) keys.push_back(kv.first);
  CHECK(keys == std::vector<std::string>{"0.bias", "0.weight", "2.weight"});
  CHECK(sd.at("0.weight").shape() == nr::Shape{3, 4});
  CHECK(m.size() == 3);
  CHECK(m[1].type_name() == "ReLU");
  CHECK_THROWS_AS(m[3], nr::IndexError);
  CHECK(m.named_parameters().size() == 3);
}

TEST_CASE("strict load_state_dict lists every missing, unexpected and mis-shaped key at once") {
  nn::Sequential m(nn::Linear(4, 3), nn::ReLU(), nn::Linear(3, 2));
  nr::StateDict sd = m.state_dict();
  sd.erase("0.bias");
  sd["2.weight"] = nr::zeros({5, 3});
  sd["extra"] = nr::zeros({1});
  std::string msg = test::error_message([&] { m.load_state_dict(sd); });
  CHECK(msg.find("3 problems") != std::string::npos);
  CHECK(msg.find("missing key '0.bias' (expected shape [3])") != std::string::npos);
  CHECK(msg.find("shape mismatch for '2.weight': expected [2, 3], got [5, 3]") !=
        std::string::npos);
  CHECK(msg.find("unexpected key 'extra' (shape [1])") != std::string::npos);
  CHECK_THROWS_AS(m.load_state_dict(sd), nr::KeyError);
  // Nothing was changed by the failed load.
  CHECK(test::values(m.state_dict().at("2.weight")) != std::vector<double>(6, 0.0));
  // Non-strict: missing/unexpected allowed, shapes still checked.
  sd["2.weight"] = nr::zeros({2, 3});
  m.load_state_dict(sd, /*strict=*/false);
  CHECK(test::values(m.state_dict().at("2.weight")) == std::vector<double>(6, 0.0));
}

TEST_CASE("load_state_dict copies values (converting dtype) into the existing parameters") {
  nn::Linear l(2, 2);
  const void* before = l.weight().raw_data();
  l.load_state_dict({{"weight", nr::tensor<double>({{1, 2}, {3, 4}})},
                     {"bias", nr::tensor<double>({0.5, -0.5})}});
  CHECK(l.weight().raw_data() == before);
  CHECK(l.weight().dtype() == nr::float32);
  CHECK(test::values(l(nr::tensor<float>({{1.f, 1.f}}))) == std::vector<double>{3.5, 6.5});
}

TEST_CASE("layers initialise like PyTorch: bounds and moments") {
  nr::manual_seed(0);
  nn::Linear l(400, 300);
  double bound = 1.0 / std::sqrt(400.0);
  auto w = test::values(l.weight());
  CHECK(*std::max_element(w.begin(), w.end()) <= bound);
  CHECK(*std::min_element(w.begin(), w.end()) >= -bound);
  double var = 0;
  for (double v : w) var += v * v;
  CHECK(var / w.size() == doctest::Approx(bound * bound / 3).epsilon(0.03));
  nn::Embedding e(1000, 50);
  auto ev = test::values(e.weight());
  double m2 = 0;
  for (double v : ev) m2 += v * v;
  CHECK(m2 / ev.size() == doctest::Approx(1.0).epsilon(0.03));
  nn::LayerNorm ln(8);
  CHECK(test::values(ln.state_dict().at("weight")) == std::vector<double>(8, 1.0));
  nn::MultiheadAttention mha(8, 2);
  CHECK(test::values(mha.state_dict().at("in_proj_bias")) == std::vector<double>(24, 0.0));
  CHECK(test::values(mha.state_dict().at("out_proj.bias")) == std::vector<double>(8, 0.0));
  nr::manual_seed(0);
  nn::Linear l2(400, 300);
  test::check_equal(l2.weight(), l.weight());  // same seed, same init
}

TEST_CASE("Dropout: identity in eval, zeroes about p and rescales in training") {
  nn::Dropout d(0.25);
  nr::Tensor x = nr::ones({100000});
  CHECK(d.is_training());
  auto y = test::values(d(x));
  std::size_t zeros = 0;
  for (double v : y) {
    if (v == 0)
      ++zeros;
    else
      CHECK(v == doctest::Approx(1.0 / 0.75));
  }
  CHECK(static_cast<double>(zeros) / y.size() == doctest::Approx(0.25).epsilon(0.03));
  d.eval();
  CHECK(d(x).impl_ptr() == x.impl_ptr());
  CHECK_THROWS_WITH_ALL(nn::Dropout(1.5), nr::ValueError, "[0, 1]");
}

TEST_CASE("train() and eval() reach every child - to(device) moves every parameter") {
  nn::TransformerEncoderLayer enc(8, 2, 16, 0.1);
  enc.eval();
  for (const auto& [name, child] : enc.children()) CHECK_FALSE(child->is_training());
  nr::Tensor x = nr::randn({1, 3, 8});
  test::check_equal(enc(x), enc(x));  // no dropout in eval: deterministic
  nr::Tensor eager = enc(x);
  enc.to(nr::lazy_device());
  for (const auto& [name, p] : enc.named_parameters()) CHECK(p.device() == nr::lazy_device());
  nr::Tensor lazy = enc(x.to(nr::lazy_device()));
  test::check_equal(lazy.cpu(), eager);
  enc.to(nr::cpu());
  test::check_equal(enc(x), eager);
}

TEST_CASE("layers check their inputs") {
  nn::MultiheadAttention mha(8, 2);
  CHECK_THROWS_WITH_ALL(mha(nr::rand({2, 3, 5})), nr::ShapeError, "query", "[2, 3, 5]");
  CHECK_THROWS_WITH_ALL(nn::MultiheadAttention(10, 3), nr::ValueError, "multiple of num_heads");
  CHECK_THROWS_WITH_ALL(
      mha.forward(nr::rand({2, 3, 8}), nr::rand({2, 4, 8}), nr::rand({2, 4, 8}), nr::zeros({3, 3})),
      nr::ShapeError, "attn_mask", "[3, 4]");
  nn::Linear l(4, 2);
  CHECK_THROWS_WITH_ALL(l(nr::rand({3, 5})), nr::ShapeError, "linear", "in_features = 4");
  nn::Embedding e(10, 3);
  CHECK_THROWS_AS(e(nr::tensor<std::int64_t>({10})), nr::IndexError);
}

TEST_CASE("MultiheadAttention: unbatched input and boolean masks") {
  nr::manual_seed(1);
  nn::MultiheadAttention mha(8, 2);
  mha.eval();
  nr::Tensor x = nr::randn({4, 8});
  nr::Tensor batched = mha(nr::reshape(x, {1, 4, 8}));
  test::check_close(mha(x), nr::reshape(batched, {4, 8}), 1e-6, 1e-7);
  // A boolean mask blocking position 3 equals a float mask adding -inf there.
  nr::Tensor bmask = nr::tensor<bool>({{false, false, false, true},
                                       {false, false, false, true},
                                       {false, false, false, true},
                                       {false, false, false, true}});
  nr::Tensor fmask = nr::where(bmask, -INFINITY, nr::zeros({4, 4}));
  test::check_close(mha.forward(x, x, x, bmask), mha.forward(x, x, x, fmask), 1e-6, 1e-7);
  // Padding key 3 out is the same as blocking it for every query.
  nr::Tensor kpm = nr::tensor<bool>({false, false, false, true});
  test::check_close(mha.forward(x, x, x, {}, kpm), mha.forward(x, x, x, bmask), 1e-6, 1e-7);
}
