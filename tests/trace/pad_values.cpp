// Pad values tracked through the graph (compiler/padding.hpp, ops/pad_fill.hpp): an op may mix a
// padded dim when the padded entries are its identity there. A BERT-style encoder with a key
// padding mask buckets over the sequence length; without the mask, or with the mask padded with
// false, it is refused, naming the op and the dim. Constants made from a padded size are accepted
// when they only grow at their end.
#include "test_util.hpp"

#include <functional>
#include <limits>

namespace nn = neuron::nn;

namespace {

constexpr double kNegInf = -std::numeric_limits<double>::infinity();
using Sets = std::vector<std::vector<nr::Tensor>>;  // one example set per bucket

// Embedding + position embedding of arange(L) + LayerNorm + one encoder layer (attention with an
// optional key padding mask) + a tanh pooler on token 0, as BERT has them. Inputs: ids [B, L]
// (int64) and, when masked, a bool key padding mask [B, L] (true: padding).
class MiniBert : public nn::Module {
 public:
  MiniBert() {
    nr::manual_seed(11);
    tok_ = register_module("tok", std::make_shared<nn::Embedding>(50, 16));
    pos_ = register_module("pos", std::make_shared<nn::Embedding>(64, 16));
    norm_ = register_module("norm", std::make_shared<nn::LayerNorm>(16));
    layer_ =
        register_module("layer", std::make_shared<nn::TransformerEncoderLayer>(16, 2, 32, 0.0));
    pool_ = register_module("pool", std::make_shared<nn::Linear>(16, 16));
    eval();
  }
  std::vector<nr::Tensor> operator()(const std::vector<nr::Tensor>& in) {
    const nr::Tensor& ids = in[0];
    const std::int64_t b = ids.shape()[0], len = ids.shape()[1];
    nr::Tensor x = tok_->forward(ids) + pos_->forward(nr::arange(len));
    x = norm_->forward(x);
    x = layer_->forward(x, nr::Tensor(), in.size() > 1 ? in[1] : nr::Tensor());
    nr::Tensor first = nr::reshape(nr::slice(x, 1, 0, 1), {b, 16});
    return {x, nr::tanh(pool_->forward(first))};
  }
  nr::Tensor forward(const nr::Tensor& ids) override { return (*this)({ids})[1]; }
  std::string type_name() const override { return "MiniBert"; }

 private:
  std::shared_ptr<nn::Embedding> tok_, pos_;
  std::shared_ptr<nn::LayerNorm> norm_;
  std::shared_ptr<nn::TransformerEncoderLayer> layer_;
  std::shared_ptr<nn::Linear> pool_;
};

nr::Tensor ids(std::int64_t batch, std::int64_t len) {
  return nr::randint(1, 50, {batch, len}, nr::int64);
}

// Row 0 is all real; row 1 has `pad` positions of its own padding at the end (masked).
nr::Tensor key_mask(std::int64_t len, std::int64_t pad) {
  nr::Tensor m = nr::zeros({2, len}, nr::bool_);
  for (std::int64_t j = std::max<std::int64_t>(len - pad, 1); j < len; ++j)
    m.data<bool>()[len + j] = true;
  return m;
}

nr::BucketOptions mask_options() {
  nr::BucketOptions o;
  o.pad_values = {0, true};  // ids: a valid id; mask: true (masked)
  return o;
}

}  // namespace

TEST_CASE("a BERT-style encoder with a key padding mask buckets over the sequence length") {
  MiniBert bert;
  const std::vector<std::vector<nr::Tensor>> examples = {
      {ids(2, 16), key_mask(16, 0)}, {ids(2, 32), key_mask(32, 0)}, {ids(2, 64), key_mask(64, 0)}};
  nr::TracedModule tm = nr::trace_buckets(bert, examples, mask_options());
  CHECK(tm.bucket_count() == 3);
  CHECK(tm.data().pad_values == std::vector<double>{0, 1});
  // The ids and the mask meet in the attention: a call gives them one length.
  REQUIRE(tm.data().tied_dims.size() == 1);
  CHECK(tm.data().tied_dims[0].size() == 2);
  // The pooler reads token 0 as a real one: an empty sequence is refused.
  CHECK(tm.data().min_extents == std::vector<std::int64_t>{1, 1});
  for (std::int64_t len : {1, 5, 16, 17, 23, 40, 64}) {
    const std::vector<nr::Tensor> in = {ids(2, len), key_mask(len, len / 3)};
    const std::vector<nr::Tensor> got = tm.forward(in), want = bert(in);
    REQUIRE(got.size() == 2);
    CHECK(got[0].shape() == nr::Shape{2, len, 16});
    CHECK(got[1].shape() == nr::Shape{2, 16});
    test::check_close(got[0], want[0], 1e-4, 1e-5, "hidden states, length " + std::to_string(len));
    test::check_close(got[1], want[1], 1e-4, 1e-5, "pooled, length " + std::to_string(len));
  }
  CHECK_THROWS_WITH_ALL(tm.forward({ids(2, 20), key_mask(25, 0)}), nr::ShapeError,
                        "input 0 dim 1 has size 20 but input 1 dim 1 has size 25",
                        "the model combines them");
  CHECK_THROWS_WITH_ALL(tm.forward({ids(2, 0), key_mask(0, 0)}), nr::ShapeError, "has size 0",
                        "reads its first 1 entries");
  CHECK_THROWS_WITH_ALL(tm.forward({ids(2, 65), key_mask(65, 0)}), nr::ShapeError,
                        "no bucket fits");
}

