// nn's transformer stacks and ModuleList: PyTorch's parameter names, options, copies and errors.
// Numerical parity with PyTorch is in tests/seq/model_parity.cpp.
#include "test_util.hpp"

namespace nn = neuron::nn;

namespace {

bool has_key(const nr::StateDict& d, const std::string& k) { return d.find(k) != d.end(); }

}  // namespace

TEST_CASE("TransformerEncoder copies its layer with PyTorch's names") {
  nn::TransformerEncoderLayer layer(nn::TransformerEncoderLayerOptions(16, 2)
                                        .dim_feedforward(32)
                                        .dropout(0.0)
                                        .activation("gelu")
                                        .norm_first(true)
                                        .layer_norm_eps(1e-6));
  nn::TransformerEncoder enc(layer, 3, std::make_shared<nn::LayerNorm>(16));
  const nr::StateDict d = enc.state_dict();
  CHECK(has_key(d, "layers.0.self_attn.in_proj_weight"));
  CHECK(has_key(d, "layers.2.linear2.bias"));
  CHECK(has_key(d, "norm.weight"));
  CHECK(d.size() == 3 * layer.state_dict().size() + 2);
  CHECK(enc.num_layers() == 3);
  CHECK(enc.layer(1).options().activation() == "gelu");
  // Separate parameters with the prototype's values, as torch's deepcopy.
  const nr::Tensor w0 = d.at("layers.0.linear1.weight"), w1 = d.at("layers.1.linear1.weight");
  test::check_equal(w0, layer.state_dict().at("linear1.weight"));
  CHECK(w0.data<float>() != w1.data<float>());
  CHECK_THROWS_WITH_ALL(enc.layer(3), nr::IndexError, "layer 3 out of range for 3");
}

TEST_CASE("transformer layers run pre-norm and post-norm with float and bool masks") {
  nr::manual_seed(3);
  for (bool norm_first : {false, true}) {
    nn::TransformerEncoderLayer layer(
        nn::TransformerEncoderLayerOptions(8, 2).dim_feedforward(16).dropout(0.0).norm_first(
            norm_first));
    layer.eval();
    const nr::Tensor x = nr::randn({2, 5, 8});
    nr::Tensor pad = nr::zeros({2, 5}, nr::bool_);
    pad.data<bool>()[8] = pad.data<bool>()[9] = true;  // batch 1: the last two keys are padding
    // A bool mask and the equivalent additive float mask give the same result.
    nr::Tensor float_pad = nr::where(pad, -INFINITY, nr::zeros({2, 5}));
    test::check_close(layer.forward(x, {}, pad), layer.forward(x, {}, float_pad), 1e-6, 1e-6);
    // Padded keys do not change the real positions' results.
    const nr::Tensor real = nr::slice(nr::slice(x, 0, 1, 2), 1, 0, 3);
    test::check_close(nr::slice(nr::slice(layer.forward(x, {}, pad), 0, 1, 2), 1, 0, 3),
                      layer.forward(real), 1e-5, 1e-6);
  }
}

TEST_CASE("transformer options and calls are checked") {
  CHECK_THROWS_WITH_ALL(
      nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(8, 2).activation("tanh")),
      nr::ValueError, "activation must be \"relu\" or \"gelu\", got \"tanh\"");
  CHECK_THROWS_WITH_ALL(nn::TransformerEncoderLayer(nn::TransformerEncoderLayerOptions(8, 3)),
                        nr::ValueError, "multiple of num_heads");
  nn::TransformerDecoderLayer dec(nn::TransformerDecoderLayerOptions(8, 2).dim_feedforward(16));
  CHECK_THROWS_WITH_ALL(dec.forward(nr::randn({1, 3, 8})), nr::ValueError, "needs the encoder");
  CHECK(has_key(dec.state_dict(), "multihead_attn.out_proj.weight"));
  CHECK(has_key(dec.state_dict(), "norm3.bias"));
  CHECK_THROWS_WITH_ALL(nn::TransformerDecoder(dec, -1), nr::ValueError, "num_layers must be >= 0");
  nn::TransformerEncoderLayer enc(8, 2, 16, 0.0);
  CHECK_THROWS_WITH_ALL(enc.forward(nr::randn({1, 3, 8}), {}, nr::zeros({1, 4}, nr::bool_)),
                        nr::ShapeError, "key_padding_mask must be bool or float32 [1, 3]");
}

TEST_CASE("ModuleList names its modules by position and is not callable") {
  nn::ModuleList list;
  list.push_back(nn::Linear(4, 3));
  list.push_back(std::make_shared<nn::ReLU>());
  CHECK(list.size() == 2);
  CHECK(has_key(list.state_dict(), "0.weight"));
  CHECK(list.at<nn::Linear>(0).weight().shape() == nr::Shape{3, 4});
  CHECK_THROWS_WITH_ALL(list.at<nn::Linear>(1), nr::ValueError, "module 1 is a ReLU");
  CHECK_THROWS_WITH_ALL(list[2], nr::IndexError, "index 2 out of range for 2");
  CHECK_THROWS_WITH_ALL(list.forward(nr::rand({4})), nr::ValueError, "ModuleList has no forward");
  CHECK_THROWS_WITH_ALL(list.push_back(std::shared_ptr<nn::Module>()), nr::ValueError,
                        "empty module pointer");
}
