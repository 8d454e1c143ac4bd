// Every case in tests/fixtures/ops.json (made by PyTorch, see make_op_fixtures.py) run through
// neuron and compared with PyTorch's output: dtype, shape and values.
#include "test_util.hpp"

#include <functional>
#include <map>
#include <set>

namespace {

using Inputs = std::vector<nr::Tensor>;
using Args = nlohmann::json;
using Runner = std::function<nr::Tensor(const Inputs&, const Args&)>;

std::vector<std::int64_t> ints(const Args& a, const char* key) {
  return a.at(key).get<std::vector<std::int64_t>>();
}

template <class F>
nr::Tensor with_scalar(const Args& a, F&& f) {
  const auto& s = a.at("scalar");
  if (s.is_boolean()) return f(s.get<bool>());
  if (s.is_number_integer()) return f(s.get<std::int64_t>());
  return f(s.get<double>());
}

// A JSON number, bool or "nan"/"inf"/"-inf" as the C++ number type it came from.
template <class F>
nr::Tensor with_number(const nlohmann::json& s, F&& f) {
  if (s.is_boolean()) return f(s.get<bool>());
  if (s.is_number_integer()) return f(s.get<std::int64_t>());
  if (s.is_string()) {
    const std::string v = s.get<std::string>();
    return f(v == "nan" ? NAN : v == "inf" ? INFINITY : -INFINITY);
  }
  return f(s.get<double>());
}

double number_or(const Args& a, const char* key, double fallback) {
  return a.contains(key) ? a.at(key).get<double>() : fallback;
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"relu", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::relu(x[0]); }},
      {"sigmoid", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::sigmoid(x[0]); }},
      {"tanh", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::tanh(x[0]); }},
      {"exp", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::exp(x[0]); }},
      {"log", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::log(x[0]); }},
      {"sqrt", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::sqrt(x[0]); }},
      {"rsqrt", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::rsqrt(x[0]); }},
      {"abs", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::abs(x[0]); }},
      {"neg", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::neg(x[0]); }},
      {"gelu",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         bool t = a.contains("approximate") && a.at("approximate") == "tanh";
         return nr::gelu(x[0], t ? nr::GeluApproximation::tanh : nr::GeluApproximation::none);
       }},
      {"silu", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::silu(x[0]); }},
      {"hardswish",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::hardswish(x[0]); }},
      {"hardsigmoid",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::hardsigmoid(x[0]); }},
      {"relu6", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::relu6(x[0]); }},
      {"leaky_relu",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         return nr::leaky_relu(x[0], number_or(a, "negative_slope", 0.01));
       }},
      {"elu",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         return nr::elu(x[0], number_or(a, "alpha", 1.0));
       }},
      {"softplus",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         return nr::softplus(x[0], number_or(a, "beta", 1.0), number_or(a, "threshold", 20.0));
       }},
      {"erf", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::erf(x[0]); }},
      {"sin", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::sin(x[0]); }},
      {"cos", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::cos(x[0]); }},
      {"floor", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::floor(x[0]); }},
      {"ceil", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::ceil(x[0]); }},
      {"round", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::round(x[0]); }},
      {"sign", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::sign(x[0]); }},
      {"reciprocal",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::reciprocal(x[0]); }},
      {"clamp",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         if (x.size() == 3) return nr::clamp(x[0], x[1], x[2]);
         return with_number(a.at("lo"), [&](auto lo) {
           return with_number(a.at("hi"),
                              [&](auto hi) -> nr::Tensor { return nr::clamp(x[0], lo, hi); });
         });
       }},
      {"add", [](const Inputs& x, const Args&) -> nr::Tensor { return x[0] + x[1]; }},
      {"sub", [](const Inputs& x, const Args&) -> nr::Tensor { return x[0] - x[1]; }},
      {"mul", [](const Inputs& x, const Args&) -> nr::Tensor { return x[0] * x[1]; }},
      {"div", [](const Inputs& x, const Args&) -> nr::Tensor { return x[0] / x[1]; }},
      {"pow", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::pow(x[0], x[1]); }},
      {"maximum",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::maximum(x[0], x[1]); }},
      {"minimum",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::minimum(x[0], x[1]); }},
      {"mul_scalar",
       [](const Inputs& x, const Args& a) {
         return with_scalar(a, [&](auto s) -> nr::Tensor { return x[0] * s; });
       }},
      {"add_scalar",
       [](const Inputs& x, const Args& a) {
         return with_scalar(a, [&](auto s) -> nr::Tensor { return x[0] + s; });
       }},
      {"pow_scalar",
       [](const Inputs& x, const Args& a) {
         return with_scalar(a, [&](auto s) -> nr::Tensor { return nr::pow(x[0], s); });
       }},
      {"eq", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::eq(x[0], x[1]); }},
      {"ne", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::ne(x[0], x[1]); }},
      {"lt", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::lt(x[0], x[1]); }},
      {"le", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::le(x[0], x[1]); }},
      {"gt", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::gt(x[0], x[1]); }},
      {"ge", [](const Inputs& x, const Args&) -> nr::Tensor { return nr::ge(x[0], x[1]); }},
      {"where",
       [](const Inputs& x, const Args&) -> nr::Tensor { return nr::where(x[0], x[1], x[2]); }},
      {"cast",
       [](const Inputs& x, const Args& a) -> nr::Tensor {
         return nr::cast(x[0], nr::dtype_from_name(a.at("dtype").get<std::string>()));
       }},
      {"sum",
       [](const Inputs& x, const Args& a) {
         return nr::sum(x[0], ints(a, "dims"), a.at("keepdim").get<bool>());
       }},
      {"mean",
       [](const Inputs& x, const Args& a) {
         return nr::mean(x[0], ints(a, "dims"), a.at("keepdim").get<bool>());
       }},
      {"max",
       [](const Inputs& x, const Args& a) {
         return nr::max(x[0], ints(a, "dims"), a.at("keepdim").get<bool>());
       }},
      {"min",
       [](const Inputs& x, const Args& a) {
         return nr::min(x[0], ints(a, "dims"), a.at("keepdim").get<bool>());
       }},
      {"softmax",
       [](const Inputs& x, const Args& a) { return nr::softmax(x[0], a.at("dim").get<int>()); }},
      {"log_softmax", [](const Inputs& x,
                         const Args& a) { return nr::log_softmax(x[0], a.at("dim").get<int>()); }},
      {"layer_norm",
       [](const Inputs& x, const Args& a) {
         return nr::layer_norm(x[0], ints(a, "normalized_shape"),
                               x.size() > 1 ? x[1] : nr::Tensor(),
                               x.size() > 2 ? x[2] : nr::Tensor(), a.at("eps").get<double>());
       }},
      {"embedding", [](const Inputs& x, const Args&) { return nr::embedding(x[0], x[1]); }},
      {"matmul", [](const Inputs& x, const Args&) { return nr::matmul(x[0], x[1]); }},
      {"linear",
       [](const Inputs& x, const Args&) {
         return nr::linear(x[0], x[1], x.size() > 2 ? x[2] : nr::Tensor());
       }},
      {"reshape",
       [](const Inputs& x, const Args& a) { return nr::reshape(x[0], ints(a, "shape")); }},
      {"permute",
       [](const Inputs& x, const Args& a) { return nr::permute(x[0], ints(a, "dims")); }},
      {"transpose",
       [](const Inputs& x, const Args& a) {
         return nr::transpose(x[0], a.at("dim0").get<int>(), a.at("dim1").get<int>());
       }},
      {"slice",
       [](const Inputs& x, const Args& a) {
         return nr::slice(x[0], a.at("dim").get<int>(), a.at("start").get<std::int64_t>(),
                          a.at("end").get<std::int64_t>(), a.at("step").get<std::int64_t>());
       }},
      {"concat",
       [](const Inputs& x, const Args& a) { return nr::concat(x, a.at("dim").get<int>()); }},
  };
  return r;
}

}  // namespace

