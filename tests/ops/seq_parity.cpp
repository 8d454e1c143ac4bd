// Every case of tests/fixtures/seq_ops.json (made by PyTorch, see make_seq_op_fixtures.py) run
// through neuron and compared with PyTorch: eagerly, recorded on the lazy device, and traced,
// saved and loaded. Integer and bool results must be exact; float32 within 1e-6 relative.
#include "test_util.hpp"

#include <functional>
#include <map>
#include <set>

namespace {

using Inputs = std::vector<nr::Tensor>;
using Args = nlohmann::json;
using Runner = std::function<nr::Tensor(const Inputs&, const Args&)>;

double number(const Args& a, const char* key) {
  const auto& v = a.at(key);
  if (v.is_string()) return v.get<std::string>() == "-inf" ? -INFINITY : INFINITY;
  return v.get<double>();
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"argmax",
       [](const Inputs& x, const Args& a) {
         return a.contains("dim") ? nr::argmax(x[0], a.at("dim"), a.at("keepdim"))
                                  : nr::argmax(x[0]);
       }},
      {"argmin",
       [](const Inputs& x, const Args& a) {
         return a.contains("dim") ? nr::argmin(x[0], a.at("dim"), a.at("keepdim"))
                                  : nr::argmin(x[0]);
       }},
      {"cumsum", [](const Inputs& x, const Args& a) { return nr::cumsum(x[0], a.at("dim")); }},
      {"prod",
       [](const Inputs& x, const Args& a) {
         return nr::prod(x[0], a.at("dims").get<std::vector<std::int64_t>>(), a.at("keepdim"));
       }},
      {"gather",
       [](const Inputs& x, const Args& a) { return nr::gather(x[0], a.at("dim"), x[1]); }},
      {"index_select",
       [](const Inputs& x, const Args& a) { return nr::index_select(x[0], a.at("dim"), x[1]); }},
      {"index_copy", [](const Inputs& x,
                        const Args& a) { return nr::index_copy(x[0], a.at("dim"), x[1], x[2]); }},
      {"masked_fill",
       [](const Inputs& x, const Args& a) {
         return nr::masked_fill(x[0], x[1], number(a, "value"));
       }},
      {"triu", [](const Inputs& x, const Args& a) { return nr::triu(x[0], a.at("diagonal")); }},
      {"tril", [](const Inputs& x, const Args& a) { return nr::tril(x[0], a.at("diagonal")); }},
      {"arange",
       [](const Inputs&, const Args& a) {
         std::optional<nr::DType> dt;
         if (a.contains("dtype")) dt = nr::dtype_from_name(a.at("dtype").get<std::string>());
         const auto& s = a.at("start");
         const auto& e = a.at("end");
         const auto& st = a.at("step");
         if (s.is_number_integer() && e.is_number_integer() && st.is_number_integer())
           return nr::arange(s.get<std::int64_t>(), e.get<std::int64_t>(), st.get<std::int64_t>(),
                             dt);
         return nr::arange(s.get<double>(), e.get<double>(), st.get<double>(), dt);
       }},
      {"logical_and",
       [](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_and(x[0], x[1])); }},
      {"logical_or",
       [](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_or(x[0], x[1])); }},
      {"logical_not",
       [](const Inputs& x, const Args&) { return nr::Tensor(nr::logical_not(x[0])); }},
      {"remainder",
       [](const Inputs& x, const Args&) { return nr::Tensor(nr::remainder(x[0], x[1])); }},
  };
  return r;
}

void check(const nr::Tensor& got, const nr::Tensor& want, const std::string& name) {
  if (nr::is_floating(want.dtype()))
    test::check_close(got, want, want.dtype() == nr::float32 ? 1e-6 : 1e-12, 0, name);
  else
    test::check_close(got, want, 0, 0, name);
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
    check(it->second(test::case_inputs(c), c.at("args")), test::tensor_from_json(c.at("output")),
          name);
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
    const nr::Tensor want = test::tensor_from_json(c.at("output"));
    Inputs lazy;
    for (const auto& t : in) lazy.push_back(t.to(nr::lazy_device()));
    nr::Tensor y = run(lazy, c.at("args"));
    nr::mark_step();
    check(y.cpu(), want, name + " (lazy)");
    // traced: every input is a module input (indices are data, not constants)
    auto f = [&](const std::vector<nr::Tensor>& xs) {
      return std::vector<nr::Tensor>{run(xs, c.at("args"))};
    };
    nr::TracedModule tm = nr::trace(f, in);
    const std::string bytes = tm.to_bytes();
    nr::TracedModule loaded = nr::load_from_memory(bytes.data(), bytes.size());
    check(loaded.forward(in)[0], want, name + " (traced, loaded)");
    check(tm.forward(in)[0], want, name + " (traced)");
  }
}
