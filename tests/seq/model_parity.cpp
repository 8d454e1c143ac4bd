// The sequence models of examples/ (TinyGPT, TinyBert) and nn's transformer decoder layers load
// PyTorch's state_dicts strictly and match PyTorch (tests/fixtures/make_seq_model_fixtures.py, run
// by ctest first): logits and hidden states within rtol 1e-4 (1e-3 for stacks of attention
// layers), and TinyGPT's 32 greedy tokens exactly, generated four ways: eagerly, lazily growing
// the sequence (one compile per length), lazily with a static KV cache (exactly 2 compiles), and
// by a traced decode step. The traced step is saved for the runtime-only program
// (runtime_only_generate.cpp).
// Usage: neuron_seq_parity FIXTURE_DIR
#include <cstdio>
#include <string>
#include <vector>

#include <neuron/neuron.hpp>

#include "bert_model.hpp"
#include "gpt_generate.hpp"
#include "gpt_generate_runtime.hpp"
#include "vision/compare.hpp"

namespace nr = neuron;
namespace nn = neuron::nn;
using vision_test::compare;
using vision_test::report;

namespace {

std::vector<std::int64_t> ints(const nr::Tensor& t) {
  const nr::Tensor c = t.to(nr::int64);
  return std::vector<std::int64_t>(c.data<std::int64_t>(), c.data<std::int64_t>() + c.numel());
}

bool same_tokens(const std::string& mode, const std::vector<std::int64_t>& got,
                 const std::vector<std::int64_t>& want) {
  std::size_t first_diff = 0;
  while (first_diff < got.size() && first_diff < want.size() && got[first_diff] == want[first_diff])
    ++first_diff;
  const bool ok = got == want;
  std::printf("| TinyGPT      | %-22s | %zu of %zu tokens as PyTorch | %s |\n", mode.c_str(),
              first_diff, want.size(), ok ? "pass" : "FAIL");
  std::fflush(stdout);
  return ok;
}

bool check_gpt(const std::string& dir) {
  const std::string d = dir + "/gpt";
  const nr::StateDict weights = nr::load_safetensors(d + "/weights.safetensors");
  const nr::Tensor prompt_t = nr::load_npy(d + "/prompt.npy");
  const nr::Tensor want_logits = nr::load_npy(d + "/prompt_logits.npy");
  const std::vector<std::int64_t> prompt = ints(prompt_t),
                                  want = ints(nr::load_npy(d + "/tokens.npy"));
  const int n = static_cast<int>(want.size());
  constexpr double kRtol = 1e-3, kAtol = 1e-4;  // two attention layers
  auto make = [&] {
    auto m = std::make_shared<gpt::TinyGPT>(gpt::Config{});
    m->load_state_dict(weights);  // strict: PyTorch's keys, nothing else
    m->eval();
    return m;
  };
  bool ok = true;

  auto eager = make();
  ok &= report("TinyGPT", "eager logits",
               compare(eager->forward(prompt_t), want_logits, kRtol, kAtol));
  ok &= same_tokens("eager greedy", gpt::generate_greedy(*eager, prompt, n), want);

  auto lazy = make();
  lazy->to(nr::lazy_device());
  nr::Tensor lazy_logits = lazy->forward(prompt_t.to(nr::lazy_device()));
  nr::mark_step();
  ok &= report("TinyGPT", "lazy logits", compare(lazy_logits.cpu(), want_logits, kRtol, kAtol));

  nr::metrics::reset();
  ok &= same_tokens("lazy, growing", gpt::generate_lazy_growing(*lazy, prompt, n), want);
  const std::int64_t growing_compiles = nr::metrics::counter("CompileCount");
  const auto log = nr::metrics::compile_log();
  std::printf("lazy, growing: %lld compiles for %d tokens; the second because: %s\n",
              static_cast<long long>(growing_compiles), n,
              log.size() > 1 ? log[1].reason.c_str() : "(no log)");
  ok &= growing_compiles == n;
  ok &= log.size() > 1 && log[1].reason.find("input 0 shape") != std::string::npos;

  nr::metrics::reset();
  ok &= same_tokens("lazy, static KV cache", gpt::generate_lazy_cached(*lazy, prompt, n), want);
  const std::int64_t cached_compiles = nr::metrics::counter("CompileCount");
  std::printf("lazy, static KV cache: %lld compiles for %d tokens (want 2)\n",
              static_cast<long long>(cached_compiles), n);
  ok &= cached_compiles == 2;

  // TinyGPT's operator() is the KV-cached step (what trace(model, ...) records); the full forward
  // is traced through a lambda.
  nr::TracedModule full =
      nr::trace([&](const nr::Tensor& ids) { return eager->forward(ids); }, prompt_t);
  ok &= report("TinyGPT", "traced logits", compare(full(prompt_t), want_logits, kRtol, kAtol));

  std::vector<nr::Tensor> step_example = {nr::tensor<std::int64_t>({{0}}),
                                          nr::tensor<std::int64_t>({0})};
  for (nr::Tensor& c : eager->empty_cache(1)) step_example.push_back(c);
  nr::TracedModule step = nr::trace(*eager, step_example);
  ok &= same_tokens("traced decode step", gpt::generate_traced(step, prompt, n), want);
  step.save(d + "/gpt_step.neuron");
  ok &= same_tokens("traced, saved + loaded",
                    gpt::generate_traced(nr::load(d + "/gpt_step.neuron"), prompt, n), want);
  return ok;
}

bool check_bert(const std::string& dir) {
  const std::string d = dir + "/bert";
  const nr::StateDict weights = nr::load_safetensors(d + "/weights.safetensors");
  const std::vector<nr::Tensor> in = {nr::load_npy(d + "/ids.npy"), nr::load_npy(d + "/types.npy"),
                                      nr::load_npy(d + "/padding.npy")};
  const nr::Tensor want_seq = nr::load_npy(d + "/sequence.npy"),
                   want_pooled = nr::load_npy(d + "/pooled.npy");
  constexpr double kRtol = 1e-3, kAtol = 1e-4;  // two attention layers
  bert::TinyBert model(bert::Config{});
  model.load_state_dict(weights);
  model.eval();
  bool ok = true;
  auto check = [&](const std::string& mode, const std::vector<nr::Tensor>& out) {
    ok &= report("TinyBert", mode + ", sequence", compare(out[0], want_seq, kRtol, kAtol));
    ok &= report("TinyBert", mode + ", pooled", compare(out[1], want_pooled, kRtol, kAtol));
  };
  check("eager", model(in));

  bert::TinyBert lazy(bert::Config{});
  lazy.load_state_dict(weights);
  lazy.eval();
  lazy.to(nr::lazy_device());
  std::vector<nr::Tensor> lazy_in;
  for (const nr::Tensor& t : in) lazy_in.push_back(t.to(nr::lazy_device()));
  std::vector<nr::Tensor> y = lazy(lazy_in);
  nr::mark_step();
  check("lazy", {y[0].cpu(), y[1].cpu()});

  nr::TracedModule traced = nr::trace(model, in);
  check("traced", traced.forward(in));
  const std::string bytes = traced.to_bytes();
  check("traced, saved + loaded", nr::load_from_memory(bytes.data(), bytes.size()).forward(in));

  // Bucketed over the length {16, 32, 64}: the batch of length 12 runs padded to 16 (ids with 0,
  // types with 0, the key padding mask with true), and the padding is sliced off the outputs.
  std::vector<std::vector<nr::Tensor>> buckets;
  for (std::int64_t len : {16, 32, 64})
    buckets.push_back({nr::zeros({3, len}, nr::int64), nr::zeros({3, len}, nr::int64),
                       nr::zeros({3, len}, nr::bool_)});
  nr::BucketOptions o;
  o.pad_values = {0, 0, 1};
  nr::TracedModule bucketed = nr::trace_buckets(model, buckets, o);
  check("traced buckets 16/32/64", bucketed.forward(in));
  const std::string bucket_bytes = bucketed.to_bytes();
  check("buckets, saved + loaded",
        nr::load_from_memory(bucket_bytes.data(), bucket_bytes.size()).forward(in));
  return ok;
}

template <class Layer>
bool check_decoder(const std::string& dir, const std::string& name, Layer& layer) {
  const std::string d = dir + "/" + name;
  layer.load_state_dict(nr::load_safetensors(d + "/weights.safetensors"));
  layer.eval();
  const nr::Tensor tgt = nr::load_npy(d + "/tgt.npy"), memory = nr::load_npy(d + "/memory.npy"),
                   tgt_mask = nr::load_npy(d + "/tgt_mask.npy"),
                   memory_padding = nr::load_npy(d + "/memory_padding.npy"),
                   want = nr::load_npy(d + "/y.npy");
  auto f = [&](const std::vector<nr::Tensor>& x) {
    return std::vector<nr::Tensor>{layer.forward(x[0], x[1], x[2], {}, {}, x[3])};
  };
  const std::vector<nr::Tensor> in = {tgt, memory, tgt_mask, memory_padding};
  bool ok = report(name, "eager", compare(f(in)[0], want, 1e-4, 1e-5));
  std::vector<nr::Tensor> lazy_in;
  for (const nr::Tensor& t : in) lazy_in.push_back(t.to(nr::lazy_device()));
  layer.to(nr::lazy_device());
  nr::Tensor y = f(lazy_in)[0];
  nr::mark_step();
  layer.to(nr::cpu());
  ok &= report(name, "lazy", compare(y.cpu(), want, 1e-4, 1e-5));
  const std::string bytes = nr::trace(f, in).to_bytes();
  ok &= report(
      name, "traced, saved + loaded",
      compare(nr::load_from_memory(bytes.data(), bytes.size()).forward(in)[0], want, 1e-4, 1e-5));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FIXTURE_DIR\n", argv[0]);
    return 2;
  }
  try {
    const std::string dir = argv[1];
    std::printf(
        "| model | mode | max abs error | max rel error | max abs / max |want| | |\n"
        "|---|---|---|---|---|---|\n");
    bool ok = check_gpt(dir);
    ok &= check_bert(dir);
    nn::TransformerDecoderLayer layer(
        nn::TransformerDecoderLayerOptions(32, 4).dim_feedforward(64).dropout(0.0));
    ok &= check_decoder(dir, "decoder_layer", layer);
    nn::TransformerDecoder stack(
        nn::TransformerDecoderLayer(nn::TransformerDecoderLayerOptions(32, 4)
                                        .dim_feedforward(64)
                                        .dropout(0.0)
                                        .activation("gelu")
                                        .norm_first(true)),
        2, std::make_shared<nn::LayerNorm>(32));
    ok &= check_decoder(dir, "decoder_stack", stack);
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
