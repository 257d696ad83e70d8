//===- ShapeInferenceML.cpp - Shape inference of ai.onnx.ml ops -----------===//
//
// libonnx 1.12 knows ai.onnx.ml up to opset 3: TreeEnsemble (opset 5) and the ops Kiln
// lowers get their result types here so that they can feed other nodes.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// [N, targets] of `elem`, N being X's dim 0 (dynamic when X is not ranked 2-D).
Type treeResultType(Value x, int64_t targets, Type elem) {
  int64_t rows = kDynamic;
  if (auto type = dyn_cast<RankedTensorType>(x.getType()); type && type.getRank() == 2)
    rows = type.getDimSize(0);
  return RankedTensorType::get({rows, targets}, elem);
}

/// n_targets, or one more than the largest target id.
int64_t numTargets(std::optional<uint64_t> attr, ArrayRef<int64_t> targetIds) {
  if (attr)
    return static_cast<int64_t>(*attr);
  int64_t top = -1;
  for (int64_t id : targetIds)
    top = std::max(top, id);
  return top + 1;
}

} // namespace

LogicalResult MLBinarizerOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), Type(), resultTypes);
}

LogicalResult MLArrayFeatureExtractorOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  // X's shape with the last dim replaced by the number of indices; a 1-D X gives [1, K].
  auto x = dyn_cast<RankedTensorType>(getX().getType());
  auto y = dyn_cast<RankedTensorType>(getY().getType());
  if (!x || !y || x.getRank() == 0)
    return success();
  int64_t k = y.hasStaticShape() ? y.getNumElements() : kDynamic;
  SmallVector<int64_t> shape(x.getShape().drop_back());
  if (shape.empty())
    shape.push_back(1);
  shape.push_back(k);
  resultTypes.push_back(RankedTensorType::get(shape, x.getElementType()));
  return success();
}

LogicalResult MLTreeEnsembleOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  if (!elem)
    return success();
  resultTypes.push_back(
      treeResultType(getX(), numTargets(getNTargets(), getLeafTargetids()), elem));
  return success();
}

LogicalResult MLTreeEnsembleRegressorOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  ArrayRef<int64_t> targets;
  if (auto ids = getTargetIds())
    targets = *ids;
  resultTypes.push_back(treeResultType(getX(), numTargets(getNTargets(), targets),
                                       Float32Type::get(getContext())));
  return success();
}

} // namespace kiln::onnxir
