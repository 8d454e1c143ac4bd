// The .neuron files of scripts/bench_serve.sh's "neuron-serve (.neuron from the DSL)" server: the
// models that bench/make_serve_models.py exports to ONNX, written in neuron's C++ DSL instead
// (examples/vision_models.hpp: vision::ResNet18; examples/bert_model.hpp with
// bench/tiny_bert_config.hpp: bert::TinyBert), loaded with the same weights (the folder's
// weights.safetensors, torch's state_dict) and traced with nr::trace_buckets over the batch sizes
// 1, 2, 4, 8 and 16: what a neuron user deploys, a module that runs a dynamic batch at its own
// bucket. bert's inputs are ids, types [B, 64] int64 and padding [B, 64] bool; a padded batch row
// gets ids 0, types 0 and padding false (0), so its keys are not all masked (an all-masked row
// would be a softmax over nothing) and it never mixes with the real rows. When neuron refuses a
// model's bucket of batch 1 (bert's, so far: the key padding mask's batch dim of 1 is taken for a
// broadcast dim), the model is traced without it, batch 1 runs padded to the next bucket, and a
// line "NOTE: ..." says so (scripts/bench_serve.sh quotes it).
// Before writing, each module's outputs are checked against torch's (the folder's y<i>.npy for
// batch 1, y<i>_b2.npy for batch 2) at batch 1, 2, 3 (batch 2 then batch 1: padded to the bucket
// of 4) and 16 (the largest bucket); a mismatch is an error and nothing is written.
// Usage: make_serve_neuron_models MODELS_DIR [MODEL...] [--buckets 1,2,4,8,16]
//   MODELS_DIR is bench/make_serve_models.py's output (models.json, <model>/weights.safetensors,
//   the inputs and outputs); MODEL: resnet18 or bert (default: both). Writes
//   MODELS_DIR/<model>/model.neuron and prints one line per model.
#include <neuron/neuron.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bert_model.hpp"
#include "tiny_bert_config.hpp"
#include "vision_models.hpp"

namespace nr = neuron;

namespace {

[[noreturn]] void usage(const std::string& why) {
  std::fprintf(stderr,
               "make_serve_neuron_models: %s\nusage: make_serve_neuron_models MODELS_DIR "
               "[resnet18] [bert] [--buckets 1,2,4,8,16]\n",
               why.c_str());
  std::exit(2);
}

// Rows [0, n) of x, with x's rows cycled when n is larger than its batch.
nr::Tensor rows(const nr::Tensor& x, std::int64_t n) {
  const std::int64_t b = x.size(0);
  std::vector<nr::Tensor> parts;
  for (std::int64_t done = 0; done < n; done += b)
    parts.push_back(nr::slice(x, 0, 0, std::min(b, n - done)));
  return parts.size() == 1 ? parts[0] : nr::concat(parts, 0);
}

std::vector<nr::Tensor> rows(const std::vector<nr::Tensor>& xs, std::int64_t n) {
  std::vector<nr::Tensor> out;
  for (const nr::Tensor& x : xs) out.push_back(rows(x, n));
  return out;
}

std::vector<nr::Tensor> cat(const std::vector<nr::Tensor>& a, const std::vector<nr::Tensor>& b) {
  std::vector<nr::Tensor> out;
  for (std::size_t i = 0; i < a.size(); ++i) out.push_back(nr::concat({a[i], b[i]}, 0));
  return out;
}

// The worst |got - want| over the tolerance of bench/make_serve_models.py's check (rtol 1e-3,
// atol 1e-3 * max|want| + 1e-4): <= 1 passes. Shapes must agree.
double worst_ratio(const nr::Tensor& got_in, const nr::Tensor& want_in, std::string* why) {
  if (got_in.shape() != want_in.shape()) {
    std::ostringstream s;
    s << "shape " << got_in.shape() << ", expected " << want_in.shape();
    *why = s.str();
    return INFINITY;
  }
  const nr::Tensor got = got_in.to(nr::float32), want = want_in.to(nr::float32);
  const float* g = got.data<float>();
  const float* w = want.data<float>();
  double peak = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) peak = std::max(peak, std::fabs(double(w[i])));
  const double atol = 1e-3 * peak + 1e-4;
  double worst = 0, worst_diff = 0;
  for (std::int64_t i = 0; i < want.numel(); ++i) {
    const double d = std::fabs(double(g[i]) - double(w[i]));
    const double r = d / (atol + 1e-3 * std::fabs(double(w[i])));
    if (!(r <= worst)) worst = std::isnan(d) ? INFINITY : r;
    worst_diff = std::max(worst_diff, d);
  }
  std::ostringstream s;
  s << "max |diff| " << worst_diff << " (atol " << atol << ")";
  *why = s.str();
  return worst;
}

struct Fixture {
  std::vector<std::string> input_files;  // in the model's input order
  std::size_t outputs = 0;
};

