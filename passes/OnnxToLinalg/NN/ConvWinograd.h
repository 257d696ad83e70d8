//===- ConvWinograd.h - 3x3 convolutions as Winograd F(2x2, 3x3) -*- C++ -*-===//
//
// A 3x3, stride-1, undilated, ungrouped 2-D convolution over NHWC computes each 2x2
// block of output pixels from a 4x4 block of input pixels with 16 products per channel
// pair instead of 36 (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016):
//
//   Y = A^T [ (G g G^T) . (B^T d B) ] A      (. elementwise, per channel pair, summed
//                                            over the input channels)
//
// so the convolution becomes 16 matrix products of [tiles x C] by [C x M] (one
// contraction batched over the 16), 2.25 times
// fewer multiply-adds than the direct convolution, between an input transform (adds
// only) and an output transform. The filter transform U = G g G^T runs at compile time:
// the weights must be constant.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_NN_CONVWINOGRAD_H
#define KILN_PASSES_ONNXTOLINALG_NN_CONVWINOGRAD_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/Value.h"

namespace kiln::conversion {

/// Whether a 3x3 stride-1 convolution of `c` input and `m` output channels producing
/// `pixels` output pixels per image (-1: dynamic) is faster as Winograd F(2x2, 3x3):
/// enough channels that the transforms cost little next to the products, enough tiles
/// that the products run as long matrix products, and intermediates (16 values per 2x2
/// block and channel) small enough per image to stay in cache.
bool winogradPays(int64_t c, int64_t m, int64_t pixels);

/// The convolution of NHWC `x` (unpadded) by the constant weights `w` ([3][3][C][M],
/// row-major), padded by `pads` (top, left, bottom, right), as Winograd F(2x2, 3x3).
/// `outSizes` are the output's N, OH, OW (OH = H + top + bottom - 2, likewise OW).
/// Returns the [N, OH, OW, M] f32 result.
mlir::Value buildWinogradConv2D(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x,
                                llvm::ArrayRef<float> w, int64_t c, int64_t m,
                                llvm::ArrayRef<int64_t> pads,
                                llvm::ArrayRef<mlir::OpFoldResult> outSizes);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_NN_CONVWINOGRAD_H
