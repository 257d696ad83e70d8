//===- ShapeInferenceGenerator.cpp - Shape inference of onnx generators ---===//
//
// Constant, ConstantOfShape, Range: ops whose result shape comes from attributes
// or constant inputs rather than from a data operand.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/IR/BuiltinAttributes.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The value of a one-element integer or float `onnx.Constant`, as a double.
std::optional<double> matchConstantScalar(Value value) {
  auto constant = value.getDefiningOp<ConstantOp>();
  if (!constant || !constant.getValueAttr())
    return std::nullopt;
  auto dense = dyn_cast<DenseElementsAttr>(constant.getValueAttr());
  if (!dense || dense.getNumElements() != 1)
    return std::nullopt;
  if (auto ints = dyn_cast<DenseIntElementsAttr>(dense))
    return static_cast<double>((*ints.getValues<APInt>().begin()).getSExtValue());
  if (auto floats = dyn_cast<DenseFPElementsAttr>(dense))
    return (*floats.getValues<APFloat>().begin()).convertToDouble();
  return std::nullopt;
}

} // namespace

LogicalResult ConstantOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  MLIRContext *ctx = getContext();
  Builder b(ctx);
  Type type;
  if (ElementsAttr value = getValueAttr())
    type = value.getShapedType();
  else if (ElementsAttr sparse = getSparseValueAttr())
    type = sparse.getShapedType();
  else if (getValueFloat())
    type = RankedTensorType::get({}, b.getF32Type());
  else if (getValueInt())
    type = RankedTensorType::get({}, b.getI64Type());
  else if (auto floats = getValueFloats())
    type = RankedTensorType::get({static_cast<int64_t>(floats->size())}, b.getF32Type());
  else if (auto ints = getValueInts())
    type = RankedTensorType::get({static_cast<int64_t>(ints->size())}, b.getI64Type());
  else if (getValueString())
    type = RankedTensorType::get({}, StringType::get(ctx));
  else if (auto strings = getValueStrings())
    type = RankedTensorType::get({static_cast<int64_t>(strings->size())}, StringType::get(ctx));
  // The verifier reports a Constant without a value; nothing to infer.
  if (type)
    resultTypes.push_back(type);
  return success();
}

LogicalResult ConstantOfShapeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  // The fill value is a one-element tensor; its element type is the result's.
  Type elem = Float32Type::get(getContext());
  if (ElementsAttr value = getValueAttr())
    elem = value.getShapedType().getElementType();
  // The shape may be computed (e.g. Shape of another tensor); unknown entries stay
  // dynamic.
  if (auto dims = getShapeTensorValues(getInput())) {
    for (int64_t d : *dims)
      if (d < 0 && d != kDynamic)
        return emitOpError() << "shape value " << d << " is negative";
    resultTypes.push_back(RankedTensorType::get(*dims, elem));
    return success();
  }
  resultTypes.push_back(UnrankedTensorType::get(elem));
  return success();
}

LogicalResult RangeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getStart().getType());
  if (!elem)
    return success();
  int64_t length = kDynamic;
  auto start = matchConstantScalar(getStart());
  auto limit = matchConstantScalar(getLimit());
  auto delta = matchConstantScalar(getDelta());
  // Integer bounds may come from shapes, e.g. Range(0, Gather(Shape(x), 1), 1).
  auto fromShape = [](Value v, std::optional<double> &out) {
    if (out)
      return;
    if (auto values = getShapeTensorValues(v); values && values->size() == 1 &&
                                               values->front() != kDynamic)
      out = static_cast<double>(values->front());
  };
  fromShape(getStart(), start);
  fromShape(getLimit(), limit);
  fromShape(getDelta(), delta);
  if (start && limit && delta) {
    if (*delta == 0)
      return emitOpError() << "delta is 0";
    // The ONNX definition: max(ceil((limit - start) / delta), 0) elements.
    length = std::max<int64_t>(static_cast<int64_t>(std::ceil((*limit - *start) / *delta)), 0);
  }
  resultTypes.push_back(RankedTensorType::get({length}, elem));
  return success();
}

} // namespace kiln::onnxir
