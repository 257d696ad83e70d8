//===- ConvKernels.h - Kernels of Conv and ConvTranspose --------*- C++ -*-===//
//
// The im2col and depthwise kernels Conv picks for 2-D convolutions, and the per-channel
// bias Conv and ConvTranspose add.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_CONVKERNELS_H
#define KILN_PASSES_ONNXTOLINALG_NN_CONVKERNELS_H

#include "passes/OnnxToLinalg/NN/Window.h"

#include <optional>

namespace kiln::conversion {

/// The convolution of `x` (N x C x spatial...) with `w` (M x C/group x kernel...) plus the
/// optional per-channel `bias` (null or none: no bias), as Conv computes it with `op`'s
/// strides, dilations, pads and auto_pad, in `resultType`'s element type (which X, W and
/// the bias share; zero padding). Rejects, naming `op`, what it cannot lower. Conv,
/// ConvInteger and QLinearConv share it. With `widenInput`, `x` is in a narrower type
/// (the 8-bit X of ConvInteger), padded with `padValue` and widened by `widenInput` as
/// late as possible: after the im2col copy (so the CPU backend can read the columns as
/// bytes), else right after the padding.
llvm::FailureOr<mlir::Value>
buildConvolution(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op, mlir::Value x,
                 mlir::Value w, mlir::Value bias, int64_t group,
                 std::optional<llvm::ArrayRef<int64_t>> kernelShape,
                 mlir::RankedTensorType resultType, mlir::Value padValue = {},
                 llvm::function_ref<mlir::Value(mlir::Value)> widenInput = {});

/// Adds a per-channel (dim 1) `bias` of shape [C] to `input` of shape N x C x ....
mlir::Value addChannelBias(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                           mlir::Value bias);

/// A 2-D f32 convolution of the padded input `x` [N, C, H, W] with static `w` [M, C, KH,
/// KW] as im2col + a contraction; null if the shapes do not fit. `outLike` (the window's
/// output tensor) gives the output's dynamic sizes: N, OH and OW may be dynamic.
/// `widenColumns` (if any) converts the columns read from `x` to W's element type.
mlir::Value buildConv2DAsMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                mlir::Value w, mlir::RankedTensorType resultType,
                                const Window &window, mlir::Value outLike,
                                llvm::function_ref<mlir::Value(mlir::Value)> widenColumns = {});

/// A 1-D f32 convolution (`x` [N, C, L] padded, `w` [M, C, K]) as the 2-D one over a
/// unit height, so audio models get the same im2col + contraction kernels; null if the
/// shapes do not fit.
mlir::Value buildConv1DAsMatmul(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                mlir::Value w, mlir::RankedTensorType resultType,
                                const Window &window, mlir::Value outLike,
                                llvm::function_ref<mlir::Value(mlir::Value)> widenColumns = {});

/// A 2-D depthwise convolution (w [C, KH, KW]) of the padded `x`: with stride 1, f32 and a
/// static kernel of at most 25 taps, an elementwise generic over the output with one
/// shifted input and one weight operand per tap (marked kiln.vectorize); else a
/// linalg.generic whose loops run channels outermost and output rows innermost.
mlir::Value buildDepthwiseConv2D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                 mlir::Value w, mlir::Value init, const Window &window);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_CONVKERNELS_H
