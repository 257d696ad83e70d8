//===- ScalarOps.h - Scalar code for the bodies of linalg ops ---*- C++ -*-===//
//
// Scalar constants, ONNX Cast semantics between element types, max/min/compare with ONNX
// semantics and the multiply-add body of the contractions: what the lowerings build
// inside linalg regions.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_SCALAROPS_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_SCALAROPS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ValueRange.h"

namespace kiln::conversion {

/// The body of a multiply-accumulate linalg op over (a, b, acc): yields acc + a * b, with
/// float or integer arithmetic as the element type asks; float operands narrower than the
/// accumulator are widened to it first.
void yieldMulAdd(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange args);

/// Creates a scalar arith.constant of `elementType` holding `value`.
mlir::Value createScalarConstant(mlir::OpBuilder &b, mlir::Location loc, mlir::Type elementType,
                                 double value);

/// Converts a scalar between element types with ONNX Cast semantics (float<->int
/// truncates toward zero, bool is != 0). `srcUnsigned`/`dstUnsigned` give the ONNX
/// signedness of integer types, which the signless MLIR types no longer carry.
/// `saturate` and `roundMode` are Cast's attributes for float8 destinations.
mlir::Value castScalar(mlir::OpBuilder &b, mlir::Location loc, mlir::Value value,
                       mlir::Type dstType, bool srcUnsigned, bool dstUnsigned,
                       bool saturate = true, llvm::StringRef roundMode = "up");

/// max(x, y) with ONNX semantics: NaN propagates for floats; signedness for ints.
mlir::Value maxOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y,
                  bool isUnsigned);

/// min(x, y), like maxOf.
mlir::Value minOf(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y,
                  bool isUnsigned);

/// Compares with `fp` for floats, `sp` or `up` for signed or unsigned integers.
mlir::Value compare(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, mlir::Value y,
                    mlir::arith::CmpFPredicate fp, mlir::arith::CmpIPredicate sp,
                    mlir::arith::CmpIPredicate up, bool isUnsigned);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_SCALAROPS_H
