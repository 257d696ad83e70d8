//===- Patterns.h - The patterns of onnx-to-linalg --------------*- C++ -*-===//
//
// The lowering is organised by ONNX operator category, as onnx/defs is (Math, NN, Tensor,
// Logical, Reduction, Generator, ControlFlow, Quantization), with Indexing for the Gather
// and Scatter family: passes/OnnxToLinalg/<Category>/<Family>.cpp holds the patterns of one
// op family and the function below that adds them. ir/onnx (ShapeInference<Category>.cpp,
// Verifiers<Category>.cpp, OnnxOps<Category>.td) and tests/lit/conversion/<Category>/ use
// the same category names; Support/ holds the helpers the categories share.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_PATTERNS_H
#define KILN_PASSES_ONNXTOLINALG_PATTERNS_H

#include "kiln/Statistic.h"
#include "passes/OnnxToLinalg/Support/TypeConverter.h"

#include "mlir/IR/PatternMatch.h"

namespace kiln::conversion {

// ControlFlow/
/// If.
void populateIfPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Loop.
void populateLoopPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Scan.
void populateScanPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

// Generator/
/// Constant, ConstantOfShape.
void populateConstantPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);
/// EyeLike.
void populateEyeLikePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Range.
void populateRangePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

// Indexing/
/// Gather, GatherElements, GatherND.
void populateGatherPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// OneHot.
void populateOneHotPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// ScatterElements, Scatter, ScatterND.
void populateScatterPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// TensorScatter.
void populateTensorScatterPatterns(const OnnxTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);

// Logical/
/// Elementwise.cpp: And, Or, Xor, Not, Bitwise*, BitShift, comparisons.
void populateLogicalElementwisePatterns(const OnnxTypeConverter &converter,
                                        mlir::RewritePatternSet &patterns);

// Math/
/// Det.
void populateDetPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// DFT, STFT.
void populateDFTPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Elementwise.cpp: unary math, Add ... Mod, Max, Min, Sum, Mean.
void populateMathElementwisePatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// Relu ... Gelu, Clip.
void populateActivationPatterns(const OnnxTypeConverter &converter,
                                mlir::RewritePatternSet &patterns);
/// CumSum.
void populateCumSumPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Einsum.
void populateEinsumPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Expand.
void populateExpandPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss.
void populateLossPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// MatMul, MatMulInteger, Gemm.
void populateMatMulPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// MelWeightMatrix.
void populateMelWeightMatrixPatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// Softmax, LogSoftmax, Hardmax.
void populateSoftmaxPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// TopK.
void populateTopKPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// HannWindow, HammingWindow, BlackmanWindow.
void populateWindowFunctionPatterns(const OnnxTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

// NN/
/// Attention.
void populateAttentionPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
/// Col2Im.
void populateCol2ImPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// CausalConvWithState.
void populateCausalConvPatterns(const OnnxTypeConverter &converter,
                                mlir::RewritePatternSet &patterns);
/// Conv.
void populateConvPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// kiln.conv_nhwc, the layout plugin's NHWC Conv. With `winograd` (counting them), 3x3
/// stride-1 ones where it pays as Winograd F(2x2, 3x3); only those of `winogradNodes`
/// (ONNX node names) when that is not empty.
void populateConvNhwcPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns,
                              kiln::PassStatistic *winograd = nullptr,
                              llvm::ArrayRef<std::string> winogradNodes = {});
void populatePoolNhwcPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);
/// ConvInteger and QLinearConv.
void populateConvIntegerPatterns(const OnnxTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
/// ConvTranspose.
void populateConvTransposePatterns(const OnnxTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);
/// DeformConv.
void populateDeformConvPatterns(const OnnxTypeConverter &converter,
                                mlir::RewritePatternSet &patterns);
/// Dropout.
void populateDropoutPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Flatten.
void populateFlattenPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// LinearAttention.
void populateLinearAttentionPatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// BatchNormalization ... LpNormalization.
void populateNormPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// MaxPool, AveragePool, LpPool, GlobalAveragePool, GlobalMaxPool, GlobalLpPool.
void populatePoolPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// MaxUnpool.
void populateMaxUnpoolPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
/// RotaryEmbedding.
void populateRotaryEmbeddingPatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// Shrink.
void populateShrinkPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// TfIdfVectorizer.
void populateTfIdfVectorizerPatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);

