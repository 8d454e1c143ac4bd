// Shared test helpers (also the precompiled header of the test binary).
#pragma once

#include <doctest/doctest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <neuron/interop/eigen.hpp>
#include <neuron/interop/xtensor.hpp>
#include <neuron/neuron.hpp>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace nr = neuron;

namespace test {

// All values of a tensor as doubles (row-major).
inline std::vector<double> values(const nr::Tensor& t) {
  std::vector<double> out(static_cast<std::size_t>(t.numel()));
  nr::visit_dtype(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* p = static_cast<const T*>(t.raw_data());
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<double>(p[i]);
  });
  return out;
}

// Checks dtype, shape and every value (|got - want| <= atol + rtol * |want|; NaN matches NaN).
inline void check_close(const nr::Tensor& got, const nr::Tensor& want, double rtol = 1e-5,
                        double atol = 1e-6, const std::string& what = "") {
  INFO(what);
  REQUIRE(got.dtype() == want.dtype());
  REQUIRE(got.shape() == want.shape());
  auto g = values(got), w = values(want);
  double worst = 0;
  std::size_t worst_at = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    if (std::isnan(w[i]) && std::isnan(g[i])) continue;
    if (std::isinf(w[i]) && g[i] == w[i]) continue;
    double excess = std::abs(g[i] - w[i]) - (atol + rtol * std::abs(w[i]));
    if (!(excess <= worst)) {
      worst = std::isnan(excess) ? INFINITY : excess;
      worst_at = i;
    }
  }
  INFO("worst element " << worst_at << ": got " << (g.empty() ? 0 : g[worst_at]) << ", want "
                        << (w.empty() ? 0 : w[worst_at]));
  CHECK(worst <= 0);
}

inline void check_equal(const nr::Tensor& got, const nr::Tensor& want) {
  check_close(got, want, 0, 0);
}

inline const nlohmann::json& fixtures() {
  static const nlohmann::json j = [] {
    std::ifstream in(std::string(NEURON_FIXTURES_DIR) + "/ops.json");
    REQUIRE_MESSAGE(in.good(), "missing tests/fixtures/ops.json");
    return nlohmann::json::parse(in);
  }();
  return j;
}

// tests/fixtures/<file> (a JSON file of cases made by PyTorch), parsed once.
inline const nlohmann::json& fixture_json(const std::string& file) {
  static std::map<std::string, nlohmann::json> parsed;
  auto it = parsed.find(file);
  if (it == parsed.end()) {
    std::ifstream in(std::string(NEURON_FIXTURES_DIR) + "/" + file);
    REQUIRE_MESSAGE(in.good(), "missing tests/fixtures/" << file);
    it = parsed.emplace(file, nlohmann::json::parse(in)).first;
  }
  return it->second;
}

// {"dtype", "shape", "data"} -> Tensor; "nan"/"inf"/"-inf" strings become those floats.
inline nr::Tensor tensor_from_json(const nlohmann::json& j) {
  nr::DType dt = nr::dtype_from_name(j.at("dtype").get<std::string>());
  nr::Shape shape(j.at("shape").get<std::vector<std::int64_t>>());
  nr::Tensor t = nr::Tensor::empty(shape, dt);
  const auto& data = j.at("data");
  nr::visit_dtype(dt, [&](auto tag) {
    using T = decltype(tag);
    T* p = t.data<T>();
    for (std::size_t i = 0; i < data.size(); ++i) {
      const auto& v = data[i];
      if (v.is_string()) {
        std::string s = v.get<std::string>();
        double d = s == "nan" ? NAN : s == "inf" ? INFINITY : -INFINITY;
        p[i] = static_cast<T>(d);
      } else if constexpr (std::is_same_v<T, bool>) {
        p[i] = v.get<bool>();
      } else {
        p[i] = v.get<T>();
      }
    }
  });
  return t;
}

// A fixture case's inputs; null stands for an absent optional input (an undefined tensor).
inline std::vector<nr::Tensor> case_inputs(const nlohmann::json& c) {
  std::vector<nr::Tensor> in;
  for (const auto& j : c.at("inputs"))
    in.push_back(j.is_null() ? nr::Tensor() : tensor_from_json(j));
  return in;
}

// The graph mark_step would build for these lazy tensors.
inline nr::Graph graph_of(const std::vector<nr::Tensor>& outs) {
  std::vector<nr::IrNodePtr> nodes;
  for (const auto& t : outs) nodes.push_back(nr::lazy::node_of(t));
  return nr::build_graph(nodes);
}

template <class Fn>
std::string error_message(Fn&& fn) {
  try {
    fn();
  } catch (const nr::Error& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace test

// CHECK that `expr` throws exception type `E` whose message contains every listed fragment.
#define CHECK_THROWS_WITH_ALL(expr, E, ...)                                           \
  do {                                                                                \
    std::string msg_;                                                                 \
    bool thrown_ = false;                                                             \
    try {                                                                             \
      (void)(expr);                                                                   \
    } catch (const E& e_) {                                                           \
      thrown_ = true;                                                                 \
      msg_ = e_.what();                                                               \
    }                                                                                 \
    CHECK_MESSAGE(thrown_, "expected " #E " from " #expr);                            \
    for (const char* frag_ : {__VA_ARGS__})                                           \
      CHECK_MESSAGE(msg_.find(frag_) != std::string::npos,                            \
                    "message '" << msg_ << "' lacks '" << std::string(frag_) << "'"); \
  } while (0)
