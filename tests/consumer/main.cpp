#include <neuron/neuron.hpp>

#include <iostream>

int main() {
  namespace nr = neuron;
  nr::manual_seed(0);
  nr::Tensor a = nr::rand({4, 8});
  nr::Tensor y = nr::softmax(nr::matmul(nr::relu(a - 0.5f), nr::transpose(a, 0, 1)), -1);
  float total = nr::sum(y).item<float>();
  std::cout << "consumer of neuron " << nr::version_string << ": row sums total " << total << "\n";
  return std::abs(total - 4.0f) < 1e-4f ? 0 : 1;
}