void check(const std::string& name, const nr::TracedModule& tm, const std::string& dir,
           const Fixture& f) {
  std::vector<nr::Tensor> in1, in2, want1, want2;
  for (const std::string& i : f.input_files) {
    in1.push_back(nr::load_npy(dir + "/" + i + ".npy"));
    in2.push_back(nr::load_npy(dir + "/" + i + "_b2.npy"));
  }
  for (std::size_t o = 0; o < f.outputs; ++o) {
    want1.push_back(nr::load_npy(dir + "/y" + std::to_string(o) + ".npy"));
    want2.push_back(nr::load_npy(dir + "/y" + std::to_string(o) + "_b2.npy"));
  }
  struct Case {
    std::string what;
    std::vector<nr::Tensor> in, want;
  };
  const std::vector<Case> cases = {
      {"batch 1", in1, want1},
      {"batch 2", in2, want2},
      {"batch 3 (bucket 4)", cat(in2, in1), cat(want2, want1)},
      {"batch 16", rows(in2, 16), rows(want2, 16)},
  };
  std::string report;
  for (const Case& c : cases) {
    const std::vector<nr::Tensor> got = tm.forward(c.in);
    if (got.size() != c.want.size())
      throw std::runtime_error(name + " " + c.what + ": " + std::to_string(got.size()) +
                               " outputs, expected " + std::to_string(c.want.size()));
    for (std::size_t o = 0; o < got.size(); ++o) {
      std::string why;
      if (worst_ratio(got[o], c.want[o], &why) > 1.0)
        throw std::runtime_error(name + " " + c.what + " output y" + std::to_string(o) +
                                 " differs from torch's: " + why);
      if (o == 0) report += (report.empty() ? "" : "; ") + c.what + " " + why;
    }
  }
  std::printf("%s: outputs match torch's (%s)\n", name.c_str(), report.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  std::vector<std::string> models;
  std::vector<std::int64_t> buckets = {1, 2, 4, 8, 16};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--buckets") {
      if (i + 1 >= argc) usage("missing value after --buckets");
      buckets.clear();
      std::stringstream s(argv[++i]);
      for (std::string b; std::getline(s, b, ',');) buckets.push_back(std::atoll(b.c_str()));
      if (buckets.empty() || *std::min_element(buckets.begin(), buckets.end()) < 1)
        usage("--buckets: batch sizes >= 1, comma-separated");
    } else if (a.rfind("--", 0) == 0) {
      usage("unknown option " + a);
    } else if (dir.empty()) {
      dir = a;
    } else if (a == "resnet18" || a == "bert") {
      models.push_back(a);
    } else {
      usage("unknown model " + a);
    }
  }
  if (dir.empty()) usage("MODELS_DIR is needed");
  if (models.empty()) models = {"resnet18", "bert"};
  std::sort(buckets.begin(), buckets.end());
  try {
    for (const std::string& name : models) {
      const std::string d = dir + "/" + name;
      const nr::StateDict weights = nr::load_safetensors(d + "/weights.safetensors");
      nr::TracedModule tm;
      Fixture f;
      std::vector<std::int64_t> used = buckets;  // the batch sizes traced
      if (name == "resnet18") {
        vision::ResNet18 m;
        m.load_state_dict(weights);
        m.eval();
        const nr::Tensor x = nr::load_npy(d + "/x.npy");
        std::vector<nr::Tensor> examples;
        for (std::int64_t b : buckets) examples.push_back(rows(x, b));
        tm = nr::trace_buckets(m, examples);
        f = {{"x"}, 1};
      } else {
        bert::TinyBert m(neuron_bench::tiny_bert_config());
        m.load_state_dict(weights);
        m.eval();
        const std::vector<nr::Tensor> in = {nr::load_npy(d + "/ids.npy"),
                                            nr::load_npy(d + "/types.npy"),
                                            nr::load_npy(d + "/padding.npy")};
        std::vector<std::vector<nr::Tensor>> examples;
        for (std::int64_t b : buckets) examples.push_back(rows(in, b));
        nr::BucketOptions o;
        o.pad_values = {0, 0, 0};  // ids 0 and type 0: valid; padding false: keys not masked
        try {
          tm = nr::trace_buckets(m, examples, o);
        } catch (const nr::Error& e) {
          // neuron so far refuses bert's bucket of batch 1 (the key padding mask [1, 1, 1, 64] of
          // multihead_attention: its dim 0 of size 1 is taken for a broadcast one, which would
          // mix the padded rows); then batch 1 runs padded in the bucket of 2, and we say so.
          if (buckets.size() < 2 || buckets.front() != 1) throw;
          std::printf(
              "NOTE: %s: trace_buckets over batch sizes including 1 failed (%s); traced "
              "without the bucket of 1: a batch of 1 runs padded to %lld\n",
              name.c_str(), e.what(), static_cast<long long>(buckets[1]));
          examples.erase(examples.begin());
          used.erase(used.begin());
          tm = nr::trace_buckets(m, examples, o);
        }
        f = {{"ids", "types", "padding"}, 2};
      }
      check(name, tm, d, f);
      const std::string out = d + "/model.neuron";
      tm.save(out);
      std::string sizes;
      for (std::int64_t b : used) sizes += (sizes.empty() ? "" : ", ") + std::to_string(b);
      std::printf("%s: %s (buckets over the batch: %s; %zu plans, %zu weights)\n", name.c_str(),
                  out.c_str(), sizes.c_str(), tm.bucket_count(), tm.weight_names().size());
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_serve_neuron_models: %s\n", e.what());
    return 1;
  }
  return 0;
}