TEST_CASE("the encoder is refused without a mask, or with the mask padded with false") {
  MiniBert bert;
  auto unmasked = [&](const std::vector<nr::Tensor>& in) { return bert({in[0]}); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(unmasked, Sets{{ids(2, 16)}, {ids(2, 32)}}, {}),
                        nr::ValueError, "trace_buckets: multihead_attention",
                        "mixes values along dim 1 of its input 1 [2, 16, 16]",
                        "padding of input 0 dim 1", "whose padded entries hold unknown values",
                        "it needs the attention mask's padded keys to be masked");
  nr::BucketOptions o;
  o.pad_values = {0, 0};  // a mask padded with false leaves the padded keys unmasked
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(bert, {{ids(2, 16), key_mask(16, 0)}, {ids(2, 32), key_mask(32, 0)}}, o),
      nr::ValueError, "multihead_attention", "mixes values along dim 1", "input 0 dim 1",
      "input 1 dim 1", "unknown values", "padded keys to be masked");
  // The scalar default applies to every input; 0.5 fits neither ids nor a bool mask.
  nr::BucketOptions half;
  half.pad_value = 0.5;
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(bert, {{ids(2, 16), key_mask(16, 0)}, {ids(2, 32), key_mask(32, 0)}}, half),
      nr::ValueError, "the pad value 0.5 for input 0 does not fit its dtype int64",
      "give one per input with pad_values");
  nr::BucketOptions three;
  three.pad_values = {0, 1, 0};
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(bert, {{ids(2, 16), key_mask(16, 0)}, {ids(2, 32), key_mask(32, 0)}},
                        three),
      nr::ValueError, "pad_values has 3 values but the model takes 2 inputs");
}

TEST_CASE("reductions over padded dims: by their identity, never a mean") {
  const std::vector<nr::Tensor> ex = {nr::randn({2, 4, 3}), nr::randn({2, 8, 3})};
  auto mean_keys = [](const nr::Tensor& x) { return nr::mean(x, {1}, false); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(mean_keys, ex, {}), nr::ValueError, "mean (node",
                        "mixes values along dim 1", "hold 0", "mean divides by the padded size",
                        "divide by the real count");
  // Sums over zeros, maxima over -inf and products over ones are what they were.
  auto product = [](const nr::Tensor& x) { return nr::prod(x, {1}, false); };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(product, ex, {}), nr::ValueError, "prod", "hold 0",
                        "it needs 1 there");
  auto sums = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::sum(in[0], {1}, false), nr::prod(in[0] + 1.0f, {1}, false)};
  };
  nr::TracedModule s = nr::trace_buckets(sums, Sets{{ex[0]}, {ex[1]}}, {});
  const nr::Tensor x5 = nr::randn({2, 5, 3});
  test::check_close(s.forward({x5})[0], sums({x5})[0], 1e-6, 1e-6, "sum over zeros");
  test::check_close(s.forward({x5})[1], sums({x5})[1], 1e-6, 1e-6, "product over x + 1 = 1");
  nr::BucketOptions ninf;
  ninf.pad_value = kNegInf;
  auto max_keys = [](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::max(in[0], {1}, false), nr::argmax(in[0], 1)};
  };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(max_keys, Sets{{ex[0]}, {ex[1]}}, {}), nr::ValueError,
                        "max", "hold 0", "needs -inf");
  nr::TracedModule m = nr::trace_buckets(max_keys, Sets{{ex[0]}, {ex[1]}}, ninf);
  const auto got = m.forward({x5}), want = max_keys({x5});
  test::check_equal(got[0], want[0]);
  test::check_equal(got[1], want[1]);
  // Two padded dims reduced in one op would read the entries padded along both, which no fill
  // describes: here eye(L)'s diagonal, 0 along either dim's padded entries but 1 in the corner.
  auto corner = [](const nr::Tensor& x) {
    const std::int64_t n = x.shape()[0];
    const nr::Tensor eye = nr::tril(nr::triu(nr::ones({n, n})));
    return nr::sum(x + eye, {0, 1}, false);
  };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(corner, {nr::zeros({4, 4}), nr::zeros({8, 8})}, {}),
                        nr::ValueError, "sum", "mixes 2 padded dims at once");
  // A masked mean: the sum of the masked values over the real count, with the mask padded with 0.
  auto masked_mean = [](const std::vector<nr::Tensor>& in) {
    nr::Tensor w = nr::reshape(in[1], {in[1].shape()[0], in[1].shape()[1], 1});
    return std::vector<nr::Tensor>{
        nr::Tensor(nr::sum(in[0] * w, {1}, false) / nr::sum(w, {1}, false))};
  };
  nr::TracedModule mm =
      nr::trace_buckets(masked_mean, {{ex[0], nr::ones({2, 4})}, {ex[1], nr::ones({2, 8})}}, {});
  const std::vector<nr::Tensor> in = {x5, nr::ones({2, 5})};
  test::check_close(mm.forward(in)[0], masked_mean(in)[0], 1e-6, 1e-6, "masked mean");
  test::check_close(mm.forward(in)[0], nr::mean(x5, {1}, false), 1e-6, 1e-6, "the real mean");
}

