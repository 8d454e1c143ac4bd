// Helpers of the ONNX importer's tests (also their precompiled header): a small ModelProto
// builder over the ONNX protobuf API, tensors to TensorProtos, the backend test suite's folder.
#pragma once

#include <doctest/doctest.h>
#include <onnx/onnx_pb.h>

#include <unistd.h>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <neuron/onnx.hpp>
#include <string>
#include <vector>

namespace nr = neuron;

namespace onnx_test {

inline ::onnx::TensorProto to_proto(const nr::Tensor& t, const std::string& name = "") {
  ::onnx::TensorProto p;
  nr::Tensor c = t.cpu();
  p.set_name(name);
  static const int codes[] = {::onnx::TensorProto::BOOL, ::onnx::TensorProto::INT32,
                              ::onnx::TensorProto::INT64, ::onnx::TensorProto::FLOAT,
                              ::onnx::TensorProto::DOUBLE};
  p.set_data_type(codes[static_cast<int>(c.dtype())]);
  for (std::int64_t d : c.shape()) p.add_dims(d);
  p.set_raw_data(c.numel() ? static_cast<const char*>(c.raw_data()) : "", c.nbytes());
  return p;
}

inline int code_of(nr::DType d) { return to_proto(nr::zeros({0}, d)).data_type(); }

// Builds a model node by node: inputs, initializers, nodes with attributes, outputs.
struct ModelBuilder {
  ::onnx::ModelProto m;

  explicit ModelBuilder(int opset = 17, int ir_version = 8) {
    m.set_ir_version(ir_version);
    m.set_producer_name("neuron-tests");
    auto* o = m.add_opset_import();
    o->set_domain("");
    o->set_version(opset);
    m.mutable_graph()->set_name("test_graph");
  }
  ::onnx::GraphProto& g() { return *m.mutable_graph(); }

  // dims: -1 for a dimension named by dim_param "N" (or by `params[i]` when given).
  static void set_type(::onnx::ValueInfoProto* v, const std::string& name, nr::DType dt,
                       const std::vector<std::int64_t>& dims,
                       const std::vector<std::string>& params = {}) {
    v->set_name(name);
    auto* tt = v->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(code_of(dt));
    auto* sh = tt->mutable_shape();
    for (std::size_t i = 0; i < dims.size(); ++i) {
      auto* d = sh->add_dim();
      if (dims[i] >= 0)
        d->set_dim_value(dims[i]);
      else
        d->set_dim_param(i < params.size() ? params[i] : "N");
    }
  }
  ModelBuilder& input(const std::string& name, nr::DType dt, const std::vector<std::int64_t>& dims,
                      const std::vector<std::string>& params = {}) {
    set_type(g().add_input(), name, dt, dims, params);
    return *this;
  }
  ModelBuilder& output(const std::string& name, nr::DType dt,
                       const std::vector<std::int64_t>& dims = {}, bool with_shape = false) {
    auto* v = g().add_output();
    if (with_shape) {
      set_type(v, name, dt, dims);
    } else {
      v->set_name(name);
      v->mutable_type()->mutable_tensor_type()->set_elem_type(code_of(dt));
    }
    return *this;
  }
  ModelBuilder& init(const std::string& name, const nr::Tensor& t) {
    *g().add_initializer() = to_proto(t, name);
    return *this;
  }
  ::onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& ins,
                          const std::vector<std::string>& outs, const std::string& name = "") {
    auto* n = g().add_node();
    n->set_op_type(op);
    n->set_name(name.empty() ? op + "_" + std::to_string(g().node_size()) : name);
    for (const auto& i : ins) n->add_input(i);
    for (const auto& o : outs) n->add_output(o);
    return *n;
  }
  std::string bytes() const { return m.SerializeAsString(); }
  nr::onnx::Model load(const nr::onnx::LoadOptions& o = {}) const {
    std::string b = bytes();
    return nr::onnx::load_from_memory(b.data(), b.size(), o);
  }
  nr::onnx::Report analyze() const {
    std::string b = bytes();
    return nr::onnx::analyze_from_memory(b.data(), b.size());
  }
};

inline void attr_i(::onnx::NodeProto& n, const std::string& name, std::int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INT);
  a->set_i(v);
}
inline void attr_f(::onnx::NodeProto& n, const std::string& name, float v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::FLOAT);
  a->set_f(v);
}
inline void attr_s(::onnx::NodeProto& n, const std::string& name, const std::string& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::STRING);
  a->set_s(v);
}
inline void attr_ints(::onnx::NodeProto& n, const std::string& name,
                      const std::vector<std::int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::INTS);
  for (auto x : v) a->add_ints(x);
}
inline void attr_t(::onnx::NodeProto& n, const std::string& name, const nr::Tensor& t) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(::onnx::AttributeProto::TENSOR);
  *a->mutable_t() = to_proto(t);
}

// The installed ONNX backend test suite (libonnx-testdata).
inline std::string testdata(const std::string& rel) {
  return std::string(NEURON_ONNX_TESTDATA) + "/" + rel;
}
inline bool have_testdata() { return std::filesystem::exists(testdata("node")); }

// All values as doubles; |got - want| <= atol + rtol * |want| everywhere (NaN matches NaN).
inline std::vector<double> values(const nr::Tensor& t) {
  nr::Tensor c = t.cpu();
  std::vector<double> out(static_cast<std::size_t>(c.numel()));
  nr::visit_dtype(c.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = c.numel() ? static_cast<const T*>(c.raw_data()) : nullptr;
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i]);
  });
  return out;
}

inline void check_close(const nr::Tensor& got, const nr::Tensor& want, double rtol = 1e-3,
                        double atol = 1e-7) {
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = values(got), w = values(want);
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (g[i] == w[i]) continue;
    if (!(std::abs(g[i] - w[i]) <= atol + rtol * std::abs(w[i]))) {
      if (!bad) first = i;
      ++bad;
    }
  }
  INFO("first mismatch at " << first << ": got " << (g.empty() ? 0 : g[first]) << ", want "
                            << (w.empty() ? 0 : w[first]));
  CHECK(bad == 0);
}

// Writes bytes to a file (for hostile-file tests).
inline void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

}  // namespace onnx_test

namespace onnx_test {

// One case of the backend test suite: its model and test_data_set_0's inputs and outputs.
struct SuiteCase {
  std::string dir;
  nr::onnx::Model model;
  std::vector<nr::Tensor> inputs, outputs;
};

inline SuiteCase read_case(const std::string& rel) {
  SuiteCase c;
  c.dir = testdata(rel);
  c.model = nr::onnx::load(c.dir + "/model.onnx");
  const std::string set = c.dir + "/test_data_set_0/";
  for (int k = 0; std::filesystem::exists(set + "input_" + std::to_string(k) + ".pb"); ++k)
    c.inputs.push_back(nr::onnx::load_tensor(set + "input_" + std::to_string(k) + ".pb"));
  for (int k = 0; std::filesystem::exists(set + "output_" + std::to_string(k) + ".pb"); ++k)
    c.outputs.push_back(nr::onnx::load_tensor(set + "output_" + std::to_string(k) + ".pb"));
  return c;
}

inline void check_outputs(const std::vector<nr::Tensor>& got, const std::vector<nr::Tensor>& want,
                          double rtol = 1e-3, double atol = 1e-7) {
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i) {
    INFO("output " << i);
    check_close(got[i], want[i], rtol, atol);
  }
}

// A fresh temporary folder for files the test writes.
inline std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() /
             ("neuron_onnx_tests_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

}  // namespace onnx_test
