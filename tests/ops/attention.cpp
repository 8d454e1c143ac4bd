// scaled_dot_product_attention against the reference of tests/fixtures/attention_ops.json (torch
// 2.x's math form, see make_attention_fixtures.py): eagerly, on the lazy device, and traced +
// saved + loaded. Then the errors.
#include "test_util.hpp"

namespace {

nr::Tensor run_case(const std::vector<nr::Tensor>& in, const nlohmann::json& args) {
  std::optional<double> scale;
  if (args.contains("scale")) scale = args.at("scale").get<double>();
  return nr::scaled_dot_product_attention(in[0], in[1], in[2], in.size() > 3 ? in[3] : nr::Tensor(),
                                          args.at("is_causal").get<bool>(), scale);
}

void check(const nr::Tensor& got, const nr::Tensor& want, const std::string& name) {
  test::check_close(got, want, want.dtype() == nr::float32 ? 1e-5 : 1e-12, 1e-6, name);
}

}  // namespace

TEST_CASE("scaled_dot_product_attention agrees with torch's math form in every mode") {
  const auto& cases = test::fixture_json("attention_ops.json").at("cases");
  REQUIRE(cases.size() >= 14);
  for (const auto& c : cases) {
    const std::string name = c.at("name");
    CAPTURE(name);
    const std::vector<nr::Tensor> in = test::case_inputs(c);
    const nr::Tensor want = test::tensor_from_json(c.at("output"));
    check(run_case(in, c.at("args")), want, name);

    std::vector<nr::Tensor> lazy;
    for (const auto& t : in) lazy.push_back(t.to(nr::lazy_device()));
    nr::Tensor y = run_case(lazy, c.at("args"));
    nr::mark_step();
    check(y.cpu(), want, name + " (lazy)");

    auto f = [&](const std::vector<nr::Tensor>& xs) {
      return std::vector<nr::Tensor>{run_case(xs, c.at("args"))};
    };
    const std::string bytes = nr::trace(f, in).to_bytes();
    check(nr::load_from_memory(bytes.data(), bytes.size()).forward(in)[0], want,
          name + " (traced, loaded)");
  }
}

TEST_CASE("scaled_dot_product_attention refuses bad input with clear errors") {
  nr::Tensor q = nr::randn({2, 5, 8}), k = nr::randn({2, 7, 8}), v = nr::randn({2, 7, 8});
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q, nr::randn({2, 7, 6}), v),
                        nr::ShapeError, "differ in the feature dim");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q, k, nr::randn({2, 6, 8})),
                        nr::ShapeError, "differ in the source length");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q, nr::randn({3, 7, 8}), v),
                        nr::ShapeError, "cannot broadcast");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q, k, v, nr::ones({5, 6}, nr::bool_)),
                        nr::ShapeError, "does not broadcast to the scores' shape [2, 5, 7]");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q, k, v, nr::ones({5, 7}, nr::int64)),
                        nr::DTypeError, "attn_mask must be bool or float32");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(q.to(nr::float64), k, v), nr::DTypeError,
                        "share a float dtype");
  CHECK_THROWS_WITH_ALL(
      nr::scaled_dot_product_attention(q.to(nr::int64), k.to(nr::int64), v.to(nr::int64)),
      nr::DTypeError, "share a float dtype");
  CHECK_THROWS_WITH_ALL(
      nr::scaled_dot_product_attention(q, k, v, nr::ones({5, 7}, nr::bool_), true), nr::ValueError,
      "either attn_mask or is_causal");
  CHECK_THROWS_WITH_ALL(nr::scaled_dot_product_attention(nr::randn({8}), k, v), nr::ShapeError,
                        "at least 2 dims");
}

