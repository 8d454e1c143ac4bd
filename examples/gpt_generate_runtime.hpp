// Greedy generation with a traced TinyGPT decode step (examples/gpt_model.hpp's step(), traced on
// ids [1, 1]). Needs only <neuron/runtime.hpp>: a program linked to neuron::runtime alone runs it.
// The prompt is fed one token at a time through the same step (the cache fills as it goes), then
// each step's argmax becomes the next input.
#pragma once

#include <cstdint>
#include <vector>

#include <neuron/runtime.hpp>

namespace gpt {

inline std::vector<std::int64_t> generate_traced(const neuron::TracedModule& step,
                                                 const std::vector<std::int64_t>& prompt,
                                                 int new_tokens) {
  namespace nr = neuron;
  const std::vector<nr::TensorSpec>& in = step.input_specs();
  if (in.size() < 4 || in[0].shape != nr::Shape{1, 1} || in[1].shape != nr::Shape{1})
    nr::throw_error<nr::ValueError>(
        "generate_traced: expected a decode step traced on ids [1, 1], pos [1] and caches");
  const std::int64_t max_len = in[2].shape[2];
  if (prompt.empty() || static_cast<std::int64_t>(prompt.size()) + new_tokens > max_len)
    nr::throw_error<nr::ValueError>("generate_traced: prompt of ", prompt.size(), " plus ",
                                    new_tokens, " tokens does not fit the cache of ", max_len);
  std::vector<nr::Tensor> args(in.size());
  for (std::size_t i = 2; i < in.size(); ++i) args[i] = nr::zeros(in[i].shape);
  std::vector<std::int64_t> out;
  std::int64_t next = prompt[0];
  const std::int64_t total = static_cast<std::int64_t>(prompt.size()) + new_tokens - 1;
  for (std::int64_t pos = 0; pos < total; ++pos) {
    args[0] = nr::tensor<std::int64_t>({{next}});
    args[1] = nr::tensor<std::int64_t>({pos});
    std::vector<nr::Tensor> r = step.forward(args);  // {logits [1, 1, vocab], k_0, v_0, ...}
    for (std::size_t i = 2; i < in.size(); ++i) args[i] = r[i - 1];
    const std::int64_t predicted = nr::argmax(r[0]).item<std::int64_t>();
    if (pos + 1 < static_cast<std::int64_t>(prompt.size())) {
      next = prompt[static_cast<std::size_t>(pos + 1)];  // still reading the prompt
    } else {
      next = predicted;
      out.push_back(next);
    }
  }
  return out;
}

}  // namespace gpt
