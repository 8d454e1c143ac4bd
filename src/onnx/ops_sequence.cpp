// ONNX sequences inside a graph: lists of tensors that the host keeps while the graph runs (their
// structure is static, so nothing about them is recorded). Graph inputs and outputs stay tensors.
#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

// A position input (host), in [-n, n) or, for insertion, [-n, n].
std::int64_t position(OpContext& c, int input, std::int64_t n, bool insert) {
  std::vector<std::int64_t> p = c.ints(input);
  if (p.size() != 1) c.fail<ShapeError>("position must hold one value");
  std::int64_t at = p[0];
  const std::int64_t hi = insert ? n : n - 1;
  if (at < -n || at > hi)
    c.fail<IndexError>("position ", at, " is out of range for a sequence of ", n, " tensors");
  return at < 0 ? at + n : at;
}

}  // namespace

void run_SequenceEmpty(OpContext& c) { c.set_seq(0, {}); }

void run_SequenceConstruct(OpContext& c) {
  std::vector<Value> items;
  for (int i = 0; i < c.inputs(); ++i) items.push_back(c.raw(i));
  c.set_seq(0, std::move(items));
}

void run_SequenceInsert(OpContext& c) {
  std::vector<Value> items = c.seq(0);
  const auto n = static_cast<std::int64_t>(items.size());
  const std::int64_t at = c.has(2) ? position(c, 2, n, true) : n;
  items.insert(items.begin() + at, c.raw(1));
  c.set_seq(0, std::move(items));
}

void run_SequenceErase(OpContext& c) {
  std::vector<Value> items = c.seq(0);
  const auto n = static_cast<std::int64_t>(items.size());
  if (n == 0) c.fail<IndexError>("cannot erase from an empty sequence");
  const std::int64_t at = c.has(1) ? position(c, 1, n, false) : n - 1;
  items.erase(items.begin() + at);
  c.set_seq(0, std::move(items));
}

void run_SequenceAt(OpContext& c) {
  const std::vector<Value>& items = c.seq(0);
  c.set_value(0, items[static_cast<std::size_t>(
                     position(c, 1, static_cast<std::int64_t>(items.size()), false))]);
}

void run_SequenceLength(OpContext& c) {
  c.set(0, nr::scalar_tensor<std::int64_t>(static_cast<std::int64_t>(c.seq(0).size())));
}

void run_SplitToSequence(OpContext& c) {
  Tensor x = c.in(0);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), x.rank());
  const std::int64_t dim = x.shape()[static_cast<int>(axis)];
  std::vector<std::int64_t> sizes;
  bool squeeze = false;
  if (!c.has(1)) {
    sizes.assign(static_cast<std::size_t>(dim), 1);
    squeeze = c.attr_i("keepdims", 1) == 0;
  } else {
    std::vector<std::int64_t> s = c.ints(1);
    if (c.shape(1).rank() == 0) {  // one size: pieces of it, the last one smaller
      if (s[0] < 1) c.fail<ShapeError>("split must be >= 1, got ", s[0]);
      for (std::int64_t start = 0; start < dim; start += s[0])
        sizes.push_back(std::min(s[0], dim - start));
    } else {
      sizes = s;
    }
  }
  std::vector<Value> items;
  std::int64_t start = 0;
  for (std::int64_t len : sizes) {
    if (len < 0 || start + len > dim)
      c.fail<ShapeError>("split sizes ", ints_text(sizes), " do not fit dim ", axis, " of size ",
                         dim);
    Tensor part = nr::slice(x, axis, start, start + len);
    if (squeeze) part = nr::squeeze(part, axis);
    Value v;
    (c.host_mode() ? v.host : v.dev) = part;
    items.push_back(v);
    start += len;
  }
  if (start != dim)
    c.fail<ShapeError>("split sizes ", ints_text(sizes), " do not sum to dim ", axis, "'s size ",
                       dim);
  c.set_seq(0, std::move(items));
}

void run_ConcatFromSequence(OpContext& c) {
  const std::vector<Value>& items = c.seq(0);
  if (items.empty()) c.fail("cannot concatenate an empty sequence");
  std::vector<Tensor> parts;
  for (const Value& v : items) parts.push_back(c.element(v));
  const bool new_axis = c.attr_i("new_axis", 0) != 0;
  const int rank = parts[0].rank() + (new_axis ? 1 : 0);
  const std::int64_t axis = norm_axis(c, c.attr_i("axis", 0), rank);
  c.set(0, new_axis ? nr::stack(parts, axis) : nr::concat(parts, axis));
}

}  // namespace neuron::onnx::detail
