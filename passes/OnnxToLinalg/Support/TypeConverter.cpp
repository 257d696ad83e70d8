//===- TypeConverter.cpp - ONNX types to the types linalg works with ------===//

#include "passes/OnnxToLinalg/Support/TypeConverter.h"

#include "passes/OnnxToLinalg/Support/SequenceValue.h"

#include "ir/onnx/OnnxDialect.h"

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
  // A sequence of ranked tensors becomes its packed data and shape table
  // (SequenceValue.h); one of unknown element rank has no lowered form.
  addConversion([this](onnxir::SeqType type,
                       SmallVectorImpl<Type> &results) -> std::optional<LogicalResult> {
    auto element = dyn_cast<RankedTensorType>(type.getElementType());
    auto converted = element ? dyn_cast_or_null<RankedTensorType>(convertType(element))
                             : RankedTensorType();
    if (!converted)
      return failure();
    llvm::append_range(results, getPackedSequenceTypes(converted));
    return success();
  });
  // A sequence value used before its producer is converted (a subgraph's yield) is
  // split into its two tensors; the casts cancel once the producer is lowered.
  addTargetMaterialization([](OpBuilder &b, TypeRange types, ValueRange inputs,
                              Location loc) -> SmallVector<Value> {
    if (types.size() < 2)
      return {};
    return UnrealizedConversionCastOp::create(b, loc, types, inputs).getResults();
  });
  // Values whose type changes only in signedness are reinterpreted in place.
  auto materialize = [](OpBuilder &b, Type type, ValueRange inputs, Location loc) -> Value {
    if (inputs.size() != 1)
      return {};
    return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
  };
  addSourceMaterialization(materialize);
  addSourceMaterialization(
      [](OpBuilder &b, onnxir::SeqType type, ValueRange inputs, Location loc) -> Value {
        return UnrealizedConversionCastOp::create(b, loc, type, inputs).getResult(0);
      });
  addTargetMaterialization(materialize);
}

bool isUnsignedInt(Type type) {
  if (auto shaped = dyn_cast<ShapedType>(type))
    type = shaped.getElementType();
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isUnsigned();
}

} // namespace kiln::conversion
