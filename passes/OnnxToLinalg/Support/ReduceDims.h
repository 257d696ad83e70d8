//===- ReduceDims.h - Reductions over a subset of dims ----------*- C++ -*-===//
//
// The normalizations, Softmax, the losses, pooling and Attention reduce some dims of a
// tensor and then map it elementwise with the kept dims broadcast back: the reduction
// generic and its projection maps live here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_REDUCEDIMS_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_REDUCEDIMS_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/ValueRange.h"

namespace kiln::conversion {

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

/// Returns the number of elements of `input` in the dims where `selected` is true, as a
/// scalar of float type `type` (folded to a constant when those dims are static).
mlir::Value getElementCount(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                            llvm::ArrayRef<bool> selected, mlir::Type type);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_REDUCEDIMS_H
