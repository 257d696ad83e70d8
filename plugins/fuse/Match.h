//===- Match.h - Helpers shared by the fusion patterns -----------*- C++ -*-===//

#ifndef KILN_PLUGINS_FUSE_MATCH_H
#define KILN_PLUGINS_FUSE_MATCH_H

#include "ir/onnx/OnnxDialect.h"
#include "kiln/Statistic.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Pass/Pass.h"

#include <optional>

namespace kiln::fuse {

/// The value of a constant with exactly one element whose rank is at most `rankOf`'s
/// (so using it in a broadcasting op does not change the other operand's shape).
std::optional<double> getScalar(mlir::Value v, mlir::Value rankOf);

/// Whether `v` is such a scalar and equals `want` to within `relTol` (relative).
bool isScalar(mlir::Value v, mlir::Value rankOf, double want, double relTol = 0);

/// Whether `v`'s type is a ranked tensor of float elements.
bool isRankedFloat(mlir::Value v);

/// If `op` is the binary op `OpT` and one operand is `x`, the other operand.
template <typename OpT> mlir::Value otherOperand(mlir::Operation *op, mlir::Value x) {
  if (!mlir::isa_and_nonnull<OpT>(op))
    return {};
  if (op->getOperand(0) == x)
    return op->getOperand(1);
  if (op->getOperand(1) == x)
    return op->getOperand(0);
  return {};
}

/// The leaves of the tree of onnx.Mul ops under `root`: a Mul operand that is itself a
/// Mul with one user is expanded, anything else is a leaf.
llvm::SmallVector<mlir::Value> collectFactors(mlir::Value root);

/// Removes the leaf equal to `v` (the first one) from `leaves`; false if absent.
bool takeLeaf(llvm::SmallVectorImpl<mlir::Value> &leaves, mlir::Value v);

/// The activation ops the CPU backend can fuse into a contraction's epilogue.
bool isFusableActivation(mlir::Operation *op);

} // namespace kiln::fuse

#endif // KILN_PLUGINS_FUSE_MATCH_H