TEST_CASE("scaled_dot_product_attention buckets over padded keys it masks") {
  using Sets = std::vector<std::vector<nr::Tensor>>;
  auto keep_mask = [](std::int64_t len, std::int64_t real1) {  // row 1: `real1` real keys
    nr::Tensor m = nr::ones({2, len}, nr::bool_);
    for (std::int64_t j = real1; j < len; ++j) m.data<bool>()[len + j] = false;
    return m;
  };
  auto masked = [](const std::vector<nr::Tensor>& in) {
    const std::int64_t len = in[0].size(1);
    nr::Tensor x = nr::reshape(in[0], {2, 1, len, 8});
    return std::vector<nr::Tensor>{
        nr::scaled_dot_product_attention(x, x, x, nr::reshape(in[1], {2, 1, 1, len}))};
  };
  const Sets examples = {{nr::randn({2, 8, 8}), keep_mask(8, 8)},
                         {nr::randn({2, 16, 8}), keep_mask(16, 16)}};
  nr::BucketOptions o;
  o.pad_values = {0, 0};  // a keep mask padded with false: the padded keys take no part
  nr::TracedModule tm = nr::trace_buckets(masked, examples, o);
  for (std::int64_t len : {3, 8, 11, 16}) {
    const std::vector<nr::Tensor> in = {nr::randn({2, len, 8}), keep_mask(len, len - len / 3)};
    test::check_close(tm.forward(in)[0], masked(in)[0], 1e-5, 1e-6,
                      "length " + std::to_string(len));
  }
  o.pad_values = {0, 1};  // padded with true, the padded keys would be attended
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(masked, examples, o), nr::ValueError,
                        "scaled_dot_product_attention", "mixes values along dim 2",
                        "attention mask's padded keys to be masked");

  // is_causal: queries and keys from one padded input; no real query sees a padded key.
  auto causal = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::scaled_dot_product_attention(in[0], in[0], in[0], {}, true)};
  };
  nr::TracedModule tc =
      nr::trace_buckets(causal, Sets{{nr::randn({2, 8, 8})}, {nr::randn({2, 16, 8})}}, {});
  for (std::int64_t len : {1, 5, 12, 16}) {
    const std::vector<nr::Tensor> in = {nr::randn({2, len, 8})};
    test::check_close(tc.forward(in)[0], causal(in)[0], 1e-5, 1e-6,
                      "causal, length " + std::to_string(len));
  }
  // Without a mask, padded keys would take part.
  auto plain = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::scaled_dot_product_attention(in[0], in[0], in[0])};
  };
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(plain, Sets{{nr::randn({2, 8, 8})}, {nr::randn({2, 16, 8})}}, {}),
      nr::ValueError, "scaled_dot_product_attention", "mixes values along dim 1");
}

TEST_CASE("multihead_attention: heads side by side equal scaled_dot_product_attention per head") {
  nr::manual_seed(41);
  const std::int64_t B = 2, L = 5, S = 7, H = 3, D = 4, E = H * D;
  const nr::Tensor q = nr::randn({B, L, E}), k = nr::randn({B, S, E}), v = nr::randn({B, S, E});
  auto split = [&](const nr::Tensor& t, std::int64_t len) {  // [B, H, len, D]
    return nr::permute(nr::reshape(t, {B, len, H, D}), {0, 2, 1, 3});
  };
  auto merge = [&](const nr::Tensor& t) {
    return nr::reshape(nr::permute(t, {0, 2, 1, 3}), {B, L, E});
  };
  const nr::Tensor bool_mask = nr::gt(nr::rand({B, 1, L, S}), 0.3f);
  const nr::Tensor float_mask = nr::randn({1, H, L, S});
  for (int m = 0; m < 3; ++m) {
    CAPTURE(m);
    const nr::Tensor mask = m == 0 ? nr::Tensor() : m == 1 ? bool_mask : float_mask;
    nr::Tensor got = nr::multihead_attention(q, k, v, H, mask);
    nr::Tensor want =
        merge(nr::scaled_dot_product_attention(split(q, L), split(k, S), split(v, S), mask));
    test::check_close(got, want, 1e-5, 1e-6, "multihead_attention");
  }
  CHECK_THROWS_WITH_ALL(nr::multihead_attention(q, k, v, 5), nr::ValueError,
                        "embed_dim 12 must be a positive multiple of num_heads (5)");
  CHECK_THROWS_WITH_ALL(nr::multihead_attention(q, k, nr::randn({B, S + 1, E}), H), nr::ShapeError,
                        "must be [B, L, E], [B, S, E] and [B, S, E]");
  CHECK_THROWS_WITH_ALL(nr::multihead_attention(q, k, v, H, nr::randn({B, H, L, S + 1})),
                        nr::ShapeError, "does not broadcast to the scores' shape [2, 3, 5, 7]");
  CHECK_THROWS_WITH_ALL(nr::multihead_attention(q, k, v, H, nr::randn({L, S}, nr::float64)),
                        nr::DTypeError, "mask must be bool or float32");
}
