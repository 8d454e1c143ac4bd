// Writes traced modules with inputs and the eager outputs they must reproduce, for the runtime-only
// test program (which cannot trace): <dir>/{mlp,encoder}.neuron, <name>_x.npy, <name>_y.npy.
#include <neuron/neuron.hpp>

#include <cstdio>
#include <string>

namespace nr = neuron;
namespace nn = neuron::nn;

template <class M>
void write(const std::string& dir, const std::string& name, M& model, const nr::Tensor& x) {
  nr::trace(model, x).save(dir + "/" + name + ".neuron");
  nr::save_npy(dir + "/" + name + "_x.npy", x);
  nr::save_npy(dir + "/" + name + "_y.npy", model(x));
}

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  const std::string dir = argv[1];
  nr::manual_seed(0);
  nn::Sequential mlp(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  mlp.eval();
  write(dir, "mlp", mlp, nr::rand({1, 784}));
  nr::save_safetensors(dir + "/mlp_state.safetensors", mlp.state_dict());  // for the Python reader
  // Attention, layer norm, GELU-free ReLU FFN: fused expressions with scalars, rebuilt from JSON.
  nn::TransformerEncoderLayer enc(32, 4, 64, 0.0);
  enc.eval();
  write(dir, "encoder", enc, nr::randn({2, 5, 32}));
  std::printf("wrote modules to %s\n", dir.c_str());
  return 0;
}
