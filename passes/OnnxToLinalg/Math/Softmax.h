//===- Softmax.h - Softmax and LogSoftmax along one axis --------*- C++ -*-===//
//
// The max-subtracted softmax the Softmax/LogSoftmax lowering builds, which the losses
// (SoftmaxCrossEntropyLoss) reuse.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_MATH_SOFTMAX_H
#define KILN_PASSES_ONNXTOLINALG_MATH_SOFTMAX_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"

namespace kiln::conversion {

/// softmax (or, with `isLog`, log_softmax) of the float tensor `x` along `axis`, computed
/// as m = max(x), s = sum(exp(x - m)), softmax = exp(x - m) / s, logsoftmax = x - m - log(s)
/// so large inputs do not overflow. The result has `resultType` (x's shape).
mlir::Value buildSoftmax(mlir::OpBuilder &b, mlir::Location loc, mlir::Value x, int64_t axis,
                         mlir::RankedTensorType resultType, bool isLog);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_MATH_SOFTMAX_H
