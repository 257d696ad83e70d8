//===- DynamicAxes.h - Axes known only at run time --------------*- C++ -*-===//
//
// When the axes of an op are a model input rather than a constant, which dims it touches
// is only known at run time, but the ranks are static (the axes tensor has a static
// length, and shape inference gives the result rank). Every dim then carries an i1 "is
// listed" flag computed from the axes tensor; the Reduce* lowering
// (Reduction/ReduceDynamicAxes.cpp) and Squeeze/Unsqueeze (Tensor/Squeeze.cpp) build on
// these helpers.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICAXES_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICAXES_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Operation.h"

namespace kiln::conversion {

/// Per dim d < `rank`, an i1 Value that is true when the 1-D integer tensor `axes` (a
/// run-time value; negative entries count from the back) lists d. `isEmpty` is set to an i1
/// that is true when `axes` has no entries.
llvm::SmallVector<mlir::Value> getAxisFlags(mlir::OpBuilder &b, mlir::Location loc,
                                            mlir::Value axes, int64_t rank, mlir::Value &isEmpty);

/// Returns the `resultRank` sizes left when the dims whose i1 in `dropped` is true are
/// removed from `sizes` (run-time selects; the caller knows how many remain).
llvm::SmallVector<mlir::Value> compactSizes(mlir::OpBuilder &b, mlir::Location loc,
                                            llvm::ArrayRef<mlir::Value> sizes,
                                            llvm::ArrayRef<mlir::Value> dropped,
                                            int64_t resultRank);

/// Reshapes `src` to `resultType` with the run-time index `sizes` (tensor.reshape).
mlir::Value reshapeToSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value src,
                           llvm::ArrayRef<mlir::Value> sizes, mlir::RankedTensorType resultType);

/// Whether `v` is a ranked 1-D tensor (the only axes form the flags are computed from).
bool isRankedVector(mlir::Value v);

/// Builds the op for a single axis only known at run time: reads the integer scalar (or
/// one-element tensor) `axis`, checks at run time that it lies in [-rank, rank) (naming
/// `node`) and, normalized, below `numAxes` (default `rank`: every dim may be the axis),
/// and switches (scf.index_switch) on it with one case per d < numAxes in which
/// `build(b, loc, d)` returns values castable to `resultTypes`. Returns the results.
llvm::SmallVector<mlir::Value> switchOnAxis(
    mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node, mlir::Value axis, int64_t rank,
    mlir::TypeRange resultTypes,
    llvm::function_ref<llvm::SmallVector<mlir::Value>(mlir::OpBuilder &, mlir::Location, int64_t)>
        build,
    int64_t numAxes = -1);

/// Returns the run-time sizes of `x`, one index Value per dim (constants where static).
llvm::SmallVector<mlir::Value> getSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_DYNAMICAXES_H
