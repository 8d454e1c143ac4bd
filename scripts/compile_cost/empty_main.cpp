// Only the umbrella header.
#include <neuron/neuron.hpp>
int main() {}
