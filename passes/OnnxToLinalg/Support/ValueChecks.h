//===- ValueChecks.h - Checks of indices and divisors -----------*- C++ -*-===//
//
// Lowerings that index with data (Gather, Scatter, ...) or divide integers must not
// read or write out of bounds or trap on a bad input. They check the values once,
// before the kernel (a vectorizable min/max loop over the index tensor, then one
// kiln.check), not inside its inner loop; constant values are checked at compile time.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_VALUECHECKS_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_VALUECHECKS_H

#include "ir/kiln/KilnDialect.h"

#include "mlir/Transforms/DialectConversion.h"

namespace kiln::conversion {

/// Emits `kiln.check ok, a, b` for `op` with `code` and the message
/// kiln::describeNode(op) + ": " + `what` (whose `{}` placeholders print `a` and `b`).
void emitCheck(mlir::OpBuilder &b, mlir::Operation *op, mlir::Value ok, mlir::Value a,
               mlir::Value bValue, kilnir::CheckCode code, const llvm::Twine &what);

/// Checks that the integer tensor `indices` holds valid indices for data axes whose
/// sizes are `dims` (index values) and numbers are `axes`: ONNX counts a negative index
/// from the end, so i is valid when -size <= i < size. With one dim every element is
/// checked against it; with k > 1 the last dimension of `indices` has size k and its
/// element j is checked against dims[j] (GatherND, ScatterND). Constant indices against
/// static sizes are decided now: an invalid one rejects the op (failure). Otherwise one
/// loop over the indices computes their min and max and one kiln.check per dim
/// reports the first bad index with the axis size.
mlir::LogicalResult checkIndices(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                 mlir::Value indices, llvm::ArrayRef<mlir::Value> dims,
                                 llvm::ArrayRef<int64_t> axes);

/// Checks that every element of the integer tensor `values` (named `name` in the
/// messages) lies in [lo, hi], `hi` an index or integer Value: values used as counts or
/// offsets rather than as indices (ReverseSequence's lengths, TensorScatter's write
/// positions). Constant values against a constant `hi` are decided now (an invalid one
/// rejects the op); otherwise one min/max loop and one kiln.check.
mlir::LogicalResult checkValuesInRange(mlir::ConversionPatternRewriter &rewriter,
                                       mlir::Operation *op, mlir::Value values, int64_t lo,
                                       mlir::Value hi, llvm::StringRef name);

/// For an integer Div or Mod, checks that the divisor tensor (operand 1 of
/// `operands`) has no zero: at compile time when it is a constant (rejecting the op),
/// else with one loop over it and one kiln.check. Does nothing for floats.
mlir::LogicalResult checkDivisor(mlir::ConversionPatternRewriter &rewriter, mlir::Operation *op,
                                 mlir::ValueRange operands);

/// Converts an ONNX index element (any integer type) to `index`, adding `dim` when it
/// is negative: ONNX counts a negative index from the end. checkIndices has made sure
/// that the result is in range.
mlir::Value normalizeIndex(mlir::OpBuilder &b, mlir::Location loc, mlir::Value index,
                           mlir::Value dim);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_VALUECHECKS_H
