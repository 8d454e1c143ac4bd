// A few cases of the ONNX backend test suite (libonnx-testdata) in every mode: eager, lazy
// (no implicit sync), traced, saved and loaded. The conformance runner covers the whole suite.
#include "onnx/onnx_test_util.hpp"

namespace {

void run_everywhere(const std::string& rel, double rtol = 1e-3, double atol = 1e-7) {
  INFO("case " << rel);
  onnx_test::SuiteCase c = onnx_test::read_case(rel);
  REQUIRE(!c.outputs.empty());
  // eager
  onnx_test::check_outputs(c.model.forward(c.inputs), c.outputs, rtol, atol);
  // Inputs whose values drive shapes become constants for recording (as a runner would do).
  std::vector<nr::Tensor> kept;
  const auto infos = c.model.inputs();
  for (std::size_t i = 0; i < infos.size(); ++i) {
    if (infos[i].value_needed)
      c.model.bind_input(infos[i].name, c.inputs[i]);
    else
      kept.push_back(c.inputs[i]);
  }
  c.inputs = kept;
  // traced, saved, loaded
  nr::TracedModule t = nr::trace(c.model, c.inputs);
  onnx_test::check_outputs(t.forward(c.inputs), c.outputs, rtol, atol);
  nr::TracedModule l = nr::load_from_memory(t.to_bytes().data(), t.to_bytes().size());
  onnx_test::check_outputs(l.forward(c.inputs), c.outputs, rtol, atol);
  // lazy
  nr::onnx::Model lazy = c.model;
  lazy.to(nr::lazy_device());
  nr::metrics::reset();
  std::vector<nr::Tensor> in;
  for (const auto& x : c.inputs) in.push_back(x.to(nr::lazy_device()));
  std::vector<nr::Tensor> ys = lazy.forward(in);
  nr::mark_step();
  CHECK(nr::metrics::counter("ImplicitSync") == 0);
  std::vector<nr::Tensor> cpu;
  for (const auto& y : ys) cpu.push_back(y.cpu());
  onnx_test::check_outputs(cpu, c.outputs, rtol, atol);
}

}  // namespace

TEST_CASE("onnx: backend suite cases in eager, traced + saved + loaded and lazy mode") {
  if (!onnx_test::have_testdata()) {
    MESSAGE("libonnx-testdata is not installed: skipped");
    return;
  }
  for (const char* rel : {"node/test_conv_with_strides_padding",
                          "node/test_conv_with_strides_and_asymmetric_padding",
                          "node/test_gemm_default_single_elem_vector_bias",
                          "node/test_gemm_all_attributes",
                          "node/test_maxpool_2d_pads",
                          "node/test_averagepool_2d_pads",
                          "node/test_batchnorm_example",
                          "node/test_softmax_axis_1",
                          "node/test_layer_normalization_4d_axis1",
                          "node/test_reshape_negative_dim",
                          "node/test_slice_neg_steps",
                          "node/test_resize_upsample_scales_linear",
                          "pytorch-converted/test_Conv2d",
                          "pytorch-converted/test_Linear",
                          "pytorch-converted/test_MaxPool2d_stride_padding_dilation",
                          "pytorch-operator/test_operator_view",
                          "simple/test_expand_shape_model1",
                          "simple/test_single_relu_model",
                          "simple/test_sequence_model1",
                          "node/test_lstm_with_peepholes",
                          "node/test_gru_with_initial_bias",
                          "node/test_simple_rnn_batchwise",
                          "node/test_einsum_batch_matmul",
                          "node/test_scatternd",
                          "node/test_scatter_elements_with_negative_indices",
                          "node/test_sce_mean_weight_ii_4d",
                          "node/test_nllloss_NCd1d2d3_sum_weight_high_ii",
                          "node/test_resize_downsample_scales_cubic_A_n0p5_exclude_outside",
                          "pytorch-converted/test_Conv3d_dilated_strided",
                          "pytorch-converted/test_MaxPool3d_stride_padding",
                          "node/test_gathernd_example_int32_batch_dim1",
                          "node/test_hannwindow",
                          "node/test_atan",
                          "node/test_acos_example",
                          "node/test_nonmaxsuppression_two_classes",
                          "node/test_reversesequence_batch",
                          "node/test_batchnorm_example_training_mode",
                          "node/test_gridsample_reflection_padding",
                          "node/test_gridsample_nearest",
                          "node/test_unique_sorted_with_axis_3d"}) {
    SUBCASE(rel) { run_everywhere(rel); }
  }
}

TEST_CASE("onnx: a suite case with a dynamic shape computation needs bound inputs to trace") {
  if (!onnx_test::have_testdata()) return;
  // Reshape's shape is a graph input here: eagerly fine, and traced once bound.
  onnx_test::SuiteCase c = onnx_test::read_case("node/test_reshape_reordered_all_dims");
  REQUIRE(c.model.inputs().size() == 2);
  CHECK(c.model.inputs()[1].value_needed);
  onnx_test::check_outputs(c.model.forward(c.inputs), c.outputs);
  c.model.bind_input(c.model.inputs()[1].name, c.inputs[1]);
  nr::TracedModule t = nr::trace(c.model, {c.inputs[0]});
  onnx_test::check_outputs(t.forward({c.inputs[0]}), c.outputs);
}

TEST_CASE("onnx: load_tensor reads the suite's TensorProto files and save_tensor round-trips") {
  const std::string dir = onnx_test::temp_dir("tensors");
  for (nr::DType d : nr::all_dtypes) {
    nr::Tensor t = nr::cast(nr::arange(-3, 9, 1) * 1.5, d);
    t = nr::reshape(t, {3, 4});
    nr::onnx::save_tensor(dir + "/t.pb", t, "t");
    nr::Tensor r = nr::onnx::load_tensor(dir + "/t.pb");
    CHECK(r.dtype() == d);
    onnx_test::check_close(r, t, 0, 0);
  }
  nr::onnx::save_tensor(dir + "/s.pb", nr::scalar_tensor<double>(2.5));
  CHECK(nr::onnx::load_tensor(dir + "/s.pb").item<double>() == 2.5);
  if (onnx_test::have_testdata()) {
    nr::Tensor x =
        nr::onnx::load_tensor(onnx_test::testdata("node/test_relu/test_data_set_0/input_0.pb"));
    CHECK(x.dtype() == nr::float32);
    CHECK(x.shape() == nr::Shape{3, 4, 5});
    // Unsupported dtypes are refused by name.
    try {
      nr::onnx::load_tensor(
          onnx_test::testdata("node/test_cast_FLOAT_to_FLOAT16/test_data_set_0/output_0.pb"));
      FAIL("expected a DTypeError");
    } catch (const nr::DTypeError& e) {
      CHECK(std::string(e.what()).find("FLOAT16") != std::string::npos);
    }
  }
}
