// The BERT-style encoder the benchmarks run (bench_models' "bert" workload, bench_seq's bucketed
// and per-length BERTs): 4 layers of d_model 256, 4 heads, feed-forward 1024, vocab 8192, up to
// 64 tokens. bench/make_bench_models.py builds the same model in torch for the fixtures.
#pragma once

#include "bert_model.hpp"

namespace neuron_bench {

inline bert::Config tiny_bert_config() {
  bert::Config c;
  c.vocab = 8192;
  c.d_model = 256;
  c.n_head = 4;
  c.d_ff = 1024;
  c.n_layer = 4;
  c.max_len = 64;
  return c;
}

}  // namespace neuron_bench
