// Definitions for npy.hpp.
#pragma once

#include "npy.hpp"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "../ops/layout.hpp"

namespace neuron {

namespace detail {

struct NpyHeader {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::int64_t> shape;
};

// Parser for the dict literal numpy writes. Anything else is a FormatError.
class NpyHeaderParser {
 public:
  NpyHeaderParser(const std::string& text, const std::string& where) : s_(text), where_(where) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_fortran = false, have_shape = false;
    expect('{');
    while (true) {
      skip_ws();
      if (peek() == '}') break;
      std::string key = string_literal();
      expect(':');
      if (key == "descr" && !have_descr) {
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order" && !have_fortran) {
        h.fortran_order = boolean();
        have_fortran = true;
      } else if (key == "shape" && !have_shape) {
        h.shape = int_tuple();
        have_shape = true;
      } else {
        fail("unexpected or repeated key '" + key + "'");
      }
      skip_ws();
      if (peek() == ',')
        ++pos_;
      else if (peek() != '}')
        fail("expected ',' or '}'");
    }
    ++pos_;
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected text after the header dict");
    if (!have_descr || !have_fortran || !have_shape)
      fail("header needs the keys 'descr', 'fortran_order' and 'shape'");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    throw_error<FormatError>(where_, ": bad .npy header at character ", pos_, ": ", why,
                             " (header: ", s_.substr(0, 200), ")");
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\t')) ++pos_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(std::string("expected '") + c + "'");
    ++pos_;
  }
  std::string string_literal() {
    skip_ws();
    char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string::npos || end - pos_ > 64) fail("unterminated or overlong string");
    std::string out = s_.substr(pos_ + 1, end - pos_ - 1);
    if (out.find('\\') != std::string::npos) fail("escapes are not supported in header strings");
    pos_ = end + 1;
    return out;
  }
  bool boolean() {
    skip_ws();
    if (s_.compare(pos_, 4, "True") == 0) {
      pos_ += 4;
      return true;
    }
    if (s_.compare(pos_, 5, "False") == 0) {
      pos_ += 5;
      return false;
    }
    fail("expected True or False");
  }
  std::vector<std::int64_t> int_tuple() {
    expect('(');
    std::vector<std::int64_t> out;
    while (true) {
      skip_ws();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek())))
        fail("expected a non-negative integer");
      std::int64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        int digit = peek() - '0';
        if (v > (std::numeric_limits<std::int64_t>::max() - digit) / 10) fail("extent overflows");
        v = v * 10 + digit;
        ++pos_;
      }
      if (out.size() == static_cast<std::size_t>(kMaxRank))
        fail("rank exceeds the maximum rank " + std::to_string(kMaxRank));
      out.push_back(v);
      skip_ws();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        fail("expected ',' or ')'");
    }
    ++pos_;
    return out;
  }

  const std::string& s_;
  std::string where_;
  std::size_t pos_ = 0;
};

struct NpyType {
  DType dtype = float32;  // what neuron makes of it
  std::size_t size = 0;   // bytes per element in the file
  bool big_endian = false;
  bool half = false;  // f2: converted to float32
};

NEURON_INLINE NpyType npy_type(const std::string& descr, const std::string& where) {
  if (descr.size() >= 2 && descr[1] == 'O')
    throw_error<FormatError>(where, ": object arrays ('", descr,
                             "') hold pickled Python objects and are refused");
  if (descr.size() < 3) throw_error<FormatError>(where, ": unsupported .npy dtype '", descr, "'");
  char order = descr[0];
  std::string kind = descr.substr(1);
  if (order != '<' && order != '>' && order != '|' && order != '=')
    throw_error<FormatError>(where, ": unknown byte order in dtype '", descr, "'");
  NpyType t;
  t.big_endian = order == '>';
  if (kind == "f4")
    t = {float32, 4, t.big_endian, false};
  else if (kind == "f8")
    t = {float64, 8, t.big_endian, false};
  else if (kind == "i4")
    t = {int32, 4, t.big_endian, false};
  else if (kind == "i8")
    t = {int64, 8, t.big_endian, false};
  else if (kind == "b1")
    t = {bool_, 1, false, false};
  else if (kind == "f2")
    t = {float32, 2, t.big_endian, true};
  else
    throw_error<FormatError>(where, ": unsupported .npy dtype '", descr,
                             "' (neuron reads f2, f4, f8, i4, i8, b1)");
  return t;
}

NEURON_INLINE void byteswap(std::byte* p, std::size_t es, std::int64_t n) {
  for (std::int64_t i = 0; i < n; ++i) std::reverse(p + i * es, p + (i + 1) * es);
}

}  // namespace detail