TEST_CASE("masks as models write them: additive -inf, masked_fill, keep-masks compared to 0") {
  nr::manual_seed(4);
  const nr::Tensor wq = nr::randn({8, 8});
  // scores [B, L, L] over x [B, L, 8], masked by an int keep-mask (1: real, 0: padding).
  auto attend = [&](const nr::Tensor& x, const nr::Tensor& masked_scores) {
    return nr::matmul(nr::softmax(masked_scores, -1), x);
  };
  auto scores = [&](const nr::Tensor& x) {
    return nr::matmul(nr::linear(x, wq), nr::transpose(x, 1, 2));
  };
  auto keep_mask = [&](const std::vector<nr::Tensor>& in) {
    const nr::Tensor& m = in[1];  // [B, L] int64
    nr::Tensor k = nr::reshape(m, {m.shape()[0], 1, m.shape()[1]});
    return std::vector<nr::Tensor>{attend(in[0], nr::where(nr::eq(k, 0), kNegInf, scores(in[0])))};
  };
  auto filled = [&](const std::vector<nr::Tensor>& in) {
    const nr::Tensor& m = in[1];  // [B, L] bool, true: padding
    nr::Tensor k = nr::reshape(m, {m.shape()[0], 1, m.shape()[1]});
    return std::vector<nr::Tensor>{attend(
        in[0], nr::masked_fill(scores(in[0]), nr::logical_not(nr::logical_not(k)), kNegInf))};
  };
  auto additive = [&](const std::vector<nr::Tensor>& in) {
    const nr::Tensor& m = in[1];  // [B, L] float: 0 or -inf
    nr::Tensor k = nr::reshape(m, {m.shape()[0], 1, m.shape()[1]});
    return std::vector<nr::Tensor>{attend(in[0], scores(in[0]) + k)};
  };
  const nr::Tensor x4 = nr::randn({1, 4, 8}), x8 = nr::randn({1, 8, 8}), x6 = nr::randn({1, 6, 8});
  struct Case {
    const char* name;
    std::function<std::vector<nr::Tensor>(const std::vector<nr::Tensor>&)> fn;
    nr::DType dtype;
    double real, pad;  // mask values at real positions and the pad value
  };
  for (const Case& c :
       {Case{"keep mask", keep_mask, nr::int64, 1, 0}, Case{"masked_fill", filled, nr::bool_, 0, 1},
        Case{"additive", additive, nr::float32, 0, kNegInf}}) {
    CAPTURE(c.name);
    auto mask = [&](std::int64_t len) { return nr::full({1, len}, c.real, c.dtype); };
    nr::BucketOptions o;
    o.pad_values = {0, c.pad};
    nr::TracedModule tm = nr::trace_buckets(c.fn, {{x4, mask(4)}, {x8, mask(8)}}, o);
    const std::vector<nr::Tensor> in = {x6, mask(6)};
    test::check_close(tm.forward(in)[0], c.fn(in)[0], 1e-5, 1e-6, c.name);
    o.pad_values = {0, c.real};  // padded like a real position: the padded keys count
    CHECK_THROWS_WITH_ALL(nr::trace_buckets(c.fn, {{x4, mask(4)}, {x8, mask(8)}}, o),
                          nr::ValueError, "softmax", "needs -inf");
  }
}