TEST_CASE("every op agrees with PyTorch on the committed fixtures") {
  const auto& cases = test::fixtures().at("cases");
  REQUIRE(cases.size() > 300);
  std::set<std::string> ops_seen;
  for (const auto& c : cases) {
    const std::string name = c.at("name"), op = c.at("op");
    CAPTURE(name);
    auto it = runners().find(op);
    REQUIRE_MESSAGE(it != runners().end(), "no runner for op " << op);
    ops_seen.insert(op);
    Inputs inputs;
    for (const auto& j : c.at("inputs")) inputs.push_back(test::tensor_from_json(j));
    nr::Tensor want = test::tensor_from_json(c.at("output"));
    nr::Tensor got = it->second(inputs, c.at("args"));
    bool f32 = want.dtype() == nr::float32;
    test::check_close(got, want, f32 ? 2e-6 : 1e-12, f32 ? 1e-6 : 1e-12, name);
  }
  CHECK(ops_seen.size() == runners().size());
}

TEST_CASE("promote_types matches torch.promote_types for every pair") {
  for (const auto& row : test::fixtures().at("promote_types")) {
    nr::DType a = nr::dtype_from_name(row[0].get<std::string>());
    nr::DType b = nr::dtype_from_name(row[1].get<std::string>());
    CAPTURE(a);
    CAPTURE(b);
    CHECK(nr::promote_types(a, b) == nr::dtype_from_name(row[2].get<std::string>()));
  }
}

TEST_CASE("result types with scalars and 0-d tensors match torch.result_type") {
  int checked = 0;
  for (const auto& row : test::fixtures().at("result_type")) {
    nr::ResultType rt;
    rt.add({nr::dtype_from_name(row.at("tensor").get<std::string>()), nr::Priority::dimensioned});
    if (row.contains("scalar")) {
      std::string k = row.at("scalar");
      nr::DType sd = k == "int"     ? nr::wrapped_number_dtype<int>()
                     : k == "float" ? nr::wrapped_number_dtype<double>()
                                    : nr::wrapped_number_dtype<bool>();
      rt.add({sd, nr::Priority::scalar});
    } else {
      rt.add({nr::dtype_from_name(row.at("zero_dim_other").get<std::string>()),
              nr::Priority::zero_dim});
    }
    CAPTURE(row.dump());
    CHECK(rt.result() == nr::dtype_from_name(row.at("result").get<std::string>()));
    ++checked;
  }
  CHECK(checked == 5 * 3 + 5 * 5);
}