NEURON_INLINE Tensor load_npy_from_memory(const std::byte* data, std::size_t size,
                                          const std::string& where) {
  static const char magic[] = "\x93NUMPY";
  if (size < 10 || std::memcmp(data, magic, 6) != 0)
    throw_error<FormatError>(where, ": not a .npy file (missing the \\x93NUMPY magic)");
  const int major = static_cast<int>(data[6]), minor = static_cast<int>(data[7]);
  if (major < 1 || major > 3 || minor != 0)
    throw_error<FormatError>(where, ": unsupported .npy format version ", major, ".", minor,
                             " (neuron reads 1.0, 2.0 and 3.0)");
  std::size_t len_bytes = major == 1 ? 2 : 4;
  if (size < 8 + len_bytes) throw_error<FormatError>(where, ": truncated .npy header length");
  std::uint32_t header_len = 0;
  std::memcpy(&header_len, data + 8, len_bytes);  // little-endian u16 or u32
  const std::size_t header_start = 8 + len_bytes;
  if (header_len > size - header_start)
    throw_error<FormatError>(where, ": header length ", header_len, " runs past the end of the ",
                             size, "-byte file");
  std::string text(reinterpret_cast<const char*>(data + header_start), header_len);
  if (major < 3) {  // latin-1 headers: numpy only ever writes ASCII there
    for (char c : text)
      if (static_cast<unsigned char>(c) > 127)
        throw_error<FormatError>(where, ": non-ASCII byte in a version ", major, " header");
  }
  detail::NpyHeader h = detail::NpyHeaderParser(text, where).parse();
  detail::NpyType type = detail::npy_type(h.descr, where);
  Shape shape;
  try {
    shape = Shape(h.shape);
  } catch (const ShapeError& e) {
    throw_error<FormatError>(where, ": ", e.what());
  }
  const std::uint64_t n = static_cast<std::uint64_t>(shape.numel());
  const std::uint64_t want = n * type.size;  // Shape keeps numel * 8 representable
  const std::uint64_t have = size - header_start - header_len;
  if (have != want)
    throw_error<FormatError>(where, ": data holds ", have, " bytes but shape ", shape, " of '",
                             h.descr, "' needs ", want,
                             have < want ? " (truncated)" : " (trailing bytes)");
  const std::byte* src = data + header_start + header_len;

  // Stage in file order (C order of the reversed shape for Fortran arrays).
  Shape file_shape = shape;
  if (h.fortran_order) {
    std::vector<std::int64_t> dims = shape.vec();
    file_shape = Shape(dims.rbegin(), dims.rend());
  }
  Tensor staged = Tensor::empty(file_shape, type.dtype);
  if (type.half) {
    float* dst = staged.data<float>();
    for (std::uint64_t i = 0; i < n; ++i) {
      std::uint16_t bits;
      std::memcpy(&bits, src + 2 * i, 2);
      if (type.big_endian) bits = static_cast<std::uint16_t>((bits >> 8) | (bits << 8));
      dst[i] = static_cast<float>(Eigen::numext::bit_cast<Eigen::half>(bits));
    }
  } else {
    if (type.dtype == bool_)
      for (std::uint64_t i = 0; i < n; ++i)
        if (static_cast<unsigned char>(src[i]) > 1)
          throw_error<FormatError>(where, ": bool element ", i, " holds byte ",
                                   static_cast<int>(src[i]), " (expected 0 or 1)");
    if (want) std::memcpy(staged.raw_data(), src, want);
    if (type.big_endian)
      detail::byteswap(static_cast<std::byte*>(staged.raw_data()), type.size,
                       static_cast<std::int64_t>(n));
  }
  if (!h.fortran_order || shape.rank() < 2)
    return h.fortran_order ? alias_with_shape(staged, shape) : staged;
  std::vector<int> perm;
  for (int i = shape.rank() - 1; i >= 0; --i) perm.push_back(i);
  Tensor out = Tensor::empty(shape, type.dtype);
  permute_copy(staged.raw_data(), file_shape, perm, out.raw_data(), dtype_size(type.dtype));
  return out;
}

NEURON_INLINE Tensor load_npy(const std::string& path) {
  auto file = MappedFile::open(path);
  return load_npy_from_memory(file->data(), file->size(), "'" + path + "'");
}

NEURON_INLINE void save_npy(const std::string& path, const Tensor& t) {
  if (!t.defined()) throw_error<ValueError>("save_npy: tensor is undefined");
  Tensor c = t.cpu();
  const char* descr = c.dtype() == float32   ? "<f4"
                      : c.dtype() == float64 ? "<f8"
                      : c.dtype() == int32   ? "<i4"
                      : c.dtype() == int64   ? "<i8"
                                             : "|b1";
  std::string shape = "(";
  for (int i = 0; i < c.rank(); ++i)
    shape += std::to_string(c.shape()[i]) + (c.rank() == 1 ? "," : i + 1 < c.rank() ? ", " : "");
  shape += ")";
  std::string header =
      std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
  int major = header.size() + 11 > 65535 ? 2 : 1;
  std::size_t prefix = major == 1 ? 10 : 12;
  std::size_t total = prefix + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  write_file_atomic(path, [&](std::FILE* f) {
    std::string head = "\x93NUMPY";
    head += static_cast<char>(major);
    head += '\0';
    std::uint32_t len = static_cast<std::uint32_t>(header.size());
    write_all(f, head.data(), 8, path);
    write_all(f, &len, major == 1 ? 2 : 4, path);
    write_all(f, header.data(), header.size(), path);
    write_all(f, c.raw_data(), c.nbytes(), path);
  });
}

}  // namespace neuron
