//===- UpgradeMath.cpp - Softmax family before 13, Clip before 11, DFT 17 -===//
//
// Softmax, LogSoftmax and Hardmax up to opset 12 coerce the input to 2-D at `axis` (default
// 1) and normalize each row over all the trailing dimensions; since opset 13 they normalize
// along the one dimension `axis` (default -1). The two agree when axis is the last dimension;
// otherwise the upgrade is Flatten(axis) -> op(axis = 1) -> Reshape(Shape(x)).
//
// Clip up to opset 6 takes min and max as float attributes; since opset 11 as optional
// inputs of the input's type. DFT 17 takes `axis` (default 1) as an attribute; DFT 20 as an
// input (default -2).
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln::upgrade {
namespace {

template <const char *NewName>
LogicalResult upgradeCoerced2D(Operation *op, OnnxBuilder &b) {
  Value x = op->getOperand(0);
  int64_t rank = rankOf(x);
  if (rank < 0)
    return b.fail("the opset < 13 semantics (a 2-D coercion at `axis`) need the input's rank");
  int64_t axis = intAttrOr(op, "axis", 1);
  int64_t normalized = axis < 0 ? axis + rank : axis;
  if (normalized < 0 || normalized > std::max<int64_t>(rank - 1, 0))
    return b.fail("axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
  if (normalized >= rank - 1)
    return b.rename(NewName, {x}, {"axis"}, {b.intAttr("axis", -1)});
  Type elem = elementTypeOf(x);
  Value flat = b.op("onnx.Flatten", {x}, elem, {b.intAttr("axis", normalized)});
  Value rows = b.op(NewName, {flat}, elem, {b.intAttr("axis", 1)});
  Value shape = b.op("onnx.Shape", {x}, b.builder().getI64Type());
  return b.replaceWith(b.op("onnx.Reshape", {rows, shape}, elem));
}

constexpr char kSoftmax[] = "onnx.Softmax", kLogSoftmax[] = "onnx.LogSoftmax",
               kHardmax[] = "onnx.Hardmax";

LogicalResult upgradeClip(Operation *op, OnnxBuilder &b) {
  Value x = op->getOperand(0);
  auto bound = [&](StringRef name) {
    auto attr = op->getAttrOfType<FloatAttr>(name);
    return attr ? b.scalar(elementTypeOf(x), attr.getValueAsDouble()) : b.none();
  };
  Value min = bound("min"), max = bound("max");
  return b.rename("onnx.Clip", {x, min, max}, {"min", "max", "consumed_inputs"});
}

LogicalResult upgradeDft17(Operation *op, OnnxBuilder &b) {
  Value axis = b.scalar(b.builder().getI64Type(), intAttrOr(op, "axis", 1));
  return b.rename("onnx.DFT", {op->getOperand(0), op->getOperand(1), axis}, {"axis"});
}

} // namespace

void addMathUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  table["onnx.SoftmaxV11"] = upgradeCoerced2D<kSoftmax>;
  table["onnx.LogSoftmaxV11"] = upgradeCoerced2D<kLogSoftmax>;
  table["onnx.HardmaxV11"] = upgradeCoerced2D<kHardmax>;
  table["onnx.ClipV1"] = table["onnx.ClipV6"] = upgradeClip;
  table["onnx.DFTV17"] = upgradeDft17;
}

} // namespace kiln::upgrade
