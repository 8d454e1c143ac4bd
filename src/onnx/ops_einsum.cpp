// Einsum as permutes, sums, reshapes and batched matmuls: one or two operands at a time (more
// are folded left to right); "..." stands for the same leading dims in every operand. A letter
// repeated within one operand takes the diagonal first (masked by an identity, summed).
#include <algorithm>
#include <map>
#include <set>

#include "ops.hpp"

namespace neuron::onnx::detail {

namespace {

struct Term {
  Tensor t;
  std::string letters;  // one per dim
};

// Sums away dims whose letters `keep` does not hold.
Term reduce_to(const Term& x, const std::string& keep) {
  std::vector<std::int64_t> dims;
  std::string left;
  for (std::size_t i = 0; i < x.letters.size(); ++i) {
    if (keep.find(x.letters[i]) == std::string::npos)
      dims.push_back(static_cast<std::int64_t>(i));
    else
      left += x.letters[i];
  }
  if (dims.empty()) return x;
  return {nr::sum(x.t, dims, false), left};
}

// Permutes x's dims into the order of `order` (x holds exactly those letters).
Tensor arrange(const Term& x, const std::string& order) {
  std::vector<std::int64_t> perm;
  for (char ch : order) perm.push_back(static_cast<std::int64_t>(x.letters.find(ch)));
  bool identity = true;
  for (std::size_t i = 0; i < perm.size(); ++i)
    identity = identity && perm[i] == static_cast<std::int64_t>(i);
  return identity ? x.t : nr::permute(x.t, perm);
}

std::int64_t extent(const Term& x, char ch) {
  return x.t.shape()[static_cast<int>(x.letters.find(ch))];
}

// a * b summed over the letters not in `out` (which holds every letter kept from either).
Term contract(const OpContext& c, const Term& a, const Term& b, const std::string& out) {
  std::string batch, left, right, inner;
  for (char ch : a.letters) {
    const bool in_b = b.letters.find(ch) != std::string::npos;
    const bool kept = out.find(ch) != std::string::npos;
    if (in_b && kept)
      batch += ch;
    else if (in_b)
      inner += ch;
    else
      left += ch;
  }
  for (char ch : b.letters)
    if (a.letters.find(ch) == std::string::npos) right += ch;
  std::int64_t nb = 1, nl = 1, nr_ = 1, nk = 1;
  for (char ch : batch) {
    if (extent(a, ch) != extent(b, ch))
      c.fail<ShapeError>("dim '", ch, "' is ", extent(a, ch), " in one operand and ", extent(b, ch),
                         " in the other");
    nb *= extent(a, ch);
  }
  for (char ch : inner) {
    if (extent(a, ch) != extent(b, ch))
      c.fail<ShapeError>("dim '", ch, "' is ", extent(a, ch), " in one operand and ", extent(b, ch),
                         " in the other");
    nk *= extent(a, ch);
  }
  for (char ch : left) nl *= extent(a, ch);
  for (char ch : right) nr_ *= extent(b, ch);
  Tensor am = nr::reshape(arrange(a, batch + left + inner), {nb, nl, nk});
  Tensor bm = nr::reshape(arrange(b, batch + inner + right), {nb, nk, nr_});
  std::vector<std::int64_t> shape;
  for (char ch : batch) shape.push_back(extent(a, ch));
  for (char ch : left) shape.push_back(extent(a, ch));
  for (char ch : right) shape.push_back(extent(b, ch));
  return {nr::reshape(nr::matmul(am, bm), shape), batch + left + right};
}

// The diagonal of every letter x repeats ("ii" -> "i"): the two dims moved last, multiplied by
// an identity matrix, the last one summed away.
Term diagonal(const OpContext& c, Term x) {
  for (;;) {
    std::size_t i = 0, j = std::string::npos;
    for (; i < x.letters.size() && j == std::string::npos; ++i)
      j = x.letters.find(x.letters[i], i + 1);
    if (j == std::string::npos) return x;
    --i;
    const std::int64_t n = x.t.shape()[static_cast<int>(i)];
    if (x.t.shape()[static_cast<int>(j)] != n)
      c.fail<ShapeError>("dim '", x.letters[i], "' is ", n, " and ",
                         x.t.shape()[static_cast<int>(j)], " in one operand");
    std::vector<std::int64_t> perm;
    std::string letters;
    for (std::size_t k = 0; k < x.letters.size(); ++k)
      if (k != i && k != j) {
        perm.push_back(static_cast<std::int64_t>(k));
        letters += x.letters[k];
      }
    perm.push_back(static_cast<std::int64_t>(i));
    perm.push_back(static_cast<std::int64_t>(j));
    std::vector<std::int64_t> rows(static_cast<std::size_t>(n));
    for (std::int64_t k = 0; k < n; ++k) rows[static_cast<std::size_t>(k)] = k;
    Tensor r = c.place(int64_tensor(rows));
    Tensor eye = as_dtype(nr::eq(nr::reshape(r, {n, 1}), nr::reshape(r, {1, n})), x.t.dtype());
    Tensor t = nr::permute(x.t, perm) * eye;
    x = {nr::sum(t, {static_cast<std::int64_t>(perm.size()) - 1}, false), letters + x.letters[i]};
  }
}

}  // namespace

void check_Einsum(CheckContext& c) {
  if (c.attr_s("equation", "").empty()) c.refuse("attribute 'equation' is required");
}

void run_Einsum(OpContext& c) {
  std::string eq;
  for (char ch : c.attr_s("equation", ""))
    if (ch != ' ') eq += ch;
  const std::size_t arrow = eq.find("->");
  std::string lhs = eq.substr(0, arrow);
  std::vector<std::string> specs;
  for (std::size_t start = 0;;) {
    std::size_t comma = lhs.find(',', start);
    specs.push_back(
        lhs.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (static_cast<int>(specs.size()) != c.inputs())
    c.fail<ShapeError>("equation '", eq, "' has ", specs.size(), " operands, the node ",
                       c.inputs());
  // "..." becomes the capital letters A, B, ... for the broadcast dims (the same in every operand).
  int ell_rank = -1;
  std::vector<Term> terms;
  for (std::size_t i = 0; i < specs.size(); ++i) {
    Tensor t = c.in(static_cast<int>(i));
    std::string s = specs[i];
    const std::size_t dots = s.find("...");
    if (dots != std::string::npos) {
      const int named = static_cast<int>(s.size()) - 3;
      const int r = t.rank() - named;
      if (r < 0 || (ell_rank >= 0 && r != ell_rank))
        c.fail<ShapeError>("'...' of operand ", i, " does not fit its shape ", t.shape());
      ell_rank = r;
      std::string caps;
      for (int k = 0; k < r; ++k) caps += static_cast<char>('A' + k);
      s = s.substr(0, dots) + caps + s.substr(dots + 3);
    }
    if (static_cast<int>(s.size()) != t.rank())
      c.fail<ShapeError>("operand ", i, " of shape ", t.shape(), " does not fit '", specs[i], "'");
    terms.push_back({t, s});
  }
  std::string out;
  if (arrow != std::string::npos) {
    out = eq.substr(arrow + 2);
    const std::size_t dots = out.find("...");
    if (dots != std::string::npos) {
      std::string caps;
      for (int k = 0; k < std::max(ell_rank, 0); ++k) caps += static_cast<char>('A' + k);
      out = out.substr(0, dots) + caps + out.substr(dots + 3);
    }
  } else {  // implicit: broadcast dims, then the letters that appear once, sorted
    std::map<char, int> count;
    for (const Term& t : terms)
      for (char ch : t.letters) ++count[ch];
    for (int k = 0; k < std::max(ell_rank, 0); ++k) out += static_cast<char>('A' + k);
    for (const auto& [ch, n] : count)
      if (n == 1 && !(ch >= 'A' && ch <= 'Z')) out += ch;
  }
  for (Term& t : terms) t = diagonal(c, t);  // after the implicit output counted the repeats
  // Fold left to right; each step keeps the letters the output or a later operand needs.
  Term acc = terms[0];
  for (std::size_t i = 1; i <= terms.size(); ++i) {
    std::string needed = out;
    for (std::size_t j = i; j < terms.size(); ++j) needed += terms[j].letters;
    if (i == terms.size()) {
      acc = reduce_to(acc, needed);
      break;
    }
    std::string keep_a = needed + terms[i].letters, keep_b = needed + acc.letters;
    Term a = reduce_to(acc, keep_a), b = reduce_to(terms[i], keep_b);
    acc = contract(c, a, b, needed);
  }
  for (char ch : out)
    if (acc.letters.find(ch) == std::string::npos)
      c.fail<ShapeError>("output letter '", ch, "' appears in no operand");
  c.set(0, arrange(acc, out));
}

}  // namespace neuron::onnx::detail
