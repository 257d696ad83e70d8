//===- Broadcast.h - Numpy broadcasting with run-time checks ----*- C++ -*-===//
//
// The numpy (multidirectional) broadcast of the elementwise lowerings: the checked
// result sizes, the operands with run-time 1s materialized, the indexing maps, and the
// elementwise linalg.generic built from them.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_BROADCAST_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_BROADCAST_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"

#include <string>

namespace kiln::conversion {

/// Computes the sizes of the numpy broadcast of shapes `inputs` (right-aligned) to a
/// result of shape `resultShape`, one per result dim, and checks at run time (kiln.check)
/// that each input size equals the result's or is 1, unless that holds by construction.
/// `names` name the inputs in the messages (default "input <i>").
llvm::SmallVector<mlir::OpFoldResult>
getCheckedBroadcastSizes(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                         llvm::ArrayRef<llvm::SmallVector<mlir::OpFoldResult>> inputs,
                         llvm::ArrayRef<int64_t> resultShape,
                         llvm::ArrayRef<std::string> names = {});

/// Returns `input` when each of its dynamic dims is provably its `targetSizes` entry (one
/// per dim of `input`), else an scf.if that yields `input` itself unless some dynamic dim
/// is 1 at run time where the target is not, and then `input` broadcast there to the
/// target. Lets a consumer read `input` with identity maps in its dynamic dims.
mlir::Value broadcastDynamicOnes(mlir::OpBuilder &b, mlir::Location loc, mlir::Value input,
                                 llvm::ArrayRef<mlir::OpFoldResult> targetSizes);

/// getCheckedBroadcastSizes over `inputs`, then broadcastDynamicOnes on each; returns the
/// operands to read with getBroadcastMap and sets `resultSizes`.
llvm::SmallVector<mlir::Value>
broadcastOperands(mlir::OpBuilder &b, mlir::Location loc, mlir::Operation *node,
                  mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                  llvm::SmallVectorImpl<mlir::OpFoldResult> &resultSizes);

/// Builds the indexing map that reads `inputType` broadcast to rank `resultRank`:
/// leading dims are dropped and static size-1 dims (where the result is not 1) read index 0.
/// Dynamic dims read the result's index (see broadcastDynamicOnes).
mlir::AffineMap getBroadcastMap(mlir::MLIRContext *ctx, mlir::RankedTensorType inputType,
                                mlir::RankedTensorType resultType);

/// Callback building the scalar body of an elementwise op from the input scalars.
using ScalarBodyBuilder =
    llvm::function_ref<mlir::Value(mlir::OpBuilder &, mlir::Location, mlir::ValueRange)>;

/// Emits a linalg.generic computing `body` elementwise over `inputs` numpy-broadcast to
/// `resultType`, with the run-time checks and dynamic-1 broadcasts of broadcastOperands.
/// `node` is the ONNX op the checks name (null: named from `loc`). Returns the result.
mlir::Value buildElementwise(mlir::OpBuilder &b, mlir::Location loc,
                             mlir::RankedTensorType resultType, mlir::ValueRange inputs,
                             ScalarBodyBuilder body, mlir::Operation *node = nullptr);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_BROADCAST_H
