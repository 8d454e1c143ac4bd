// TensorProto <-> Tensor: dtypes, every length checked before anything is allocated, external data
// resolved inside the model's folder only; load_tensor() / save_tensor() for .pb files.
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <neuron/format/file_io.hpp>
#include <neuron/onnx/tensor_file.hpp>

#include "proto.hpp"

namespace neuron::onnx::detail {

namespace {
using P = ::onnx::TensorProto;

// Reads a TensorProto's dims and element count with checked arithmetic.
struct Dims {
  std::vector<std::int64_t> dims;
  std::int64_t numel = 1;
};

Dims checked_dims(const P& p, const std::string& what) {
  Dims d;
  // Any tensor whose bytes reach 2^62 is malformed here: no file or buffer holds that much.
  constexpr std::int64_t kLimit = std::int64_t{1} << 62;
  for (int i = 0; i < p.dims_size(); ++i) {
    std::int64_t v = p.dims(i);
    if (v < 0)
      throw_error<FormatError>("ONNX ", what, ": dim ", i, " is negative (", v,
                               "); dims must be >= 0");
    d.dims.push_back(v);
  }
  for (std::int64_t v : d.dims) {
    if (v != 0 && d.numel > kLimit / 16 / v) {
      std::string s;
      for (std::size_t i = 0; i < d.dims.size(); ++i)
        s += (i ? ", " : "") + std::to_string(d.dims[i]);
      throw_error<FormatError>("ONNX ", what, ": dims [", s,
                               "] hold too many elements (the byte count overflows)");
    }
    d.numel *= v;
  }
  return d;
}

// A decimal non-negative integer of an external-data entry ("offset", "length").
std::uint64_t parse_u64(const std::string& s, const std::string& key, const std::string& what) {
  if (s.empty() || s.size() > 20 || s.find_first_not_of("0123456789") != std::string::npos)
    throw_error<FormatError>("ONNX ", what, ": external data ", key, " '", s,
                             "' is not a non-negative decimal integer");
  std::uint64_t v = 0;
  for (char ch : s) {
    const auto digit = static_cast<std::uint64_t>(ch - '0');
    if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10)
      throw_error<FormatError>("ONNX ", what, ": external data ", key, " ", s, " is too large");
    v = v * 10 + digit;
  }
  return v;
}

std::string real_path(const std::string& p) {
  char buf[PATH_MAX];
  if (!::realpath(p.c_str(), buf)) return {};
  return buf;
}

// Reads `nbytes` of external data into `dst`, after checking the location.
void read_external(const P& p, const std::string& what, ExternalData* ext, void* dst,
                   std::uint64_t nbytes) {
  std::string location, offset_s, length_s;
  bool has_location = false, has_offset = false, has_length = false;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
      has_location = true;
    } else if (kv.key() == "offset") {
      offset_s = kv.value();
      has_offset = true;
    } else if (kv.key() == "length") {
      length_s = kv.value();
      has_length = true;
    }
  }
  if (!has_location || location.empty())
    throw_error<FormatError>("ONNX ", what, ": external data without a location");
  if (!ext || ext->dir.empty())
    throw_error<FormatError>(
        "ONNX ", what, ": its data is in an external file ('", location,
        "') but no folder is given for external data (load() uses the model's folder; with "
        "load_from_memory() set LoadOptions::external_data_dir)");
  if (location.find('\0') != std::string::npos || location.find('\\') != std::string::npos)
    throw_error<FormatError>("ONNX ", what, ": external data location '", location,
                             "' holds a NUL or a backslash");
  if (location.front() == '/')
    throw_error<FormatError>("ONNX ", what, ": external data location '", location,
                             "' is an absolute path; it must be relative to the model's folder");
  std::string base = real_path(ext->dir);
  if (base.empty())
    throw_error<FormatError>("ONNX ", what, ": the external data folder '", ext->dir,
                             "' does not exist");
  std::string resolved = real_path(base + "/" + location);
  if (resolved.empty())
    throw_error<FormatError>("ONNX ", what, ": external data file '", location,
                             "' does not exist in '", base, "'");
  if (resolved.compare(0, base.size() + 1, base + "/") != 0)
    throw_error<FormatError>("ONNX ", what, ": external data location '", location,
                             "' resolves to '", resolved, "', outside the model's folder '", base,
                             "' (.. and symlinks are resolved first)");
  struct stat st {};
  if (::stat(resolved.c_str(), &st) != 0 || !S_ISREG(st.st_mode))
    throw_error<FormatError>("ONNX ", what, ": external data '", location,
                             "' is not a regular file");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  std::uint64_t offset = has_offset ? parse_u64(offset_s, "offset", what) : 0;
  if (offset > file_size)
    throw_error<FormatError>("ONNX ", what, ": external data offset ", offset,
                             " is past the end of '", location, "' (", file_size, " bytes)");
  std::uint64_t length = has_length ? parse_u64(length_s, "length", what) : file_size - offset;
  if (length != nbytes)
    throw_error<FormatError>("ONNX ", what, ": external data holds ", length, " bytes (",
                             has_length ? "its length" : "the rest of the file",
                             ") but its dims and dtype need ", nbytes);
  if (length > file_size - offset)
    throw_error<FormatError>("ONNX ", what, ": external data range [", offset, ", ",
                             offset + length, ") is past the end of '", location, "' (", file_size,
                             " bytes)");
  if (nbytes > ext->max_bytes || ext->used > ext->max_bytes - nbytes)
    throw_error<FormatError>("ONNX ", what, ": external data would exceed the limit of ",
                             ext->max_bytes, " bytes (LoadOptions::max_external_bytes)");
  ext->used += nbytes;
  std::ifstream in(resolved, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(dst), static_cast<std::streamsize>(nbytes));
  if (!in || static_cast<std::uint64_t>(in.gcount()) != nbytes)
    throw_error<FormatError>("ONNX ", what, ": could not read ", nbytes,
                             " bytes of external data at ", offset, " from '", location, "'");
}

