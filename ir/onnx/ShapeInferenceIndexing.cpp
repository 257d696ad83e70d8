//===- ShapeInferenceIndexing.cpp - Pad, Tile, gathers and scatters -------===//
//
// Ops whose result is shaped like one operand (CastLike, scatters, Trilu, CumSum;
// GatherElements takes the indices' shape) or per dimension from shape-like inputs (Pad,
// Tile).
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

/// The result has the element type of `elemFrom` and the shape of `shapeFrom`.
static LogicalResult likeOperand(Value shapeFrom, Value elemFrom,
                                 SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(
      makeTensorType(getRankedShape(shapeFrom.getType()), getTensorElementType(elemFrom.getType())));
  return success();
}

LogicalResult CastLikeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getInput(), getTargetType(), resultTypes);
}

LogicalResult GatherElementsOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getIndices(), getData(), resultTypes);
}

LogicalResult ScatterElementsOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getData(), getData(), resultTypes);
}

LogicalResult ScatterNDOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getData(), getData(), resultTypes);
}

LogicalResult TriluOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getInput(), getInput(), resultTypes);
}

LogicalResult CumSumOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return likeOperand(getX(), getX(), resultTypes);
}

LogicalResult TileOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto input = getRankedShape(getInput().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  SmallVector<int64_t> dims(input->size(), kDynamic);
  std::optional<SmallVector<int64_t>> repeats = getShapeTensorValues(getRepeats());
  if (repeats && repeats->size() == input->size())
    for (auto [i, r] : llvm::enumerate(*repeats))
      if (!ShapedType::isDynamic(r) && !ShapedType::isDynamic((*input)[i]))
        dims[i] = (*input)[i] * r;
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult PadOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  SmallVector<int64_t> dims(rank, kDynamic);
  // pads = [begin_0, ..., begin_k, end_0, ..., end_k] over `axes` (default: all dims).
  std::optional<SmallVector<int64_t>> pads = matchConstantI64s(getPads());
  SmallVector<int64_t> axes;
  if (isa<NoneType>(getAxes().getType())) {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  } else if (std::optional<SmallVector<int64_t>> given = matchConstantI64s(getAxes())) {
    for (int64_t a : *given)
      axes.push_back(a < 0 ? a + rank : a);
  } else {
    pads.reset(); // which dims are padded is only known at run time
  }
  if (pads && pads->size() == 2 * axes.size()) {
    dims.assign(input->begin(), input->end());
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if (axis < 0 || axis >= rank)
        return success();
      if (!ShapedType::isDynamic(dims[axis]))
        dims[axis] += (*pads)[i] + (*pads)[i + axes.size()];
    }
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace kiln::onnxir
