// Every case of tests/fixtures/seq_ops.json (made by PyTorch, see make_seq_op_fixtures.py) run
// through neuron and compared with PyTorch: eagerly, recorded on the lazy device, and traced,
// saved and loaded. Integer and bool results must be exact; float32 within 1e-6 relative. Ops with
// several results (topk, split, chunk) compare each.
#include "test_util.hpp"

#include <functional>
#include <map>
#include <set>

namespace {

using Inputs = std::vector<nr::Tensor>;
using Args = nlohmann::json;
using Outputs = std::vector<nr::Tensor>;
using Runner = std::function<Outputs(const Inputs&, const Args&)>;

// A runner of an op with one result.
template <class F>
Runner one(F f) {
  return [f](const Inputs& x, const Args& a) { return Outputs{nr::Tensor(f(x, a))}; };
}

std::vector<std::int64_t> ints(const Args& a, const char* key) {
  return a.at(key).get<std::vector<std::int64_t>>();
}

double number(const Args& a, const char* key) {
  const auto& v = a.at(key);
  if (v.is_string()) return v.get<std::string>() == "-inf" ? -INFINITY : INFINITY;
  return v.get<double>();
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"argmax", one([](const Inputs& x, const Args& a) {
         return a.contains("dim") ? nr::argmax(x[0], a.at("dim"), a.at("keepdim"))
                                  : nr::argmax(x[0]);
       })},
      {"argmin", one([](const Inputs& x, const Args& a) {
         return a.contains("dim") ? nr::argmin(x[0], a.at("dim"), a.at("keepdim"))
                                  : nr::argmin(x[0]);
       })},
      {"cumsum", one([](const Inputs& x, const Args& a) { return nr::cumsum(x[0], a.at("dim")); })},
      {"prod", one([](const Inputs& x, const Args& a) {
         return nr::prod(x[0], a.at("dims").get<std::vector<std::int64_t>>(), a.at("keepdim"));
       })},
      {"gather",
       one([](const Inputs& x, const Args& a) { return nr::gather(x[0], a.at("dim"), x[1]); })},
      {"index_select", one([](const Inputs& x, const Args& a) {
         return nr::index_select(x[0], a.at("dim"), x[1]);
       })},
      {"index_copy", one([](const Inputs& x, const Args& a) {
         return nr::index_copy(x[0], a.at("dim"), x[1], x[2]);
       })},
      {"masked_fill", one([](const Inputs& x, const Args& a) {
         return nr::masked_fill(x[0], x[1], number(a, "value"));
       })},
      {"triu",
       one([](const Inputs& x, const Args& a) { return nr::triu(x[0], a.at("diagonal")); })},
      {"tril",
       one([](const Inputs& x, const Args& a) { return nr::tril(x[0], a.at("diagonal")); })},
      {"arange", one([](const Inputs&, const Args& a) {
         std::optional<nr::DType> dt;
         if (a.contains("dtype")) dt = nr::dtype_from_name(a.at("dtype").get<std::string>());
         const auto& s = a.at("start");
         const auto& e = a.at("end");
         const auto& st = a.at("step");
         if (s.is_number_integer() && e.is_number_integer() && st.is_number_integer())
           return nr::arange(s.get<std::int64_t>(), e.get<std::int64_t>(), st.get<std::int64_t>(),
                             dt);
         return nr::arange(s.get<double>(), e.get<double>(), st.get<double>(), dt);
       })},
      {"logical_and",
       one([](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_and(x[0], x[1])); })},
      {"logical_or",
       one([](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_or(x[0], x[1])); })},
      {"logical_not",
       one([](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_not(x[0])); })},
      {"remainder",
       one([](const Inputs& x, const Args&) { return nr::Tensor(nr::remainder(x[0], x[1])); })},
      {"topk",
       [](const Inputs& x, const Args& a) {
         auto [values, indices] =
             nr::topk(x[0], a.at("k"), a.at("dim"), a.at("largest"), a.at("sorted"));
         return Outputs{values, indices};
       }},
      {"expand",
       one([](const Inputs& x, const Args& a) { return nr::expand(x[0], ints(a, "shape")); })},
      {"squeeze", one([](const Inputs& x, const Args& a) {
         return a.contains("dim") ? nr::squeeze(x[0], a.at("dim")) : nr::squeeze(x[0]);
       })},
      {"unsqueeze",
       one([](const Inputs& x, const Args& a) { return nr::unsqueeze(x[0], a.at("dim")); })},
      {"flatten", one([](const Inputs& x, const Args& a) {
         return nr::flatten(x[0], a.at("start_dim"), a.at("end_dim"));
       })},
      {"stack", one([](const Inputs& x, const Args& a) { return nr::stack(x, a.at("dim")); })},
      {"split",
       [](const Inputs& x, const Args& a) {
         return a.contains("sizes")
                    ? nr::split(x[0], ints(a, "sizes"), a.at("dim"))
                    : nr::split(x[0], a.at("size").get<std::int64_t>(), a.at("dim"));
       }},
      {"chunk",
       [](const Inputs& x, const Args& a) { return nr::chunk(x[0], a.at("n"), a.at("dim")); }},
      {"pad", one([](const Inputs& x, const Args& a) {
         std::optional<double> value;
         if (a.contains("value")) value = a.at("value").get<double>();
         return nr::pad(x[0], ints(a, "pads"), a.at("mode").get<std::string>(), value);
       })},
      {"repeat",
       one([](const Inputs& x, const Args& a) { return nr::repeat(x[0], ints(a, "repeats")); })},
  };
  return r;
}