template <class To, class Field>
void copy_field(const Field& f, To* dst) {
  for (int i = 0; i < f.size(); ++i) dst[i] = static_cast<To>(f.Get(i));
}

}  // namespace

std::string onnx_dtype_name(std::int32_t code) {
  if (P::DataType_IsValid(code)) return P::DataType_Name(static_cast<P::DataType>(code));
  return "type " + std::to_string(code);
}

std::optional<DType> dtype_from_onnx(std::int32_t code) {
  switch (code) {
    case P::FLOAT:
      return float32;
    case P::DOUBLE:
      return float64;
    case P::INT32:
      return int32;
    case P::INT64:
      return int64;
    case P::BOOL:
      return bool_;
    default:
      return std::nullopt;
  }
}

std::int32_t onnx_dtype_of(DType d) {
  switch (d) {
    case DType::float32:
      return P::FLOAT;
    case DType::float64:
      return P::DOUBLE;
    case DType::int32:
      return P::INT32;
    case DType::int64:
      return P::INT64;
    case DType::bool_:
      return P::BOOL;
  }
  return P::UNDEFINED;
}

const char* supported_dtypes_text() {
  return "neuron supports FLOAT, DOUBLE, INT32, INT64 and BOOL";
}

TensorRead tensor_from_proto(const P& p, const std::string& what, ExternalData* ext) {
  TensorRead r;
  Dims d = checked_dims(p, what);
  if (!p.has_data_type() || p.data_type() == P::UNDEFINED)
    throw_error<FormatError>("ONNX ", what, ": no data type");
  std::optional<DType> dt = dtype_from_onnx(p.data_type());
  if (!dt) {
    r.unsupported =
        "dtype " + onnx_dtype_name(p.data_type()) + " (" + supported_dtypes_text() + ")";
    return r;
  }
  if (p.has_segment()) {
    r.unsupported = "a segmented tensor (TensorProto.segment)";
    return r;
  }
  if (static_cast<int>(d.dims.size()) > kMaxRank) {
    r.unsupported = "rank " + std::to_string(d.dims.size()) + " (neuron's maximum rank is " +
                    std::to_string(kMaxRank) + ")";
    return r;
  }
  const std::uint64_t nbytes = static_cast<std::uint64_t>(d.numel) * dtype_size(*dt);
  auto check_count = [&](int count, const char* field) {
    if (static_cast<std::int64_t>(count) != d.numel)
      throw_error<FormatError>("ONNX ", what, ": ", field, " holds ", count,
                               " values but its dims hold ", d.numel);
  };
  const bool external = p.has_data_location() && p.data_location() == P::EXTERNAL;
  // Sizes first: nothing is allocated for data the message does not hold.
  if (!external) {
    if (p.has_raw_data()) {
      if (p.raw_data().size() != nbytes)
        throw_error<FormatError>("ONNX ", what, ": raw_data holds ", p.raw_data().size(),
                                 " bytes but its dims and dtype need ", nbytes);
    } else {
      switch (p.data_type()) {
        case P::FLOAT:
          check_count(p.float_data_size(), "float_data");
          break;
        case P::DOUBLE:
          check_count(p.double_data_size(), "double_data");
          break;
        case P::INT64:
          check_count(p.int64_data_size(), "int64_data");
          break;
        default:  // INT32, BOOL
          check_count(p.int32_data_size(), "int32_data");
          break;
      }
    }
  }
  Tensor t = Tensor::empty(Shape(d.dims), *dt);
  void* dst = t.numel() ? t.raw_data() : nullptr;
  if (external) {
    if (nbytes)
      read_external(p, what, ext, dst, nbytes);
    else
      read_external(p, what, ext, nullptr, 0);
  } else if (p.has_raw_data()) {
    if (nbytes) std::memcpy(dst, p.raw_data().data(), nbytes);
  } else {
    switch (p.data_type()) {
      case P::FLOAT:
        copy_field(p.float_data(), static_cast<float*>(dst));
        break;
      case P::DOUBLE:
        copy_field(p.double_data(), static_cast<double*>(dst));
        break;
      case P::INT64:
        copy_field(p.int64_data(), static_cast<std::int64_t*>(dst));
        break;
      case P::INT32:
        copy_field(p.int32_data(), static_cast<std::int32_t*>(dst));
        break;
      case P::BOOL: {
        auto* b = static_cast<bool*>(dst);
        for (int i = 0; i < p.int32_data_size(); ++i) b[i] = p.int32_data(i) != 0;
        break;
      }
      default:
        break;
    }
  }
  if (*dt == bool_ && nbytes) {  // raw bytes: anything nonzero is true (a bool holds 0 or 1)
    auto* b = static_cast<unsigned char*>(dst);
    for (std::uint64_t i = 0; i < nbytes; ++i) b[i] = b[i] != 0;
  }
  r.tensor = t;
  return r;
}

}  // namespace neuron::onnx::detail

