//===- ShapeInferenceIndexing.cpp - Shape inference of gathers and scatters ===//
//
// Gather builds its result from the data and indices shapes; GatherElements takes the
// indices' shape, the scatters the data's.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

LogicalResult GatherOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto data = getRankedShape(getData().getType());
  auto indices = getRankedShape(getIndices().getType());
  if (!data || !indices) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  auto axis = normalizeAxis(static_cast<int64_t>(getAxis()), data->size(), nullptr);
  if (failed(axis))
    return success();
  // data[:axis] ++ indices ++ data[axis+1:]
  SmallVector<int64_t> dims(data->take_front(*axis));
  dims.append(indices->begin(), indices->end());
  dims.append(data->begin() + *axis + 1, data->end());
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult GatherElementsOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getIndices(), getData(), resultTypes);
}

LogicalResult ScatterElementsOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getData(), getData(), resultTypes);
}

LogicalResult ScatterNDOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getData(), getData(), resultTypes);
}

} // namespace kiln::onnxir
