// The mapping functions of ops_*.cpp that op_list.cpp registers (simple ones are lambdas in the
// list itself).
#pragma once

#include "op_registry.hpp"

namespace neuron::onnx::detail {

#define NEURON_ONNX_RUN(Name) void run_##Name(OpContext& c);
#define NEURON_ONNX_CHECK(Name) void check_##Name(CheckContext& c);

// ops_elementwise.cpp
NEURON_ONNX_RUN(Div)
NEURON_ONNX_RUN(Pow) NEURON_ONNX_RUN(Mod) NEURON_ONNX_RUN(Clip) NEURON_ONNX_RUN(Cast)
    NEURON_ONNX_CHECK(Cast) NEURON_ONNX_RUN(CastLike) NEURON_ONNX_RUN(Max) NEURON_ONNX_RUN(Min)
        NEURON_ONNX_RUN(Sum) NEURON_ONNX_RUN(Mean) NEURON_ONNX_RUN(PRelu) NEURON_ONNX_RUN(Selu)
            NEURON_ONNX_RUN(Celu) NEURON_ONNX_RUN(HardSigmoid) NEURON_ONNX_RUN(ThresholdedRelu)
                NEURON_ONNX_RUN(Shrink) NEURON_ONNX_RUN(IsInf)

    // ops_nn.cpp
    NEURON_ONNX_RUN(Conv) NEURON_ONNX_CHECK(Conv) NEURON_ONNX_RUN(ConvTranspose)
        NEURON_ONNX_CHECK(ConvTranspose) NEURON_ONNX_RUN(MaxPool) NEURON_ONNX_CHECK(MaxPool)
            NEURON_ONNX_RUN(AveragePool) NEURON_ONNX_CHECK(AveragePool)
                NEURON_ONNX_RUN(GlobalAveragePool) NEURON_ONNX_RUN(GlobalMaxPool)
                    NEURON_ONNX_RUN(BatchNormalization) NEURON_ONNX_CHECK(BatchNormalization)
                        NEURON_ONNX_RUN(InstanceNormalization) NEURON_ONNX_RUN(LayerNormalization)
                            NEURON_ONNX_RUN(Gemm) NEURON_ONNX_RUN(Softmax)
                                NEURON_ONNX_RUN(LogSoftmax) NEURON_ONNX_RUN(Hardmax)
                                    NEURON_ONNX_RUN(Dropout) NEURON_ONNX_CHECK(Dropout)
                                        NEURON_ONNX_RUN(Resize) NEURON_ONNX_CHECK(Resize)
                                            NEURON_ONNX_RUN(Upsample) NEURON_ONNX_CHECK(Upsample)
                                                NEURON_ONNX_RUN(DepthToSpace)
                                                    NEURON_ONNX_CHECK(DepthToSpace)
                                                        NEURON_ONNX_RUN(SpaceToDepth)
                                                            NEURON_ONNX_RUN(LRN)

    // ops_shape.cpp
    NEURON_ONNX_RUN(Shape) NEURON_ONNX_RUN(Size) NEURON_ONNX_RUN(Reshape) NEURON_ONNX_RUN(Flatten)
        NEURON_ONNX_RUN(Transpose) NEURON_ONNX_RUN(Squeeze) NEURON_ONNX_RUN(Unsqueeze)
            NEURON_ONNX_RUN(Concat) NEURON_ONNX_RUN(Split) NEURON_ONNX_RUN(Slice)
                NEURON_ONNX_RUN(Gather) NEURON_ONNX_RUN(GatherElements) NEURON_ONNX_RUN(Expand)
                    NEURON_ONNX_RUN(Tile) NEURON_ONNX_RUN(Pad) NEURON_ONNX_CHECK(Pad)
                        NEURON_ONNX_RUN(Constant) NEURON_ONNX_RUN(ConstantOfShape)
                            NEURON_ONNX_RUN(Range) NEURON_ONNX_RUN(EyeLike)
                                NEURON_ONNX_CHECK(EyeLike) NEURON_ONNX_RUN(Trilu)
                                    NEURON_ONNX_RUN(OneHot) NEURON_ONNX_RUN(NonZero)
                                        NEURON_ONNX_RUN(Compress) NEURON_ONNX_RUN(CumSum)
                                            NEURON_ONNX_RUN(ArgMax) NEURON_ONNX_RUN(ArgMin)
                                                NEURON_ONNX_RUN(TopK)

    // ops_reduce.cpp
    NEURON_ONNX_RUN(ReduceSum) NEURON_ONNX_RUN(ReduceMean) NEURON_ONNX_RUN(ReduceMax)
        NEURON_ONNX_RUN(ReduceMin) NEURON_ONNX_RUN(ReduceProd) NEURON_ONNX_RUN(ReduceL1)
            NEURON_ONNX_RUN(ReduceL2) NEURON_ONNX_RUN(ReduceLogSum) NEURON_ONNX_RUN(ReduceLogSumExp)
                NEURON_ONNX_RUN(ReduceSumSquare)

#undef NEURON_ONNX_RUN
#undef NEURON_ONNX_CHECK

}  // namespace neuron::onnx::detail
