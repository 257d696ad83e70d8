//===- Reduction.h - Reduce* pieces shared with run-time axes ----*- C++ -*-===//
//
// Reduction.cpp lowers Reduce* with constant axes; DynamicAxes.cpp lowers it when the axes
// are a model input. Both build their linalg bodies from the helpers declared here.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_REDUCTION_H
#define KILN_PASSES_ONNXTOLINALG_REDUCTION_H

#include "passes/OnnxToLinalg/Common.h"

namespace kiln::conversion {

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

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

#endif // KILN_PASSES_ONNXTOLINALG_REDUCTION_H
