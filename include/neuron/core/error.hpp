// Error hierarchy. Every failure caused by user input is reported with one of these, carrying a
// message that says what went wrong, where, what was expected and what was found.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "config.hpp"

namespace neuron {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

// Shapes that do not fit an op (broadcasting, matmul contraction, reshape sizes, bad dims, rank).
class ShapeError : public Error {
  using Error::Error;
};
// A dtype an op does not accept, or two dtypes that cannot be combined.
class DTypeError : public Error {
  using Error::Error;
};
// Operands on different devices, or an op a device cannot run.
class DeviceError : public Error {
  using Error::Error;
};
// A malformed file or buffer (safetensors, npy, .neuron modules).
class FormatError : public Error {
  using Error::Error;
};
// A file that cannot be opened, read or written.
class IOError : public Error {
  using Error::Error;
};
// An index out of range: embedding ids, element access.
class IndexError : public Error {
  using Error::Error;
};
// Names that do not match: state-dict keys missing, unexpected or of the wrong shape.
class KeyError : public Error {
  using Error::Error;
};
// A value outside what an op accepts (a negative count, a bad option) that is not a shape or dtype.
class ValueError : public Error {
  using Error::Error;
};

namespace detail {
// Builds a message from any streamable parts: throw_error<ShapeError>("matmul: ", a, " vs ", b).
template <class... Parts>
std::string cat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

template <class E, class... Parts>
[[noreturn]] void throw_error(const Parts&... parts) {
  throw E(detail::cat(parts...));
}

}  // namespace neuron
