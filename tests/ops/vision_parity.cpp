// Every case of tests/fixtures/vision_ops.json (made by PyTorch, see make_vision_op_fixtures.py)
// run through neuron and compared with PyTorch: eagerly, recorded on the lazy device, and traced,
// saved and loaded (the file keeps the attributes; the oneDNN primitives are made again at load).
#include "test_util.hpp"

#include <functional>
#include <map>
#include <set>

namespace {

using Inputs = std::vector<nr::Tensor>;  // absent optional inputs are undefined tensors
using Args = nlohmann::json;
using Runner = std::function<nr::Tensor(const Inputs&, const Args&)>;

std::vector<std::int64_t> ints(const Args& a, const char* key) {
  return a.at(key).get<std::vector<std::int64_t>>();
}
nr::IntPair pair(const Args& a, const char* key) {
  auto v = ints(a, key);
  return {v.at(0), v.at(1)};
}

const std::map<std::string, Runner>& runners() {
  static const std::map<std::string, Runner> r = {
      {"conv2d",
       [](const Inputs& x, const Args& a) {
         return nr::conv2d(x[0], x[1], x[2], pair(a, "stride"), pair(a, "padding"),
                           pair(a, "dilation"), a.at("groups"));
       }},
      {"conv1d",
       [](const Inputs& x, const Args& a) {
         return nr::conv1d(x[0], x[1], x[2], ints(a, "stride")[0], ints(a, "padding")[0],
                           ints(a, "dilation")[0], a.at("groups"));
       }},
      {"conv_transpose2d",
       [](const Inputs& x, const Args& a) {
         return nr::conv_transpose2d(x[0], x[1], x[2], pair(a, "stride"), pair(a, "padding"),
                                     pair(a, "output_padding"), a.at("groups"),
                                     pair(a, "dilation"));
       }},
      {"max_pool2d",
       [](const Inputs& x, const Args& a) {
         return nr::max_pool2d(x[0], pair(a, "kernel"), pair(a, "stride"), pair(a, "padding"),
                               pair(a, "dilation"), a.at("ceil_mode"));
       }},
      {"max_pool1d",
       [](const Inputs& x, const Args& a) {
         return nr::max_pool1d(x[0], ints(a, "kernel")[0], ints(a, "stride")[0],
                               ints(a, "padding")[0], ints(a, "dilation")[0], a.at("ceil_mode"));
       }},
      {"avg_pool2d",
       [](const Inputs& x, const Args& a) {
         return nr::avg_pool2d(x[0], pair(a, "kernel"), pair(a, "stride"), pair(a, "padding"),
                               a.at("ceil_mode"), a.at("count_include_pad"));
       }},
      {"avg_pool1d",
       [](const Inputs& x, const Args& a) {
         return nr::avg_pool1d(x[0], ints(a, "kernel")[0], ints(a, "stride")[0],
                               ints(a, "padding")[0], a.at("ceil_mode"), a.at("count_include_pad"));
       }},
      {"adaptive_avg_pool2d",
       [](const Inputs& x, const Args& a) {
         return nr::adaptive_avg_pool2d(x[0], pair(a, "output_size"));
       }},
      {"adaptive_avg_pool1d",
       [](const Inputs& x, const Args& a) {
         return nr::adaptive_avg_pool1d(x[0], ints(a, "output_size")[0]);
       }},
      {"batch_norm",
       [](const Inputs& x, const Args& a) {
         return nr::batch_norm(x[0], x[1], x[2], x[3], x[4], a.at("eps"));
       }},
      {"group_norm",
       [](const Inputs& x, const Args& a) {
         return nr::group_norm(x[0], a.at("groups"), x[1], x[2], a.at("eps"));
       }},
      {"interpolate",
       [](const Inputs& x, const Args& a) {
         return nr::interpolate(x[0], ints(a, "size"), a.at("mode"), a.at("align_corners"));
       }},
      {"interpolate_scale",
       [](const Inputs& x, const Args& a) {
         return nr::interpolate_scale(x[0], a.at("scale_factor").get<std::vector<double>>(),
                                      a.at("mode"), a.at("align_corners"));
       }},
  };
  return r;
}

void check(const nr::Tensor& got, const nr::Tensor& want, const std::string& name) {
  const bool f32 = want.dtype() == nr::float32;
  test::check_close(got, want, f32 ? 1e-4 : 1e-10, f32 ? 1e-5 : 1e-12, name);
}

}  // namespace

TEST_CASE("vision ops agree with PyTorch eagerly") {
  const auto& cases = test::fixture_json("vision_ops.json").at("cases");
  REQUIRE(cases.size() >= 60);
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

TEST_CASE("vision ops agree with PyTorch in lazy mode and traced + saved + loaded") {
  for (const auto& c : test::fixture_json("vision_ops.json").at("cases")) {
    const std::string name = c.at("name"), op = c.at("op");
    CAPTURE(name);
    const Runner& run = runners().at(op);
    const Inputs in = test::case_inputs(c);
    const nr::Tensor want = test::tensor_from_json(c.at("output"));
    // lazy: every defined input on the lazy device
    Inputs lazy;
    for (const auto& t : in) lazy.push_back(t.defined() ? t.to(nr::lazy_device()) : t);
    nr::Tensor y = run(lazy, c.at("args"));
    nr::mark_step();
    check(y.cpu(), want, name + " (lazy)");
    // traced: the first input is the module's input, the others (weights) are captured
    auto f = [&](const std::vector<nr::Tensor>& xs) {
      Inputs all = in;
      all[0] = xs[0];
      return std::vector<nr::Tensor>{run(all, c.at("args"))};
    };
    nr::TracedModule tm = nr::trace(f, std::vector<nr::Tensor>{in[0]});
    const std::string bytes = tm.to_bytes();
    nr::TracedModule loaded = nr::load_from_memory(bytes.data(), bytes.size());
    check(loaded.forward({in[0]})[0], want, name + " (traced, loaded)");
    check(tm.forward({in[0]})[0], want, name + " (traced)");
  }
}
