// Shape: up to 8 extents stored inline, plus helpers for dims, broadcasting and strides.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <ostream>
#include <string>
#include <vector>

#include "error.hpp"

namespace neuron {

inline constexpr int kMaxRank = 8;

class Shape {
 public:
  Shape() = default;
  Shape(std::initializer_list<std::int64_t> dims) { assign(dims.begin(), dims.end()); }
  explicit Shape(const std::vector<std::int64_t>& dims) { assign(dims.begin(), dims.end()); }
  template <class It>
  Shape(It first, It last) {
    assign(first, last);
  }

  int rank() const { return rank_; }
  std::int64_t operator[](int i) const { return dims_[static_cast<std::size_t>(i)]; }
  std::int64_t& operator[](int i) { return dims_[static_cast<std::size_t>(i)]; }
  const std::int64_t* begin() const { return dims_.data(); }
  const std::int64_t* end() const { return dims_.data() + rank_; }
  std::vector<std::int64_t> vec() const { return {begin(), end()}; }

  // Product of all extents (1 for rank 0). Shapes are validated on construction so this cannot
  // overflow.
  std::int64_t numel() const {
    std::int64_t n = 1;
    for (int i = 0; i < rank_; ++i) n *= dims_[static_cast<std::size_t>(i)];
    return n;
  }

  void push_back(std::int64_t d) {
    if (rank_ == kMaxRank)
      throw_error<ShapeError>("rank ", rank_ + 1, " exceeds the maximum rank ", kMaxRank);
    check_extent(d, rank_);
    dims_[static_cast<std::size_t>(rank_++)] = d;
    check_numel();
  }
  void insert(int pos, std::int64_t d) {
    push_back(d);
    std::rotate(dims_.begin() + pos, dims_.begin() + rank_ - 1, dims_.begin() + rank_);
  }
  void erase(int pos) {
    std::copy(dims_.begin() + pos + 1, dims_.begin() + rank_, dims_.begin() + pos);
    --rank_;
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    // A plain loop: std::equal on int64 becomes a memcmp call, dearer for a shape's few extents
    // (lazy steps compare shapes by the dozen).
    if (a.rank_ != b.rank_) return false;
    for (int i = 0; i < a.rank_; ++i)
      if (a[i] != b[i]) return false;
    return true;
  }
  friend bool operator!=(const Shape& a, const Shape& b) { return !(a == b); }

  std::string str() const {
    std::string s = "[";
    for (int i = 0; i < rank_; ++i) {
      if (i) s += ", ";
      s += std::to_string(dims_[static_cast<std::size_t>(i)]);
    }
    return s + "]";
  }

 private:
  template <class It>
  void assign(It first, It last) {
    rank_ = 0;
    for (; first != last; ++first) {
      if (rank_ == kMaxRank) {
        int n = rank_;
        for (; first != last; ++first) ++n;
        throw_error<ShapeError>("rank ", n, " exceeds the maximum rank ", kMaxRank);
      }
      check_extent(static_cast<std::int64_t>(*first), rank_);
      dims_[static_cast<std::size_t>(rank_++)] = static_cast<std::int64_t>(*first);
    }
    check_numel();
  }
  static void check_extent(std::int64_t d, int i) {
    if (d < 0) throw_error<ShapeError>("dimension ", i, " has negative extent ", d);
  }
  void check_numel() const {
    // Keep numel * 8 bytes representable so byte counts never overflow.
    constexpr std::int64_t limit = std::numeric_limits<std::int64_t>::max() / 8;
    std::int64_t n = 1;
    for (int i = 0; i < rank_; ++i) {
      std::int64_t d = dims_[static_cast<std::size_t>(i)];
      if (d != 0 && n > limit / d)
        throw_error<ShapeError>("shape ", str(), " has too many elements");
      n *= d;
    }
  }

  std::array<std::int64_t, kMaxRank> dims_{};
  int rank_ = 0;
};

inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

// Maps a possibly negative dim into [0, rank); `what` names the op for the error message.
inline int normalize_dim(std::int64_t dim, int rank, const char* what) {
  int r = std::max(rank, 1);  // like torch, a 0-d tensor accepts dim 0 and -1
  if (dim < -r || dim >= r)
    throw_error<ShapeError>(what, ": dim ", dim, " is out of range for a tensor of rank ", rank,
                            " (expected a dim in [", -r, ", ", r - 1, "])");
  return static_cast<int>(dim < 0 ? dim + r : dim);
}

// Row-major strides in elements.
inline std::array<std::int64_t, kMaxRank> contiguous_strides(const Shape& s) {
  std::array<std::int64_t, kMaxRank> st{};
  std::int64_t acc = 1;
  for (int i = s.rank() - 1; i >= 0; --i) {
    st[static_cast<std::size_t>(i)] = acc;
    acc *= s[i];
  }
  return st;
}

// numpy/torch broadcasting of two shapes; returns false when they are incompatible.
inline bool try_broadcast(const Shape& a, const Shape& b, Shape& out) {
  int r = std::max(a.rank(), b.rank());
  std::array<std::int64_t, kMaxRank> d{};
  for (int i = 0; i < r; ++i) {
    int ia = a.rank() - r + i, ib = b.rank() - r + i;
    std::int64_t x = ia >= 0 ? a[ia] : 1, y = ib >= 0 ? b[ib] : 1;
    if (x != y && x != 1 && y != 1) return false;
    d[static_cast<std::size_t>(i)] = x == 1 ? y : x;
  }
  out = Shape(d.begin(), d.begin() + r);
  return true;
}

// Broadcasts or throws a ShapeError naming the op, both operands' shapes and the first dim
// (counted from the right, as broadcasting aligns them) whose extents disagree.
inline Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op,
                              const char* a_name = "lhs", const char* b_name = "rhs") {
  Shape out;
  if (try_broadcast(a, b, out)) return out;
  for (int k = 1; k <= std::min(a.rank(), b.rank()); ++k) {
    std::int64_t x = a[a.rank() - k], y = b[b.rank() - k];
    if (x != y && x != 1 && y != 1)
      throw_error<ShapeError>(op, ": cannot broadcast ", a_name, " of shape ", a, " with ", b_name,
                              " of shape ", b, ": dim -", k, " is ", x, " vs ", y);
  }
  throw_error<ShapeError>(op, ": cannot broadcast ", a, " with ", b);
}

}  // namespace neuron
