// add_layer_norm (ops/add_layer_norm.hpp): layer_norm of a sum in one pass, against the sum and
// layer_norm in float64, bit for bit against the unfused float32 ops, and its refusals.
#include "test_util.hpp"

#include <neuron/ops/add_layer_norm.hpp>

namespace {

nr::Tensor f64(const nr::Tensor& t) { return nr::cast(t, nr::float64); }

nr::Tensor run_add_layer_norm(int addends, const std::vector<std::int64_t>& ns, bool weight,
                              bool bias, const std::vector<nr::Tensor>& in) {
  nr::AddLayerNorm op;
  op.addends = addends;
  op.normalized_shape = ns;
  op.has_weight = weight;
  op.has_bias = bias;
  return nr::run_op(op, in);
}

}  // namespace

TEST_CASE("add_layer_norm: 2 and 3 addends, broadcast over leading dims, matches float64") {
  nr::manual_seed(5);
  // BERT's embeddings: word [B, L, E] + position [L, E] (broadcast over B) + token type [B, L, E]
  const nr::Tensor word = nr::randn({3, 7, 40}), pos = nr::randn({7, 40}),
                   type = nr::randn({3, 7, 40}), w = nr::randn({40}), b = nr::randn({40});
  for (bool weight : {false, true})
    for (bool bias : {false, true}) {
      CAPTURE(weight);
      CAPTURE(bias);
      std::vector<nr::Tensor> in{word, pos, type};
      if (weight) in.push_back(w);
      if (bias) in.push_back(b);
      const nr::Tensor got = run_add_layer_norm(3, {40}, weight, bias, in);
      const nr::Tensor want =
          nr::layer_norm(f64(word) + f64(pos) + f64(type), {40}, weight ? f64(w) : nr::Tensor(),
                         bias ? f64(b) : nr::Tensor());
      test::check_close(got, nr::cast(want, nr::float32), 1e-5, 1e-5, "3 addends");
      // and bit for bit the unfused float32 ops, which add left to right
      test::check_equal(got, nr::layer_norm(word + pos + type, {40}, weight ? w : nr::Tensor(),
                                            bias ? b : nr::Tensor()));
    }
  // a residual add over two normalized dims, the first addend broadcast: [1, 5, 6] + [4, 5, 6]
  const nr::Tensor r = nr::randn({1, 5, 6}), x = nr::randn({4, 5, 6});
  test::check_equal(run_add_layer_norm(2, {5, 6}, false, false, {r, x}),
                    nr::layer_norm(r + x, {5, 6}));
}

TEST_CASE("add_layer_norm refuses what it cannot run, naming the problem") {
  const nr::Tensor x = nr::randn({4, 8}), y = nr::randn({4, 8}), w = nr::randn({8});
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {8}, false, false, {x, nr::randn({4, 1})}),
                        nr::ShapeError, "add_layer_norm: addend 1", "[4, 1]", "[8]");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {8}, false, false, {x, nr::randn({3, 8})}),
                        nr::ShapeError, "add_layer_norm: cannot broadcast");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {8}, false, false, {x, f64(y)}), nr::DTypeError,
                        "addend 1", "float32 only");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(1, {8}, false, false, {x}), nr::ValueError,
                        "at least 2 addends");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {8}, true, false, {x, y, nr::randn({4})}),
                        nr::ShapeError, "weight has shape [4]");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {8}, true, false, {x, y}), nr::Error,
                        "add_layer_norm");
  CHECK_THROWS_WITH_ALL(run_add_layer_norm(2, {}, false, false, {x, y}), nr::ShapeError,
                        "at least one dim");
}
