// Definitions for print.hpp.
#pragma once

#include "print.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <type_traits>
#include <vector>

namespace neuron {

namespace detail {

class ValueFormatter {
 public:
  ValueFormatter(const Tensor& t, const PrintOptions& o) : dtype_(t.dtype()), prec_(o.precision) {
    if (!is_floating(dtype_)) return;
    double lo = INFINITY, hi = 0;
    bool all_int = true;
    visit_dtype(dtype_, [&](auto tag) {
      using T = decltype(tag);
      const T* p = static_cast<const T*>(t.raw_data());
      for (std::int64_t i = 0; i < t.numel(); ++i) {
        double v = static_cast<double>(p[i]);
        if (!std::isfinite(v)) continue;
        if (v != std::ceil(v)) all_int = false;
        if (v == 0) continue;
        lo = std::min(lo, std::abs(v));
        hi = std::max(hi, std::abs(v));
      }
    });
    if (hi == 0) {
      int_mode_ = all_int;
      return;
    }
    if (all_int) {
      int_mode_ = true;
      sci_ = hi / lo > 1000.0 || hi > 1e8;
    } else {
      sci_ = hi / lo > 1000.0 || hi > 1e8 || lo < 1e-4;
    }
  }

  std::string format(const void* base, std::int64_t i) const {
    return visit_dtype(dtype_, [&](auto tag) -> std::string {
      using T = decltype(tag);
      T v = static_cast<const T*>(base)[i];
      if constexpr (std::is_same_v<T, bool>) {
        return v ? "True" : "False";
      } else if constexpr (std::is_integral_v<T>) {
        return std::to_string(v);
      } else {
        double d = static_cast<double>(v);
        if (std::isnan(d)) return "nan";
        if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
        char buf[64];
        if (sci_)
          std::snprintf(buf, sizeof buf, "%.*e", prec_, d);
        else if (int_mode_)
          std::snprintf(buf, sizeof buf, "%.0f.", d);
        else
          std::snprintf(buf, sizeof buf, "%.*f", prec_, d);
        return buf;
      }
    });
  }

 private:
  DType dtype_;
  int prec_;
  bool sci_ = false;
  bool int_mode_ = false;
};

struct Printer {
  const Tensor& t;
  const PrintOptions& opt;
  const ValueFormatter& fmt;
  bool summarize;
  std::size_t width = 0;
  std::array<std::int64_t, kMaxRank> strides = contiguous_strides(t.shape());

  // Indices along dim d that are shown; -1 marks the "..." gap.
  std::vector<std::int64_t> shown(int d) const {
    std::int64_t n = t.shape()[d];
    std::vector<std::int64_t> idx;
    if (summarize && n > 2 * opt.edgeitems) {
      for (std::int64_t i = 0; i < opt.edgeitems; ++i) idx.push_back(i);
      idx.push_back(-1);
      for (std::int64_t i = n - opt.edgeitems; i < n; ++i) idx.push_back(i);
    } else {
      for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
    }
    return idx;
  }

  void measure(int d, std::int64_t off) {
    if (d == t.rank()) {
      width = std::max(width, fmt.format(t.raw_data(), off).size());
      return;
    }
    for (std::int64_t i : shown(d))
      if (i >= 0) measure(d + 1, off + i * strides[static_cast<std::size_t>(d)]);
  }

  std::string pad(std::string s) const {
    return std::string(width > s.size() ? width - s.size() : 0, ' ') + s;
  }

  std::string render(int d, std::int64_t off, std::size_t indent) const {
    if (t.rank() == 0) return fmt.format(t.raw_data(), 0);
    std::string s = "[";
    auto idx = shown(d);
    if (d == t.rank() - 1) {
      // Innermost dim: wrap to the line width like PyTorch.
      std::size_t per_line = std::max<std::size_t>(
          1, (static_cast<std::size_t>(opt.linewidth) - std::min<std::size_t>(indent, 60)) /
                 (width + 2));
      std::size_t on_line = 0;
      for (std::size_t k = 0; k < idx.size(); ++k) {
        if (k) {
          s += ",";
          if (on_line == per_line) {
            s += "\n" + std::string(indent + 1, ' ');
            on_line = 0;
          } else {
            s += " ";
          }
        }
        s += idx[k] < 0 ? std::string("...") : pad(fmt.format(t.raw_data(), off + idx[k]));
        ++on_line;
      }
    } else {
      std::string sep = "," + std::string(static_cast<std::size_t>(t.rank() - d - 1), '\n') +
                        std::string(indent + 1, ' ');
      for (std::size_t k = 0; k < idx.size(); ++k) {
        if (k) s += sep;
        s += idx[k] < 0
                 ? std::string("...")
                 : render(d + 1, off + idx[k] * strides[static_cast<std::size_t>(d)], indent + 1);
      }
    }
    return s + "]";
  }
};

}  // namespace detail

NEURON_INLINE std::string to_string(const Tensor& t, const PrintOptions& opt) {
  if (!t.defined()) return "tensor(undefined)";
  Tensor c = t.cpu();
  detail::ValueFormatter fmt(c, opt);
  detail::Printer p{c, opt, fmt, c.numel() > opt.threshold};
  p.measure(0, 0);
  std::string body = c.numel() == 0 && c.rank() > 0 ? "[]" : p.render(0, 0, 7);
  return "tensor(" + body + ", shape=" + c.shape().str() +
         ", dtype=" + std::string(dtype_name(c.dtype())) + ")";
}

NEURON_INLINE std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << to_string(t);
}

}  // namespace neuron
