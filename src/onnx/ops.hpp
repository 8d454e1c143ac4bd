// The mapping functions of ops_*.cpp that op_list.cpp registers (simple ones are lambdas in the
// list itself): run_<OpType> runs a node, check_<...> checks one at load.
#pragma once

#include "op_registry.hpp"

namespace neuron::onnx::detail {

// ops_elementwise.cpp
void run_Div(OpContext& c);
void run_Pow(OpContext& c);
void run_Mod(OpContext& c);
void run_Clip(OpContext& c);
void run_Cast(OpContext& c);
void run_CastLike(OpContext& c);
void run_Max(OpContext& c);
void run_Min(OpContext& c);
void run_Sum(OpContext& c);
void run_Mean(OpContext& c);
void run_PRelu(OpContext& c);
void run_Selu(OpContext& c);
void run_Celu(OpContext& c);
void run_HardSigmoid(OpContext& c);
void run_ThresholdedRelu(OpContext& c);
void run_Shrink(OpContext& c);
void run_IsInf(OpContext& c);
void run_Atan(OpContext& c);
void run_Asin(OpContext& c);
void run_Acos(OpContext& c);
void check_Cast(CheckContext& c);

// ops_gradient.cpp: Gradient of domain ai.onnx.preview.training, which depends on the nodes
// before it; the importer checks it with the whole graph and gives it this mapping.
std::vector<std::string> check_gradient(const Node& n, const std::vector<Node>& nodes,
                                        const std::vector<std::string>& value_names);
const OpMapping& gradient_mapping();
bool is_gradient(const Node& n);

// ops_dft.cpp
void check_DFT(CheckContext& c);
void run_DFT(OpContext& c);
void run_STFT(OpContext& c);

// ops_linalg.cpp
void run_Det(OpContext& c);

// ops_unpool.cpp
void check_MaxUnpool(CheckContext& c);
void run_MaxUnpool(OpContext& c);

// ops_nn.cpp
void run_Conv(OpContext& c);
void run_ConvTranspose(OpContext& c);
void run_MaxPool(OpContext& c);
void run_AveragePool(OpContext& c);
void run_GlobalAveragePool(OpContext& c);
void run_GlobalMaxPool(OpContext& c);
void run_BatchNormalization(OpContext& c);
void run_InstanceNormalization(OpContext& c);
void run_LayerNormalization(OpContext& c);
void run_Gemm(OpContext& c);
void run_Softmax(OpContext& c);
void run_LogSoftmax(OpContext& c);
void run_Hardmax(OpContext& c);
void run_Dropout(OpContext& c);
void run_Resize(OpContext& c);
void run_Upsample(OpContext& c);
void run_DepthToSpace(OpContext& c);
void run_SpaceToDepth(OpContext& c);
void run_LRN(OpContext& c);
void run_NegativeLogLikelihoodLoss(OpContext& c);
void run_SoftmaxCrossEntropyLoss(OpContext& c);
void check_Conv(CheckContext& c);
void check_ConvTranspose(CheckContext& c);
void check_MaxPool(CheckContext& c);
void check_AveragePool(CheckContext& c);
void check_BatchNormalization(CheckContext& c);
void check_Dropout(CheckContext& c);
void check_Resize(CheckContext& c);
void check_Upsample(CheckContext& c);
void check_DepthToSpace(CheckContext& c);
void check_loss(CheckContext& c);

// ops_shape.cpp
void run_Shape(OpContext& c);
void run_Size(OpContext& c);
void run_Reshape(OpContext& c);
void run_Flatten(OpContext& c);
void run_Transpose(OpContext& c);
void run_Squeeze(OpContext& c);
void run_Unsqueeze(OpContext& c);
void run_Concat(OpContext& c);
void run_Split(OpContext& c);
void run_Slice(OpContext& c);
void run_Gather(OpContext& c);
void run_GatherElements(OpContext& c);
void run_GatherND(OpContext& c);
void run_Unique(OpContext& c);
void run_NonMaxSuppression(OpContext& c);
void run_ReverseSequence(OpContext& c);
void run_ScatterND(OpContext& c);
void run_ScatterElements(OpContext& c);
void check_scatter(CheckContext& c);
void run_Expand(OpContext& c);
void run_Tile(OpContext& c);
void run_Pad(OpContext& c);
void run_Constant(OpContext& c);
void run_ConstantOfShape(OpContext& c);
void run_Range(OpContext& c);
void run_EyeLike(OpContext& c);
void run_Trilu(OpContext& c);
void run_OneHot(OpContext& c);
void run_NonZero(OpContext& c);
void run_Compress(OpContext& c);
void run_CumSum(OpContext& c);
void run_ArgMax(OpContext& c);
void run_ArgMin(OpContext& c);
void run_TopK(OpContext& c);
void run_HannWindow(OpContext& c);
void run_HammingWindow(OpContext& c);
void run_BlackmanWindow(OpContext& c);
void check_Pad(CheckContext& c);
void check_EyeLike(CheckContext& c);
void check_window(CheckContext& c);

// ops_gridsample.cpp
void run_GridSample(OpContext& c);
void check_GridSample(CheckContext& c);

// ops_einsum.cpp
void run_Einsum(OpContext& c);
void check_Einsum(CheckContext& c);

// ops_rnn.cpp
void run_RNN(OpContext& c);
void run_GRU(OpContext& c);
void run_LSTM(OpContext& c);
void check_recurrent(CheckContext& c);

// ops_sequence.cpp
void run_SequenceEmpty(OpContext& c);
void run_SequenceConstruct(OpContext& c);
void run_SequenceInsert(OpContext& c);
void run_SequenceErase(OpContext& c);
void run_SequenceAt(OpContext& c);
void run_SequenceLength(OpContext& c);
void run_SplitToSequence(OpContext& c);
void run_ConcatFromSequence(OpContext& c);

// ops_reduce.cpp
void run_ReduceSum(OpContext& c);
void run_ReduceMean(OpContext& c);
void run_ReduceMax(OpContext& c);
void run_ReduceMin(OpContext& c);
void run_ReduceProd(OpContext& c);
void run_ReduceL1(OpContext& c);
void run_ReduceL2(OpContext& c);
void run_ReduceLogSum(OpContext& c);
void run_ReduceLogSumExp(OpContext& c);
void run_ReduceSumSquare(OpContext& c);
void run_MeanVarianceNormalization(OpContext& c);

}  // namespace neuron::onnx::detail