TEST_CASE("constants made from a padded size: position ids and a causal mask bucket as written") {
  nr::manual_seed(5);
  nn::MultiheadAttention mha(8, 2);
  mha.eval();
  nn::Embedding pos(32, 8);
  auto causal = [&](const nr::Tensor& x) {
    const std::int64_t len = x.shape()[1];
    nr::Tensor mask = nr::triu(nr::full({len, len}, kNegInf), 1);
    return mha.forward(x + pos.forward(nr::arange(len)), x, x, mask);
  };
  nr::TracedModule tm = nr::trace_buckets(
      causal, {nr::randn({2, 8, 8}), nr::randn({2, 16, 8}), nr::randn({2, 32, 8})}, {});
  for (std::int64_t len : {1, 3, 8, 9, 20, 32}) {
    const nr::Tensor x = nr::randn({2, len, 8});
    test::check_close(tm(x), causal(x), 1e-4, 1e-5, "causal, length " + std::to_string(len));
  }
  // A constant that changes at real positions when the size grows is refused, naming it.
  auto scaled_positions = [](const nr::Tensor& x) {
    const std::int64_t len = x.shape()[1];
    const nr::Tensor at = nr::cast(nr::arange(len), nr::float32) * (1.0f / len);  // eager: [L]
    return nr::Tensor(x + at);
  };
  CHECK_THROWS_WITH_ALL(
      nr::trace_buckets(scaled_positions, {nr::randn({1, 4}), nr::randn({1, 8})}, {}),
      nr::ValueError, "trace_buckets: the constant [8] float32", "of bucket 1 ([1, 8])",
      "cut to bucket 0 ([1, 4])'s extent [4]", "padded size");
  // A scalar made from the size still is.
  auto by_length = [](const nr::Tensor& x) {
    return nr::Tensor(x * (1.0f / static_cast<float>(x.shape()[1])));
  };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(by_length, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
                        nr::ValueError, "fused (node 0) uses the scalar 0.25 in bucket 0 ([2, 4])",
                        "0.125 in bucket 1 ([2, 8])", "padded size");
  // A constant whose size grows with no padded dim.
  auto doubled = [](const nr::Tensor& x) {
    return nr::sum(nr::matmul(x, nr::ones({x.shape()[1], 2 * x.shape()[1]})), {1}, false);
  };
  CHECK_THROWS_WITH_ALL(nr::trace_buckets(doubled, {nr::randn({2, 4}), nr::randn({2, 8})}, {}),
                        nr::ValueError, "the constant [4, 8] float32", "has 8 entries along dim 1",
                        "16 in bucket 1", "follows no padded dim");
}

TEST_CASE("a bucketed module with per-input pad values round-trips through a file") {
  MiniBert bert;
  nr::TracedModule tm = nr::trace_buckets(
      bert, {{ids(2, 16), key_mask(16, 0)}, {ids(2, 32), key_mask(32, 0)}}, mask_options());
  nr::TracedModule back = nr::load_from_memory(tm.to_bytes().data(), tm.to_bytes().size());
  CHECK(back.data().pad_values == std::vector<double>{0, 1});
  CHECK(back.data().tied_dims.size() == 1);
  CHECK(back.data().min_extents == std::vector<std::int64_t>{1, 1});
  for (std::int64_t len : {3, 16, 30}) {
    const std::vector<nr::Tensor> in = {ids(2, len), key_mask(len, 2)};
    const auto a = back.forward(in), b = tm.forward(in);
    test::check_equal(a[0], b[0]);
    test::check_equal(a[1], b[1]);
  }
  CHECK_THROWS_WITH_ALL(back.forward({ids(2, 20), key_mask(21, 0)}), nr::ShapeError,
                        "the model combines them");
}

