// Greedy generation with TinyGPT (examples/gpt_model.hpp), eagerly and in lazy mode. The traced
// way is in gpt_generate_runtime.hpp (it needs only the runtime library).
//   generate_greedy          eager: the whole sequence runs again for every new token
//   generate_lazy_growing    lazy, same loop: each new length is a new graph, so one compile per
//                            token (the compile log says which input shape changed)
//   generate_lazy_cached     lazy with the static KV cache: the prefill graph and the decode-step
//                            graph, 2 compiles for any number of tokens
// The model must be on the device of the mode (model.to(nr::lazy_device()) for lazy).
#pragma once

#include <cstdint>
#include <vector>

#include "gpt_model.hpp"

namespace gpt {

namespace detail {

inline nr::Tensor ids_tensor(const std::vector<std::int64_t>& ids) {
  nr::Tensor t = nr::zeros({1, static_cast<std::int64_t>(ids.size())}, nr::int64);
  for (std::size_t i = 0; i < ids.size(); ++i) t.data<std::int64_t>()[i] = ids[i];
  return t;
}

// The greedy choice at the last position of logits [1, T, vocab]: a [1] int64 tensor.
inline nr::Tensor last_argmax(const nr::Tensor& logits) {
  const std::int64_t T = logits.size(1);
  return nr::argmax(nr::reshape(nr::slice(logits, 1, T - 1, T), {1, logits.size(2)}), -1);
}

}  // namespace detail

inline std::vector<std::int64_t> generate_greedy(TinyGPT& model,
                                                 const std::vector<std::int64_t>& prompt,
                                                 int new_tokens) {
  std::vector<std::int64_t> ids = prompt, out;
  for (int i = 0; i < new_tokens; ++i) {
    const std::int64_t next =
        detail::last_argmax(model.forward(detail::ids_tensor(ids))).item<std::int64_t>();
    ids.push_back(next);
    out.push_back(next);
  }
  return out;
}

inline std::vector<std::int64_t> generate_lazy_growing(TinyGPT& model,
                                                       const std::vector<std::int64_t>& prompt,
                                                       int new_tokens) {
  const nr::Device lazy = nr::lazy_device();
  std::vector<std::int64_t> ids = prompt, out;
  for (int i = 0; i < new_tokens; ++i) {
    nr::Tensor next = detail::last_argmax(model.forward(detail::ids_tensor(ids).to(lazy)));
    nr::mark_step();  // a new length: a new graph, compiled once
    ids.push_back(next.item<std::int64_t>());
    out.push_back(ids.back());
  }
  return out;
}

inline std::vector<std::int64_t> generate_lazy_cached(TinyGPT& model,
                                                      const std::vector<std::int64_t>& prompt,
                                                      int new_tokens) {
  const nr::Device lazy = nr::lazy_device();
  const std::int64_t P = static_cast<std::int64_t>(prompt.size());
  if (P + new_tokens > model.config().max_len)
    nr::throw_error<nr::ValueError>("generate_lazy_cached: ", P, " + ", new_tokens,
                                    " tokens exceed max_len ", model.config().max_len);
  std::vector<nr::Tensor> in = {detail::ids_tensor(prompt).to(lazy),
                                nr::tensor<std::int64_t>({0}).to(lazy)};
  for (nr::Tensor& c : model.empty_cache(1, lazy)) in.push_back(c);
  std::vector<std::int64_t> out;
  for (int i = 0; i < new_tokens; ++i) {
    std::vector<nr::Tensor> r = model.step(in);
    nr::Tensor next = detail::last_argmax(r[0]);
    nr::mark_step();  // the prefill graph once, then the same decode graph every time
    out.push_back(next.item<std::int64_t>());
    // Next step: the new token at position P + i; the caches stay on the device.
    in[0] = nr::reshape(next, {1, 1});
    in[1] = nr::tensor<std::int64_t>({P + i}).to(lazy);
    for (std::size_t k = 1; k < r.size(); ++k) in[k + 1] = r[k];
  }
  return out;
}

}  // namespace gpt
