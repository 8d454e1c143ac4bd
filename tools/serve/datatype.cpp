#include "datatype.hpp"

#include "serve_error.hpp"

namespace neuron::serve {

namespace {
struct Pair {
  const char* name;
  DType dtype;
};
constexpr Pair kPairs[] = {
    {"BOOL", bool_}, {"INT32", int32}, {"INT64", int64}, {"FP32", float32}, {"FP64", float64}};
// Datatypes of the protocol that neuron has no dtype for.
constexpr const char* kUnsupported[] = {"UINT8", "UINT16", "UINT32", "UINT64", "INT8",
                                        "INT16", "FP16",   "BF16",   "BYTES"};
}  // namespace

const char* datatype_name(DType d) {
  for (const Pair& p : kPairs)
    if (p.dtype == d) return p.name;
  return "?";
}

DType dtype_from_datatype(const std::string& datatype, const std::string& what) {
  for (const Pair& p : kPairs)
    if (datatype == p.name) return p.dtype;
  for (const char* u : kUnsupported)
    if (datatype == u)
      fail(Status::invalid_argument, what, ": datatype ", datatype,
           " is not supported by neuron (supported: BOOL, INT32, INT64, FP32, FP64)");
  fail(Status::invalid_argument, what, ": unknown datatype '", datatype,
       "' (the protocol's are BOOL, UINT8..UINT64, INT8..INT64, FP16, FP32, FP64, BF16, BYTES)");
}

}  // namespace neuron::serve
