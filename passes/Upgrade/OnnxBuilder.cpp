//===- OnnxBuilder.cpp - Building onnx ops during an upgrade --------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "kiln/NodeLoc.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;

namespace kiln::upgrade {

Operation *OnnxBuilder::create(StringRef name, ValueRange operands,
                               ArrayRef<NamedAttribute> attrs, TypeRange results) {
  std::optional<RegisteredOperationName> opName =
      RegisteredOperationName::lookup(name, b.getContext());
  assert(opName && "upgrades build registered onnx ops only");
  OperationState state(loc, *opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(results);
  return b.create(state);
}

Value OnnxBuilder::op(StringRef name, ValueRange operands, Type elementType,
                      ArrayRef<NamedAttribute> attrs) {
  return create(name, operands, attrs, UnrankedTensorType::get(elementType))->getResult(0);
}

Value OnnxBuilder::none() { return onnxir::NoValueOp::create(b, loc, b.getNoneType()); }

Value OnnxBuilder::i64s(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getI64Type());
  return create("onnx.Constant", {}, {attr("value", DenseIntElementsAttr::get(type, values))},
                type)
      ->getResult(0);
}

Value OnnxBuilder::f32s(ArrayRef<float> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getF32Type());
  return create("onnx.Constant", {}, {attr("value", DenseFPElementsAttr::get(type, values))},
                type)
      ->getResult(0);
}

Value OnnxBuilder::scalar(Type elementType, double value) {
  auto type = RankedTensorType::get({}, elementType);
  Attribute element;
  if (auto floatType = dyn_cast<FloatType>(elementType))
    element = b.getFloatAttr(floatType, value);
  else
    element = b.getIntegerAttr(elementType, static_cast<int64_t>(value));
  return create("onnx.Constant", {}, {attr("value", DenseElementsAttr::get(type, element))},
                type)
      ->getResult(0);
}

LogicalResult OnnxBuilder::replaceWith(ValueRange values) {
  for (OpResult result : replaced->getResults().drop_front(values.size()))
    if (!result.use_empty())
      return fail("output " + Twine(result.getResultNumber()) +
                  " is used but has no equivalent in the newest version of the op");
  for (auto [result, value] : llvm::zip(replaced->getResults(), values)) {
    // Keep the importer's type where it says more than the new op's (unranked) one.
    if (isa<UnrankedTensorType>(value.getType()) && isa<RankedTensorType>(result.getType()))
      value.setType(result.getType());
    result.replaceAllUsesWith(value);
  }
  replaced->erase();
  return success();
}

LogicalResult OnnxBuilder::rename(StringRef newName, ValueRange operands,
                                  ArrayRef<StringRef> dropped, ArrayRef<NamedAttribute> added,
                                  unsigned extraResults) {
  NamedAttrList attrs(replaced->getAttrDictionary());
  for (StringRef name : dropped)
    attrs.erase(name);
  for (NamedAttribute entry : added)
    attrs.set(entry.getName(), entry.getValue());
  SmallVector<Type> results(replaced->getResultTypes());
  results.append(extraResults, b.getNoneType());
  Operation *op = create(newName, operands, attrs.getAttrs(), results);
  return replaceWith(op->getResults().take_front(replaced->getNumResults()));
}

LogicalResult OnnxBuilder::fail(const Twine &message) {
  return emitError(loc) << kiln::describeNode(replaced) << ": " << message;
}

int64_t intAttrOr(Operation *op, StringRef name, int64_t fallback) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return fallback;
}

int64_t rankOf(Value value) {
  auto type = dyn_cast<RankedTensorType>(value.getType());
  return type ? type.getRank() : -1;
}

Type elementTypeOf(Value value) { return cast<ShapedType>(value.getType()).getElementType(); }

} // namespace kiln::upgrade
