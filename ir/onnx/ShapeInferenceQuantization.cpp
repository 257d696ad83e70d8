//===- ShapeInferenceQuantization.cpp - Shapes of the Quantization category -===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {

/// y has x's shape; y_scale and y_zero_point are scalars.
LogicalResult DynamicQuantizeLinearOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type u8 = getTensorElementType(getY().getType());
  resultTypes.push_back(makeTensorType(getRankedShape(getX().getType()), u8));
  resultTypes.push_back(RankedTensorType::get({}, getTensorElementType(getYScale().getType())));
  resultTypes.push_back(RankedTensorType::get({}, u8));
  return success();
}

/// y has x's shape, in the element type it was declared with (the scale's, or
/// output_dtype's: the importer sets it from the schema).
LogicalResult DequantizeLinearOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(makeTensorType(getRankedShape(getX().getType()),
                                       getTensorElementType(getY().getType())));
  return success();
}

/// y has x's shape, in the element type it was declared with.
LogicalResult QuantizeLinearOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(makeTensorType(getRankedShape(getX().getType()),
                                       getTensorElementType(getY().getType())));
  return success();
}

} // namespace kiln::onnxir
