// Writes the model repository the server's tests run against, with inputs and the outputs an
// unbatched TracedModule call gives (what the server must return):
//   OUT/models/mlp/{1,2}/model.neuron   MLP 784-120-10 + softmax, dynamic batch (traced at 1),
//                                       versions with different weights; config.json
//   OUT/models/tagger/1/model.neuron    per-token tagger, buckets [1, 8], [4, 8], [4, 16] (batch,
//   length)
//                                       ragged requests batch together; config.json
//   OUT/models/broken/1/model.neuron    not a module file: fails to load
//   OUT/expected/mlp_x.npy [3, 784], mlp_v1_y.npy, mlp_v2_y.npy [3, 10],
//                tagger_ids.npy [2, 11] int64, tagger_y.npy [2, 11, 5]
#include <neuron/neuron.hpp>

#include <sys/stat.h>

#include <cstdio>
#include <fstream>
#include <string>

namespace nr = neuron;
namespace nn = neuron::nn;

namespace {

void make_dirs(const std::string& path) {
  for (std::size_t i = 1; i <= path.size(); ++i)
    if (i == path.size() || path[i] == '/') ::mkdir(path.substr(0, i).c_str(), 0755);
}

void write_text(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

nn::Sequential mlp() {
  nn::Sequential m(nn::Linear(784, 120), nn::ReLU(), nn::Linear(120, 10), nn::Softmax(-1));
  m.eval();
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output dir>\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1], models = out + "/models", expected = out + "/expected";
  make_dirs(expected);
  nr::manual_seed(0);
  const nr::Tensor x = nr::rand({3, 784});
  nr::save_npy(expected + "/mlp_x.npy", x);
  nr::TraceOptions dyn;
  dyn.dynamic_batch = true;
  for (int version : {1, 2}) {
    nn::Sequential m = mlp();
    const std::string dir = models + "/mlp/" + std::to_string(version);
    make_dirs(dir);
    nr::TracedModule t = nr::trace(m, nr::rand({1, 784}), dyn);
    t.save(dir + "/model.neuron");
    nr::save_npy(expected + "/mlp_v" + std::to_string(version) + "_y.npy", t(x));
  }
  write_text(models + "/mlp/config.json",
             R"({"max_batch_size": 8, "max_queue_delay_us": 2000, "instances": 1})");

  nn::Sequential tagger(nn::Embedding(1000, 32), nn::Linear(32, 64), nn::GELU(), nn::Linear(64, 5),
                        nn::LogSoftmax(-1));
  tagger.eval();
  auto ids = [](std::int64_t b, std::int64_t len) {
    return nr::randint(0, 1000, {b, len}, nr::int64);
  };
  nr::BucketOptions bo;
  bo.pad_value = 0;
  nr::TracedModule tt = nr::trace_buckets(tagger, {ids(1, 8), ids(4, 8), ids(4, 16)}, bo);
  make_dirs(models + "/tagger/1");
  tt.save(models + "/tagger/1/model.neuron");
  write_text(models + "/tagger/config.json",
             R"({"max_batch_size": 4, "max_queue_delay_us": 2000, "input_names": ["input_ids"],
                 "output_names": ["log_probs"]})");
  const nr::Tensor tid = ids(2, 11);
  nr::save_npy(expected + "/tagger_ids.npy", tid);
  nr::save_npy(expected + "/tagger_y.npy", tt(tid));

  make_dirs(models + "/broken/1");
  write_text(models + "/broken/1/model.neuron", "this is not a module file");
  std::printf("wrote the serving test repository to %s\n", out.c_str());
  return 0;
}