void check(const nr::Tensor& got, const nr::Tensor& want, const std::string& name) {
  if (nr::is_floating(want.dtype()))
    test::check_close(got, want, want.dtype() == nr::float32 ? 1e-6 : 1e-12, 0, name);
  else
    test::check_close(got, want, 0, 0, name);
}

// A case's expected results: "outputs" (several) or "output".
Outputs wanted(const nlohmann::json& c) {
  Outputs want;
  if (c.contains("outputs"))
    for (const auto& o : c.at("outputs")) want.push_back(test::tensor_from_json(o));
  else
    want.push_back(test::tensor_from_json(c.at("output")));
  return want;
}

void check_all(const Outputs& got, const Outputs& want, const std::string& name) {
  INFO(name);
  REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < got.size(); ++i)
    check(got[i].cpu(), want[i], name + " result " + std::to_string(i));
}

}  // namespace

TEST_CASE("sequence and indexing ops agree with PyTorch eagerly") {
  const auto& cases = test::fixture_json("seq_ops.json").at("cases");
  REQUIRE(cases.size() >= 200);
  std::set<std::string> seen;
  for (const auto& c : cases) {
    const std::string name = c.at("name"), op = c.at("op");
    CAPTURE(name);
    auto it = runners().find(op);
    REQUIRE_MESSAGE(it != runners().end(), "no runner for op " << op);
    seen.insert(op);
    check_all(it->second(test::case_inputs(c), c.at("args")), wanted(c), name);
  }
  CHECK(seen.size() == runners().size());
}

TEST_CASE("sequence and indexing ops agree with PyTorch in lazy mode and traced + saved + loaded") {
  for (const auto& c : test::fixture_json("seq_ops.json").at("cases")) {
    const std::string name = c.at("name"), op = c.at("op");
    if (op == "arange") continue;  // a creation function: no inputs, nothing recorded
    CAPTURE(name);
    const Runner& run = runners().at(op);
    const Inputs in = test::case_inputs(c);
    const Outputs want = wanted(c);
    Inputs lazy;
    for (const auto& t : in) lazy.push_back(t.to(nr::lazy_device()));
    Outputs y = run(lazy, c.at("args"));
    nr::mark_step();
    check_all(y, want, name + " (lazy)");
    // traced: every input is a module input (indices are data, not constants)
    auto f = [&](const std::vector<nr::Tensor>& xs) { return run(xs, c.at("args")); };
    nr::TracedModule tm = nr::trace(f, in);
    const std::string bytes = tm.to_bytes();
    nr::TracedModule loaded = nr::load_from_memory(bytes.data(), bytes.size());
    check_all(loaded.forward(in), want, name + " (traced, loaded)");
    check_all(tm.forward(in), want, name + " (traced)");
  }
}
