// Load a model trained in PyTorch: write the same model in neuron's DSL, load PyTorch's state_dict
// saved as safetensors, run it on an input saved with numpy, save the output.
//
// The Python side (PyTorch + the `safetensors` package):
//
//   import torch, numpy as np
//   from safetensors.torch import save_file
//   model = torch.nn.Sequential(torch.nn.Linear(784, 120), torch.nn.ReLU(),
//                               torch.nn.Linear(120, 10), torch.nn.Softmax(-1))
//   ... train ...
//   save_file(model.state_dict(), "mlp.safetensors")      # keys "0.weight", "0.bias", "2.weight",
//   ... np.save("x.npy", torch.rand(3, 784).numpy()) # later, to compare: np.load("y.npy") against
//   model(torch.from_numpy(np.load("x.npy")))
//
// Without the safetensors package, tests/fixtures/make_nn_fixtures.py shows the ten lines of
// Python that write the format by hand.
//
// Usage: load_pytorch_weights [mlp.safetensors x.npy y.npy]
// With no arguments it uses the MLP fixture committed under tests/fixtures/nn/mlp.
#include <neuron/neuron.hpp>

#include <iostream>
#include <string>

namespace nr = neuron;
namespace nn = neuron::nn;

int main(int argc, char** argv) {
  std::string dir = std::string(NEURON_SOURCE_DIR) + "/tests/fixtures/nn/mlp/";
  std::string weights = argc > 1 ? argv[1] : dir + "weights.safetensors";
  std::string input = argc > 2 ? argv[2] : dir + "x.npy";
  std::string output = argc > 3 ? argv[3] : "y.npy";
  try {
    nn::Sequential model(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
    model.load_state_dict(nr::load_safetensors(weights));  // strict: errors name every bad key
    model.eval();
    nr::Tensor y = model(nr::load_npy(input));
    nr::save_npy(output, y);
    std::cout << "output " << y.shape() << " written to " << output << "\n" << y << "\n";
    if (argc <= 1) {  // compare with PyTorch's own output for the fixture
      nr::Tensor want = nr::load_npy(dir + "y.npy");
      float worst = nr::max(nr::abs(y - want)).item<float>();
      std::cout << "max |neuron - pytorch| = " << worst << "\n";
    }
  } catch (const nr::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
