// Traced models, saved and loaded back, agree with PyTorch's outputs (tests/fixtures/nn) exactly as
// well as eager mode does: the loaded module's output equals eager bit for bit.
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {
std::string dir(const std::string& name) {
  return std::string(NEURON_FIXTURES_DIR) + "/nn/" + name;
}
nr::Tensor npy(const std::string& name, const std::string& file) {
  return nr::load_npy(dir(name) + "/" + file + ".npy");
}

// Traces `model` on the fixture input, round-trips it through bytes, compares with eager and
// PyTorch.
template <class M>
void check_traced(const std::string& name, M& model, double rtol, double atol) {
  model.load_state_dict(nr::load_safetensors(dir(name) + "/weights.safetensors"));
  model.eval();
  nr::Tensor x = npy(name, "x");
  nr::TracedModule tm = nr::trace(model, x);
  const std::string bytes = tm.to_bytes();
  nr::TracedModule loaded = nr::load_from_memory(bytes.data(), bytes.size());
  nr::Tensor got = loaded(x);
  test::check_equal(got, model(x));
  test::check_close(got, npy(name, "y"), rtol, atol, name);
}
}  // namespace

TEST_CASE("traced parity: the seed MLP") {
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  check_traced("mlp", m, 1e-4, 1e-5);
}

TEST_CASE("traced parity: the embedding classifier") {
  nn::Sequential m(nn::Embedding(100, 32), nn::Linear(32, 16), nn::ReLU(), nn::Linear(16, 2),
                   nn::Softmax(-1));
  check_traced("embedding_classifier", m, 1e-4, 1e-5);
}

TEST_CASE("traced parity: GELU + LayerNorm + Tanh + Sigmoid stack") {
  nn::Sequential m(nn::Linear(16, 32), nn::GELU(), nn::LayerNorm(32), nn::Linear(32, 16),
                   nn::Tanh(), nn::Linear(16, 8), nn::GELU(nr::GeluApproximation::tanh),
                   nn::Sigmoid());
  check_traced("gelu_layernorm_stack", m, 1e-4, 1e-5);
}

TEST_CASE("traced parity: TransformerEncoderLayer") {
  nn::TransformerEncoderLayer m(32, 4, 64, 0.0);
  check_traced("transformer_encoder_layer", m, 1e-3, 1e-4);
}

TEST_CASE("traced parity: TransformerEncoderLayer with a key padding mask (two inputs)") {
  const std::string n = "transformer_encoder_layer_padded";
  nn::TransformerEncoderLayer m(32, 4, 64, 0.0);
  m.load_state_dict(nr::load_safetensors(dir(n) + "/weights.safetensors"));
  m.eval();
  auto f = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{m.forward(in[0], nr::Tensor(), in[1])};
  };
  std::vector<nr::Tensor> in = {npy(n, "x"), npy(n, "mask")};
  nr::TracedModule tm = nr::trace(f, in);
  const std::string bytes = tm.to_bytes();
  nr::Tensor got = nr::load_from_memory(bytes.data(), bytes.size()).forward(in)[0];
  test::check_equal(got, f(in)[0]);
  test::check_close(got, npy(n, "y"), 1e-3, 1e-4, n);
}

TEST_CASE("trace of a model already on the lazy device, with a lazy example") {
  nr::manual_seed(0);
  nn::Sequential m(nn::Linear(8, 4), nn::ReLU());
  m.eval();
  nr::Tensor x = nr::rand({2, 8});
  nr::Tensor want = m(x);
  m.to(nr::lazy_device());
  nr::TracedModule tm = nr::trace(m, x.to(nr::lazy_device()));
  CHECK(tm.weight_names() == std::vector<std::string>{"0.weight", "0.bias"});
  test::check_equal(tm(x), want);
}
