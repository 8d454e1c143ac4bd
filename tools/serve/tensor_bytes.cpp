#include "tensor_bytes.hpp"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "serve_error.hpp"

namespace neuron::serve {

namespace {

using nlohmann::json;

// One element of JSON data into slot `i` of t, checked against the dtype.
struct JsonFiller {
  const std::string& what;
  const Tensor& t;
  std::int64_t n = 0;  // elements written

  void element(const json& v) {
    if (n >= t.numel())
      fail(Status::invalid_argument, what, ": data has more elements than shape ", t.shape(),
           " holds (", t.numel(), ")");
    switch (t.dtype()) {
      case DType::bool_:
        if (!v.is_boolean()) wrong(v, "true or false");
        t.data<bool>()[n] = v.get<bool>();
        break;
      case DType::int32: {
        if (!v.is_number_integer()) wrong(v, "an integer");
        const std::int64_t x = v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX
                                   ? INT64_MAX
                                   : v.get<std::int64_t>();
        if (x < INT32_MIN || x > INT32_MAX) wrong(v, "an integer that fits INT32");
        t.data<std::int32_t>()[n] = static_cast<std::int32_t>(x);
        break;
      }
      case DType::int64:
        if (!v.is_number_integer() ||
            (v.is_number_unsigned() && v.get<std::uint64_t>() > INT64_MAX))
          wrong(v, "an integer that fits INT64");
        t.data<std::int64_t>()[n] = v.get<std::int64_t>();
        break;
      case DType::float32:
        if (!v.is_number()) wrong(v, "a number");
        t.data<float>()[n] = static_cast<float>(v.get<double>());
        break;
      case DType::float64:
        if (!v.is_number()) wrong(v, "a number");
        t.data<double>()[n] = v.get<double>();
        break;
    }
    ++n;
  }

  void walk(const json& v) {
    if (!v.is_array()) return element(v);
    for (const json& e : v) walk(e);
  }

  [[noreturn]] void wrong(const json& v, const char* expected) {
    std::string shown = v.dump();
    if (shown.size() > 40) shown = shown.substr(0, 40) + "...";
    fail(Status::invalid_argument, what, ": data element ", n, " is ", shown, "; expected ",
         expected, " for datatype ", t.dtype());
  }
};

template <class T>
void append_number(std::string& out, T x) {
  char buf[64];
  if constexpr (std::is_floating_point_v<T>) {
    if (!std::isfinite(x)) {  // JSON has no NaN or infinity
      out += "null";
      return;
    }
  }
  const auto r = std::to_chars(buf, buf + sizeof buf, x);
  out.append(buf, r.ptr);
}

}  // namespace

Shape checked_shape(const std::vector<std::int64_t>& dims, const std::string& what) {
  if (dims.size() > 8)
    fail(Status::invalid_argument, what, ": shape has ", dims.size(), " dims; at most 8");
  std::int64_t n = 1;
  for (std::int64_t d : dims) {
    if (d < 0) fail(Status::invalid_argument, what, ": shape ", "has a negative dim (", d, ")");
    if (d > 0 && n > (std::int64_t{1} << 40) / d)
      fail(Status::invalid_argument, what, ": shape has too many elements");
    n *= d;
  }
  return Shape(dims);
}

Tensor tensor_from_bytes(const std::string& what, DType dtype, const Shape& shape,
                         const char* bytes, std::size_t size) {
  const std::size_t want = static_cast<std::size_t>(shape.numel()) * dtype_size(dtype);
  if (size != want)
    fail(Status::invalid_argument, what, ": ", size, " bytes of data, but shape ", shape, " of ",
         dtype, " takes ", want);
  Tensor t = Tensor::empty(shape, dtype);
  if (want) std::memcpy(t.raw_data(), bytes, want);
  if (dtype == bool_)  // one byte per element; anything but 0 or 1 is not a bool
    for (std::size_t i = 0; i < want; ++i)
      if (static_cast<unsigned char>(bytes[i]) > 1)
        fail(Status::invalid_argument, what, ": byte ", i, " is ",
             static_cast<int>(static_cast<unsigned char>(bytes[i])), "; BOOL bytes are 0 or 1");
  return t;
}

Tensor tensor_from_json(const std::string& what, DType dtype, const Shape& shape,
                        const json& data) {
  Tensor t = Tensor::empty(shape, dtype);
  JsonFiller f{what, t};
  f.walk(data);
  if (f.n != t.numel())
    fail(Status::invalid_argument, what, ": data has ", f.n, " elements but shape ", shape,
         " takes ", t.numel());
  return t;
}

void append_json_data(std::string& out, const Tensor& t) {
  out += '[';
  const std::int64_t n = t.numel();
  for (std::int64_t i = 0; i < n; ++i) {
    if (i) out += ',';
    switch (t.dtype()) {
      case DType::bool_:
        out += t.data<bool>()[i] ? "true" : "false";
        break;
      case DType::int32:
        append_number(out, t.data<std::int32_t>()[i]);
        break;
      case DType::int64:
        append_number(out, t.data<std::int64_t>()[i]);
        break;
      case DType::float32:
        append_number(out, t.data<float>()[i]);
        break;
      case DType::float64:
        append_number(out, t.data<double>()[i]);
        break;
    }
  }
  out += ']';
}

}  // namespace neuron::serve
