//===- ShapeChecks.h - Run-time checks of the shape contract ----*- C++ -*-===//
//
// Dynamic dims are only a promise of the model: two dims that meet in a broadcast, a
// contraction or a concatenation may differ at run time whatever their dim_param names.
// The lowerings check every relation between dynamic sizes that their code relies on
// with a kiln.check (O(rank) scalar work per op, before the op's kernels), unless the
// relation holds by construction: both sizes are traced here to the same source (a
// static size, or one dim of one value), which keeps the checks off the common path
// where every activation's batch dim comes from the same input.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_SHAPECHECKS_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_SHAPECHECKS_H

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include <string>

namespace kiln::conversion {

/// Emits a check that `ok` holds when the model runs; when it does not, the run stops
/// with a shape error (INVALID_ARGUMENT) whose message is describeNode(node) + ": " +
/// `message`, the first `{}` of `message` replaced by `lhs` and the second by `rhs`.
/// `node` may be null (helpers that only have a location); the message then names the
/// node from `loc`. Every shape check of the lowerings goes through here.
void emitShapeCheck(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node, mlir::Value ok,
                    mlir::Value lhs, mlir::Value rhs, const llvm::Twine &message);

/// Whether sizes `a` and `b` are equal in every run: both the same constant, or both
/// traced (through tensor.dim, DPS inits, tensor.empty/expand_shape sizes, casts,
/// constant pads and index arithmetic with constants) to the same dim of the same value
/// plus the same constant.
bool provablyEqualSizes(mlir::OpFoldResult a, mlir::OpFoldResult b);

/// Whether `size` is the constant `value`, or traces to it.
bool isConstantSize(mlir::OpFoldResult size, int64_t value);

/// Whether `size` can never be 1: a constant other than 1, or (traced as above) a
/// product with a constant factor other than -1, 0 and 1 (an integer upsampling: a Resize
/// by 2 has an even size). Such a dim never broadcasts at run time.
bool provablyNotOne(mlir::OpFoldResult size);

/// Checks `a == b` at run time unless provably equal. `message` has two `{}` for a, b.
void checkSizesEqual(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                     mlir::OpFoldResult lhs, mlir::OpFoldResult rhs, const llvm::Twine &message);

/// Checks `pred(lhs, rhs)` at run time unless both are constants for which it holds.
void checkSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                mlir::arith::CmpIPredicate pred, mlir::OpFoldResult lhs, mlir::OpFoldResult rhs,
                const llvm::Twine &message);

/// Checks that `value`'s dynamic dims equal `type`'s static sizes where `type` has them
/// (what a tensor.cast to `type` assumes); `what` names the value in the message.
void checkCastSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                    mlir::Value value, mlir::RankedTensorType type, const llvm::Twine &what);

/// `value` cast to `type` (castTo), after checkCastSizes: a lowering whose result type
/// shape inference (or the model's value_info) made static while its computed value is
/// dynamic must not hand a consumer a buffer of another size. Every dynamic->static cast
/// of the lowerings goes through here; `what` names the value in the message.
mlir::Value castWithCheck(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                          mlir::Value value, mlir::Type type,
                          const llvm::Twine &what = "the result");

/// Checks at run time that `operand`, right-aligned to `targetSizes`, has in each dim the
/// target's size or 1 (how normalizations read scale and bias: a size-1 dim is broadcast,
/// any other must match), unless provably so; returns `operand` with a run-time 1
/// broadcast (broadcastDynamicOnes), to read with getBroadcastMap. `name` and `target`
/// name the two in the message.
mlir::Value checkOperandBroadcast(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                                  mlir::Value operand,
                                  llvm::ArrayRef<mlir::OpFoldResult> targetSizes,
                                  const llvm::Twine &name, const llvm::Twine &target);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_SHAPECHECKS_H
