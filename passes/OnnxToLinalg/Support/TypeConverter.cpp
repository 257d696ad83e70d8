//===- TypeConverter.cpp - ONNX types to the types linalg works with ------===//

#include "passes/OnnxToLinalg/Support/TypeConverter.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln::conversion {

OnnxTypeConverter::OnnxTypeConverter() {
  addConversion([](Type type) { return type; });
  addConversion([](IntegerType type) -> Type {
    if (type.isUnsigned())
      return IntegerType::get(type.getContext(), type.getWidth());
    return type;
  });
  addConversion([this](RankedTensorType type) -> Type {
    Type elem = convertType(type.getElementType());
    return elem ? RankedTensorType::get(type.getShape(), elem) : Type();
  });
  addConversion([this](UnrankedTensorType type) -> Type {
    Type elem = convertType(type.getElementType());
    return elem ? UnrankedTensorType::get(elem) : Type();
  });
  // Values whose type changes only in signedness are reinterpreted in place.
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    if (inputs.size() != 1)
      return {};
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addTargetMaterialization(materialize);
}

bool isUnsignedInt(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isUnsigned();
}

} // namespace kiln::conversion
