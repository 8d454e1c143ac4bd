// Models written in neuron's DSL, loaded with PyTorch's state_dicts (tests/fixtures/nn, made by
// make_nn_fixtures.py), agree with PyTorch's outputs.
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {

std::string dir(const std::string& name) {
  return std::string(NEURON_FIXTURES_DIR) + "/nn/" + name;
}

// Loads weights strictly, checks the output against y.npy, reports the worst relative error.
void check_model(const std::string& name, nn::Module& model, const nr::Tensor& got_fn_output,
                 double rtol, double atol) {
  nr::Tensor want = nr::load_npy(dir(name) + "/y.npy");
  test::check_close(got_fn_output, want, rtol, atol, name);
  auto g = test::values(got_fn_output), w = test::values(want);
  double worst_rel = 0, worst_abs = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    double err = std::abs(g[i] - w[i]);
    worst_abs = std::max(worst_abs, err);
    if (std::abs(w[i]) > 1e-3) worst_rel = std::max(worst_rel, err / std::abs(w[i]));
  }
  MESSAGE(name << ": worst relative error " << worst_rel << " (values above 1e-3), worst "
               << "absolute error " << worst_abs << ", over " << g.size() << " values");
  (void)model;
}

template <class M>
M& loaded(M& model, const std::string& name) {
  model.load_state_dict(nr::load_safetensors(dir(name) + "/weights.safetensors"));
  model.eval();
  return model;
}

nr::Tensor npy(const std::string& name, const std::string& file) {
  return nr::load_npy(dir(name) + "/" + file + ".npy");
}

}  // namespace

TEST_CASE("parity: the seed MLP") {
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  check_model("mlp", m, loaded(m, "mlp")(npy("mlp", "x")), 1e-4, 1e-5);
}

TEST_CASE("parity: the embedding classifier") {
  nn::Sequential m(nn::Embedding(100, 32), nn::Linear(32, 16), nn::ReLU(), nn::Linear(16, 2),
                   nn::Softmax(-1));
  const std::string n = "embedding_classifier";
  check_model(n, m, loaded(m, n)(npy(n, "x")), 1e-4, 1e-5);
}

TEST_CASE("parity: GELU + LayerNorm + Tanh + Sigmoid stack") {
  nn::Sequential m(nn::Linear(16, 32), nn::GELU(), nn::LayerNorm(32), nn::Linear(32, 16),
                   nn::Tanh(), nn::Linear(16, 8), nn::GELU(nr::GeluApproximation::tanh),
                   nn::Sigmoid());
  const std::string n = "gelu_layernorm_stack";
  check_model(n, m, loaded(m, n)(npy(n, "x")), 1e-4, 1e-5);
}

TEST_CASE("parity: LogSoftmax head with Dropout (identity in eval)") {
  nn::Sequential m(nn::Linear(20, 10), nn::Dropout(0.3), nn::LogSoftmax(-1));
  const std::string n = "log_softmax_head";
  check_model(n, m, loaded(m, n)(npy(n, "x")), 1e-4, 1e-5);
}

TEST_CASE("parity: Linear on 3-d input") {
  nn::Linear m(12, 7);
  const std::string n = "linear_3d";
  nr::Tensor y = loaded(m, n)(npy(n, "x"));
  CHECK(y.shape() == nr::Shape{2, 3, 7});
  check_model(n, m, y, 1e-4, 1e-5);
}

TEST_CASE("parity: TransformerEncoderLayer") {
  nn::TransformerEncoderLayer m(32, 4, 64, 0.0);
  const std::string n = "transformer_encoder_layer";
  check_model(n, m, loaded(m, n)(npy(n, "x")), 1e-3, 1e-4);
}

TEST_CASE("parity: TransformerEncoderLayer with a key padding mask") {
  nn::TransformerEncoderLayer m(32, 4, 64, 0.0);
  const std::string n = "transformer_encoder_layer_padded";
  nr::Tensor y = loaded(m, n).forward(npy(n, "x"), nr::Tensor(), npy(n, "mask"));
  check_model(n, m, y, 1e-3, 1e-4);
}

TEST_CASE("parity: MultiheadAttention, cross-attention with a float mask") {
  nn::MultiheadAttention m(24, 3);
  const std::string n = "multihead_attention";
  nr::Tensor y = loaded(m, n).forward(npy(n, "q"), npy(n, "k"), npy(n, "v"), npy(n, "mask"));
  check_model(n, m, y, 1e-3, 1e-4);
}
