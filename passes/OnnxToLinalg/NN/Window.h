//===- NN.h - Helpers shared by the NN lowerings ----------------*- C++ -*-===//
//
// Conv and the pooling ops share their window arithmetic (kernel, strides, dilations,
// explicit or automatic pads, ceil_mode); the normalizations and Softmax share the
// "reduce some dims, then map elementwise" shape. Both live here so NN's files
// (Conv.cpp, Pool.cpp, Norm.cpp, Softmax.cpp) stay small.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_H
#define KILN_PASSES_ONNXTOLINALG_NN_H

#include "passes/OnnxToLinalg/Common.h"

namespace kiln::conversion {

/// The window of a Conv or pooling op along its spatial dims (all vectors have one entry
/// per spatial dim). `extraEnd` is the padding ceil_mode adds past the explicit pads so
/// the last, partial window is computed; `outSizes` holds kDynamic where the output size
/// is only known at run time.
struct Window {
  llvm::SmallVector<int64_t> kernel, strides, dilations, padBegin, padEnd, extraEnd, outSizes;

  /// Whether any padding (explicit, automatic or from ceil_mode) is applied.
  bool isPadded() const;
};

/// Reads strides, dilations, pads, auto_pad (and ceil_mode if `ceilMode`) of `op` for an
/// NC... input of type `inputType` and a kernel of spatial size `kernel`. Notifies a match
/// failure and returns failure if the attributes are malformed or need static sizes that
/// are dynamic.
llvm::FailureOr<Window> getWindow(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                  mlir::RankedTensorType inputType, llvm::ArrayRef<int64_t> kernel,
                                  bool ceilMode);

/// Pads the spatial dims of `input` (NC...) by the window's pads with `padValue`.
mlir::Value padSpatial(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       const Window &window, mlir::Value padValue);

/// Creates the tensor.empty for the N x `channels` x out... result of a windowed op over
/// `input`, filled with `fillValue` if given. Static sizes come from `resultType`; dynamic
/// spatial sizes are computed from the input size and the window. A static size over a
/// dynamic input is checked at run time against the computed one; `node` (the ONNX op)
/// is named in the message.
mlir::Value createWindowOutput(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                               mlir::RankedTensorType resultType, mlir::Value input,
                               mlir::OpFoldResult channels, const Window &window,
                               mlir::Value fillValue);

/// Returns an i64 DenseIntElementsAttr holding `values` (what the named conv and pooling
/// ops take for strides and dilations).
mlir::DenseIntElementsAttr getI64VectorAttr(mlir::OpBuilder &b, llvm::ArrayRef<int64_t> values);

/// Creates a tensor.empty of `type` taking each dynamic size from the same dim of
/// `like` (which has `type`'s rank; it may be less static than `type`).
mlir::Value createEmptyLike(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                            mlir::Value like);

/// Returns `init` filled with `value` by linalg.fill.
mlir::Value fill(mlir::OpBuilder &b, mlir::Location loc, mlir::Value init, mlir::Value value);

/// The map from a rank-`rank` iteration space to the dims where `keep` is true.
mlir::AffineMap getProjectionMap(mlir::MLIRContext *ctx, llvm::ArrayRef<bool> keep);

/// Reduces `input` over the dims where `reduced` is true into a fresh tensor of the kept
/// dims, initialized to `init`. `body(b, loc, inputElement, keptElements, accumulator)`
/// returns the new accumulator; `keptInputs` are tensors of the kept shape read alongside.
mlir::Value reduceDims(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                       llvm::ArrayRef<bool> reduced, mlir::ValueRange keptInputs, mlir::Value init,
                       llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location,
                                                      mlir::Value, mlir::ValueRange, mlir::Value)>
                           body);

/// Adds a per-channel (dim 1) `bias` of shape [C] to `input` of shape N x C x ....
mlir::Value addChannelBias(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                           mlir::Value bias);

/// Returns the number of elements of `input` in the dims where `selected` is true, as a
/// scalar of float type `type` (folded to a constant when those dims are static).
mlir::Value getElementCount(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                            llvm::ArrayRef<bool> selected, mlir::Type type);

/// A 2-D f32 convolution of the padded input `x` [N, C, H, W] with static `w` [M, C, KH,
/// KW] as im2col + a contraction (ConvAsMatmul.cpp); null if the shapes do not fit.
mlir::Value buildConv2DAsMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                mlir::Value w, mlir::RankedTensorType resultType,
                                const Window &window);

/// A 2-D depthwise convolution (w [C, KH, KW]) as a linalg.generic whose loops run
/// channels outermost and output rows innermost.
mlir::Value buildDepthwiseConv2D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                 mlir::Value w, mlir::Value init, const Window &window);

void populateConvPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populatePoolPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateNormPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateSoftmaxPatterns(const OnnxTypeConverter &converter, mlir::RewritePatternSet &patterns);
void populateAttentionPatterns(const OnnxTypeConverter &converter,
                               mlir::RewritePatternSet &patterns);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_H