namespace neuron::onnx {

Tensor load_tensor_from_memory(const void* data, std::size_t size, const std::string& where) {
  if (size > static_cast<std::size_t>(INT_MAX))
    throw_error<FormatError>("ONNX tensor ", where, ": ", size,
                             " bytes is more than protobuf's limit of 2 GiB for one message");
  ::onnx::TensorProto p;
  if (!p.ParseFromArray(data, static_cast<int>(size)))
    throw_error<FormatError>("ONNX tensor ", where,
                             ": not a valid TensorProto (protobuf parse failed)");
  std::string what = "tensor " + where + (p.name().empty() ? "" : " ('" + p.name() + "')");
  detail::TensorRead r = detail::tensor_from_proto(p, what, nullptr);
  if (!r.tensor.defined()) throw_error<DTypeError>("ONNX ", what, ": unsupported ", r.unsupported);
  return r.tensor;
}

Tensor load_tensor(const std::string& path) {
  auto file = MappedFile::open(path);
  return load_tensor_from_memory(file->data(), file->size(), "'" + path + "'");
}

void save_tensor(const std::string& path, const Tensor& t, const std::string& name) {
  Tensor c = t.cpu();
  ::onnx::TensorProto p;
  p.set_name(name);
  p.set_data_type(detail::onnx_dtype_of(c.dtype()));
  for (std::int64_t d : c.shape()) p.add_dims(d);
  p.set_raw_data(c.numel() ? static_cast<const char*>(c.raw_data()) : "", c.nbytes());
  std::string bytes = p.SerializeAsString();
  write_file_atomic(path, [&](std::FILE* f) { write_all(f, bytes.data(), bytes.size(), path); });
}

}  // namespace neuron::onnx