TEST_CASE("dynamic_batch: per-input pad values, constants that follow the batch, no mixing") {
  nr::manual_seed(6);
  nn::Embedding emb(10, 4);
  // Ids padded with 9 (any valid id) and a per-row scale padded with 1.
  auto f = [&](const std::vector<nr::Tensor>& in) {
    return std::vector<nr::Tensor>{nr::Tensor(emb.forward(in[0]) * in[1])};
  };
  nr::TraceOptions o;
  o.dynamic_batch = true;
  o.pad_values = {9, 1};
  nr::TracedModule tm =
      nr::trace(f, {nr::randint(0, 10, {4, 3}, nr::int64), nr::rand({4, 1, 1})}, o);
  CHECK(tm.data().pad_values == std::vector<double>{9, 1});
  const std::vector<nr::Tensor> in = {nr::randint(0, 10, {7, 3}, nr::int64), nr::rand({7, 1, 1})};
  test::check_equal(tm.forward(in)[0], f(in)[0]);
  // A constant with one row per batch entry is fine when its rows agree ...
  auto offset = [](const nr::Tensor& x) {
    return nr::Tensor(x + nr::full({x.shape()[0], 1}, 2.0));
  };
  nr::TraceOptions one;
  one.dynamic_batch = true;
  nr::TracedModule off = nr::trace(offset, nr::randn({2, 3}), one);
  const nr::Tensor x5 = nr::randn({5, 3});
  test::check_equal(off(x5), offset(x5));
  // ... but not when each chunk would read rows meant for the first one.
  auto numbered = [](const nr::Tensor& x) {
    return nr::Tensor(
        x + nr::reshape(nr::cast(nr::arange(x.shape()[0]), nr::float32), {x.shape()[0], 1}));
  };
  CHECK_THROWS_WITH_ALL(nr::trace(numbered, nr::randn({2, 3}), one), nr::ValueError,
                        "dynamic_batch: the constant", "follows the batch along dim 0",
                        "runs the batch in chunks");
  // Identity values do not help across chunks: each chunk runs on its own.
  one.pad_value = kNegInf;
  auto over_batch = [](const nr::Tensor& x) { return nr::softmax(x, 0); };
  CHECK_THROWS_WITH_ALL(nr::trace(over_batch, nr::randn({2, 3}), one), nr::ValueError,
                        "dynamic_batch: softmax", "mixes values along dim 0",
                        "runs the batch in chunks");
}

TEST_CASE("the attention hook: padded keys are harmless when the mask masks them") {
  // A fused attention op over q [B, Lq, E], k and v [B, Lk, E] and a bool mask [B, 1, Lk] (true:
  // masked), with the key dim padded, asks pad_rule_attention about the dims it mixes.
  const std::vector<nr::TensorSpec> in = {{nr::Shape{2, 4, 8}, nr::float32},
                                          {nr::Shape{2, 6, 8}, nr::float32},
                                          {nr::Shape{2, 6, 8}, nr::float32},
                                          {nr::Shape{2, 1, 6}, nr::bool_}};
  const nr::TensorSpec out{nr::Shape{2, 4, 8}, nr::float32};
  nr::DimFlow flow = nr::DimFlow::broadcast(in, out);
  flow.set(1, 1, nr::DimFlow::kMixed);
  flow.set(2, 1, nr::DimFlow::kMixed);
  flow.set(3, 2, nr::DimFlow::kMixed);
  auto verdicts = [&](const nr::PadFill& mask_fill, const nr::PadFill& v_fill) {
    std::vector<std::vector<nr::PadCheck::Dim>> dims(in.size());
    for (std::size_t k = 0; k < in.size(); ++k)
      dims[k].resize(static_cast<std::size_t>(in[k].shape.rank()));
    dims[1][1] = {true, nr::PadFill::unknown(), 1, 0};
    dims[2][1] = {true, v_fill, 1, 0};
    dims[3][2] = {true, mask_fill, 1, 0};
    nr::PadCheck c(in, out, flow, nullptr, dims, {}, {});
    nr::AttentionPadArgs a;
    a.k = 1;
    a.v = 2;
    a.key_dim_k = 1;
    a.key_dim_v = 1;
    a.mask = 3;
    a.mask_key_dim = 2;
    a.masked = 1;  // true masks a key
    nr::pad_rule_attention(c, a);
    std::vector<nr::PadCheck::Verdict> out_v;
    for (auto [k, d] : {std::pair<std::size_t, int>{1, 1}, {2, 1}, {3, 2}})
      out_v.push_back(c.use(k, d).verdict);
    return std::make_pair(out_v, c.use(1, 1).why);
  };
  using V = nr::PadCheck::Verdict;
  const std::vector<V> accepted(3, V::identity), refused(3, V::refused);
  CHECK(verdicts(nr::PadFill::of(1), nr::PadFill::unknown()).first == accepted);
  const auto [v, why] = verdicts(nr::PadFill::of(0), nr::PadFill::unknown());
  CHECK(v == refused);
  CHECK(why.find("key padding mask") != std::string::npos);
  // Values that are not finite at padded keys would turn their zero weights into NaN.
  CHECK(verdicts(nr::PadFill::of(1), nr::PadFill::of(kNegInf)).first == refused);
}
