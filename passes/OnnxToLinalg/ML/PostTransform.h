//===- PostTransform.h - The score transforms of the ai.onnx.ml ops -*- C++ -*-===//
//
// The ai.onnx.ml classifiers and regressors (TreeEnsemble, ...) end with a post_transform
// applied to each row of their [N, T] scores: NONE, SOFTMAX, LOGISTIC, SOFTMAX_ZERO or
// PROBIT, computed as ONNX Runtime does.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_ML_POSTTRANSFORM_H
#define KILN_PASSES_ONNXTOLINALG_ML_POSTTRANSFORM_H

#include "mlir/IR/Builders.h"

namespace kiln::conversion {

/// The ai.onnx.ml post transforms, numbered as the TreeEnsemble spec and the reference
/// implementation number them (ONNX Runtime 1.2x swaps SOFTMAX and LOGISTIC there).
enum class PostTransform : int64_t {
  None = 0,
  Softmax = 1,
  Logistic = 2,
  SoftmaxZero = 3,
  Probit = 4
};

/// Applies `kind` to each row of the 2-D float tensor `scores`.
mlir::Value applyPostTransform(mlir::OpBuilder &b, mlir::Location loc, mlir::Value scores,
                               PostTransform kind);

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_ML_POSTTRANSFORM_H
