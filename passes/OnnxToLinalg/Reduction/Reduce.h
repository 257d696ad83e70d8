//===- Reduce.h - Pieces shared by the Reduction lowerings ------*- C++ -*-===//
//
// Reduce.cpp lowers Reduce* with constant axes, ReduceDynamicAxes.cpp when the axes are a
// model input, ArgMinMax.cpp ArgMax and ArgMin. They build their linalg bodies from the
// helpers declared here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_REDUCTION_REDUCE_H
#define KILN_PASSES_ONNXTOLINALG_REDUCTION_REDUCE_H

#include "mlir/IR/AffineMap.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln::conversion {

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

/// The largest (`largest`) or smallest value of `type`: the neutral element of Min/Max.
mlir::TypedAttr extremeValue(mlir::Type type, bool largest, bool isUnsigned);

/// Whether the data of `op` compares unsigned: ONNX unsigned types, and bool (as a signed
/// i1, true is -1 and would lose to false in max).
bool isUnsignedReduce(mlir::Operation *op);

/// Creates a tensor of `type` filled with `value`.
mlir::Value createFilled(mlir::OpBuilder &b, mlir::Location loc, mlir::RankedTensorType type,
                         mlir::ValueRange dynamic, mlir::TypedAttr value);

/// The type of `data` with `dims` removed, its dynamic sizes, and the map from the full
/// iteration space to it.
struct ReducedShape {
  mlir::RankedTensorType type;
  llvm::SmallVector<mlir::Value> dynamic;
  mlir::AffineMap map;
};

ReducedShape getReducedShape(mlir::OpBuilder &b, mlir::Location loc, mlir::Value data,
                             llvm::ArrayRef<int64_t> dims, mlir::Type elementType);

/// The value a `kind` reduction of `type` starts from (0, 1, or the type's extreme).
mlir::TypedAttr neutralElement(ReduceKind kind, mlir::Type type, bool isUnsigned);

/// Combines one element `x` into the accumulator `acc` (max, min, mul or add).
mlir::Value combineReduce(mlir::OpBuilder &b, mlir::Location loc, ReduceKind kind, mlir::Value x,
                          mlir::Value acc, bool isUnsigned);

/// The per-element map applied before combining (abs for L1, square for L2/SumSquare).
mlir::Value preMapReduce(mlir::OpBuilder &b, mlir::Location loc, ReduceKind kind, mlir::Value x,
                         bool isUnsigned);

/// Lowers a `kind` reduction of `data` whose axes are the run-time 1-D tensor `axes`:
/// each dim is reduced (keeping it as size 1) under an scf.if on whether it is listed,
/// and keepDims=false reshapes to the run-time shape of the kept dims.
mlir::Value buildDynamicAxesReduce(mlir::OpBuilder &b, mlir::Location loc, mlir::Value data,
                                   mlir::Value axes, ReduceKind kind, bool keepDims,
                                   bool noopWithEmptyAxes, bool isUnsigned,
                                   mlir::RankedTensorType resultType);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_REDUCTION_REDUCE_H
