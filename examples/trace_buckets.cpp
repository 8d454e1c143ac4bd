// Buckets: a per-token tagger traced for sequence lengths 8, 16 and 32, in one module with the
// weights stored once. A call pads its ids to the smallest bucket that fits and gets its own length
// back. Attention mixes positions: without a mask it is refused at trace time, naming the op; with
// a key padding mask padded with true (masked), the padded keys get probability 0 and it buckets.
#include <neuron/neuron.hpp>

#include <cstdio>
#include <iostream>

namespace nr = neuron;
namespace nn = neuron::nn;

int main() {
  nr::manual_seed(0);
  nn::Sequential tagger(nn::Embedding(1000, 32), nn::Linear(32, 64), nn::GELU(), nn::Linear(64, 5),
                        nn::LogSoftmax(-1));
  tagger.eval();
  auto ids = [](std::int64_t len) { return nr::randint(0, 1000, {1, len}, nr::int64); };
  nr::BucketOptions options;
  options.pad_value = 0;  // a valid token id
  nr::TracedModule tm = nr::trace_buckets(tagger, {ids(8), ids(16), ids(32)}, options);
  std::printf("%zu buckets, %zu weights stored once; %s\n", tm.bucket_count(),
              tm.weight_names().size(), tm.memory_plan().str().c_str());
  for (std::int64_t len : {3, 8, 13, 32}) {
    nr::Tensor x = ids(len);
    nr::Tensor y = tm(x);
    nr::Tensor want = tagger(x);
    double worst = 0;
    for (std::int64_t i = 0; i < y.numel(); ++i)
      worst = std::max(worst,
                       static_cast<double>(std::abs(y.data<float>()[i] - want.data<float>()[i])));
    std::cout << "length " << len << " -> output " << y.shape()
              << ", max |traced - eager| = " << worst << "\n";
  }
  try {
    tm(ids(40));
  } catch (const nr::ShapeError& e) {
    std::printf("length 40: %s\n", e.what());
  }
  nn::TransformerEncoderLayer encoder(32, 4, 64, 0.0);
  encoder.eval();
  try {
    nr::trace_buckets(encoder, {nr::randn({1, 8, 32}), nr::randn({1, 16, 32})}, options);
  } catch (const nr::ValueError& e) {
    std::printf("attention over padded positions is refused:\n  %s\n", e.what());
  }
  auto masked = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{encoder.forward(in[0], nr::Tensor(), in[1])};
  };
  auto example = [](std::int64_t len) {
    return std::vector<nr::Tensor>{nr::randn({1, len, 32}), nr::zeros({1, len}, nr::bool_)};
  };
  nr::BucketOptions mask_options;
  mask_options.pad_values = {0, 1};  // the features: 0; the key padding mask: true (masked)
  nr::TracedModule bucketed = nr::trace_buckets(masked, {example(8), example(16)}, mask_options);
  const std::vector<nr::Tensor> in = example(11);
  nr::Tensor got = bucketed.forward(in)[0], want = masked(in)[0];
  double worst = 0;
  for (std::int64_t i = 0; i < got.numel(); ++i)
    worst = std::max(worst,
                     static_cast<double>(std::abs(got.data<float>()[i] - want.data<float>()[i])));
  std::cout << "with a key padding mask: length 11 -> " << got.shape()
            << ", max |traced - eager| = " << worst << "\n";
  return 0;
}
