//===- QuantizedArithmetic.h - Integer products of quantized tensors -*- C++ -*-===//
//
// What MatMulInteger, ConvInteger, QLinearMatMul and QLinearConv share: the quantized
// operands widened to i32 with their zero points subtracted (so the product of two of them
// is exact in i32, and zero padding stays zero), and the requantization of an i32
// accumulator to the output's 8-bit type.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_QUANTIZEDARITHMETIC_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_QUANTIZEDARITHMETIC_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// `v` (a ranked tensor of 8-bit integers, `isUnsigned` as its ONNX type says) widened to
/// i32 minus `zeroPoint` (null or none: no zero point). The zero point is a scalar or
/// one-element tensor, or 1-D along dim `axis` of `v` (per row or per channel; its size is
/// checked at run time); `axis` < 0 allows only the scalar forms. Null after rejecting
/// the zero point's shape (naming `node`).
mlir::Value widenMinusZeroPoint(mlir::ConversionPatternRewriter &rewriter, mlir::Location loc,
                                mlir::Operation *node, mlir::Value v, bool isUnsigned,
                                mlir::Value zeroPoint, int64_t axis);

/// The i32 accumulator `acc` requantized to `resultType` (8-bit integers, `dstUnsigned` as
/// the ONNX type says) as the ONNX reference does: round_half_even(acc * (scaleA * scaleB /
/// scaleY) + zeroPoint), clamped to the type's range, the scale ratio in the scales' type
/// and the rest in f64. `scaleA` and `scaleB` may be 1-D along dims `scaleAAxis` and
/// `scaleBAxis` of `acc` (per row, per column or per channel; < 0: scalars only); `scaleY`
/// and `zeroPoint` are scalars or one-element tensors. Null after a rejection.
mlir::Value requantize(mlir::ConversionPatternRewriter &rewriter, mlir::Location loc,
                       mlir::Operation *node, mlir::Value acc, mlir::Value scaleA,
                       int64_t scaleAAxis, mlir::Value scaleB, int64_t scaleBAxis,
                       mlir::Value scaleY,
                       mlir::Value zeroPoint, bool dstUnsigned,
                       mlir::RankedTensorType resultType);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_QUANTIZEDARITHMETIC_H