// ObjectDetection/
/// RoiAlign.
void populateRoiAlignPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);
/// NonMaxSuppression.
void populateNonMaxSuppressionPatterns(const OnnxTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);

// Quantization/
/// DynamicQuantizeLinear.
void populateDynamicQuantizeLinearPatterns(const OnnxTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// QuantizeLinear, DequantizeLinear.
void populateQuantizeLinearPatterns(const OnnxTypeConverter &converter,
                                    mlir::RewritePatternSet &patterns);

// RNN/
/// LSTM (every version).
void populateLSTMPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// GRU (every version).
void populateGRUPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// RNN (every version).
void populateRNNPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

// Reduction/
/// ArgMax, ArgMin.
void populateArgMinMaxPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
/// Reduce*.
void populateReducePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

// Tensor/
/// BitCast.
void populateBitCastPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Cast, CastLike.
void populateCastPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// AffineGrid.
void populateAffineGridPatterns(const OnnxTypeConverter &converter,
                                mlir::RewritePatternSet &patterns);
/// CenterCropPad.
void populateCenterCropPadPatterns(const OnnxTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);
/// Compress.
void populateCompressPatterns(const OnnxTypeConverter &converter,
                              mlir::RewritePatternSet &patterns);
/// Concat.
void populateConcatPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// DepthToSpace, SpaceToDepth.
void populateDepthToSpacePatterns(const OnnxTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
/// Elementwise.cpp: Identity, IsNaN, IsInf, Where.
void populateTensorElementwisePatterns(const OnnxTypeConverter &converter,
                                       mlir::RewritePatternSet &patterns);
/// GridSample.
void populateGridSamplePatterns(const OnnxTypeConverter &converter,
                                mlir::RewritePatternSet &patterns);
/// NonZero.
void populateNonZeroPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Pad.
void populatePadPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Reshape.
void populateReshapePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Resize.
void populateResizePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// ReverseSequence.
void populateReverseSequencePatterns(const OnnxTypeConverter &converter,
                                     mlir::RewritePatternSet &patterns);
/// Shape, Size.
void populateShapePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Slice.
void populateSlicePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Split.
void populateSplitPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
// Sequence (packed sequences, Support/SequenceValue.h)
void populateSequencePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateSplitConcatSequencePatterns(const OnnxTypeConverter &converter,
                                         mlir::RewritePatternSet &patterns);
void populateSequenceMapPatterns(const OnnxTypeConverter &converter,
                                 mlir::RewritePatternSet &patterns);
/// Squeeze, Unsqueeze.
void populateSqueezePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Tile.
void populateTilePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Transpose.
void populateTransposePatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
/// Trilu.
void populateTriluPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
/// Unique.
void populateUniquePatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);

// ML/ (ai.onnx.ml)
/// ArrayFeatureExtractor.
void populateArrayFeatureExtractorPatterns(const OnnxTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);
/// Elementwise.cpp: Binarizer.
void populateMLElementwisePatterns(const OnnxTypeConverter &converter,
                                   mlir::RewritePatternSet &patterns);
/// TreeEnsemble.
void populateTreeEnsemblePatterns(const OnnxTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
/// TreeEnsembleRegressor (all versions).
void populateTreeEnsembleRegressorPatterns(const OnnxTypeConverter &converter,
                                           mlir::RewritePatternSet &patterns);

// Training/ (ai.onnx.preview.training)
/// Adagrad, Adam, Momentum.
void populateOptimizerPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);
} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_PATTERNS_H
