//===- UpgradeNN.cpp - BatchNormalization < 14, LpPool 1, GridSample 16, RoiAlign 10 -===//
//
// BatchNormalization up to opset 9 has five outputs (Y, and the mean, variance and saved
// statistics of training) and, up to opset 7, `spatial`: with spatial = 0 the statistics
// are per activation (shape C x D1 x ... x Dn) rather than per channel. Inference uses
// only Y: the upgrade is the newest BatchNormalization (training_mode = 0), or, for
// per-activation statistics, (X - mean) / sqrt(var + epsilon) * scale + B, whose numpy
// broadcasting aligns the statistics with X's trailing dimensions as spatial = 0 means.
// The training outputs have no inference equivalent: a model that uses them is refused.
//
// LpPool and GlobalLpPool 1 take p as a float (an integer since opset 2). GridSample 16
// names its modes bilinear and bicubic (linear and cubic since 20). RoiAlign 10 computes
// what RoiAlign 16 calls coordinate_transformation_mode = output_half_pixel.
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <string>

using namespace mlir;

namespace kiln::upgrade {
namespace {

LogicalResult upgradeBatchNorm(Operation *op, OnnxBuilder &b) {
  SmallVector<Value> inputs(op->getOperands());
  float epsilon = 1e-5f;
  if (auto attr = op->getAttrOfType<FloatAttr>("epsilon"))
    epsilon = attr.getValueAsDouble();
  bool perActivation = intAttrOr(op, "spatial", 1) == 0 && rankOf(inputs[1]) != 1;
  if (!perActivation) {
    // Y only: running_mean and running_var exist in training mode alone.
    NoneType none = b.builder().getNoneType();
    Operation *bn = b.create(
        "onnx.BatchNormalization", inputs,
        {b.attr("epsilon", b.builder().getF32FloatAttr(epsilon)),
         b.attr("momentum", op->getAttr("momentum") ? op->getAttr("momentum")
                                                     : b.builder().getF32FloatAttr(0.9f)),
         b.intAttr("training_mode", 0)},
        {op->getResult(0).getType(), none, none});
    return b.replaceWith(bn->getResult(0));
  }
  Type elem = elementTypeOf(inputs[0]);
  Value centered = b.op("onnx.Sub", {inputs[0], inputs[3]}, elem);
  Value variance = b.op("onnx.Add", {inputs[4], b.scalar(elem, epsilon)}, elem);
  Value normalized = b.op("onnx.Div", {centered, b.op("onnx.Sqrt", {variance}, elem)}, elem);
  Value scaled = b.op("onnx.Mul", {normalized, inputs[1]}, elem);
  return b.replaceWith(b.op("onnx.Add", {scaled, inputs[2]}, elem));
}

template <const char *NewName>
LogicalResult upgradeFloatP(Operation *op, OnnxBuilder &b) {
  double p = 2.0;
  if (auto attr = op->getAttrOfType<FloatAttr>("p"))
    p = attr.getValueAsDouble();
  if (p != std::floor(p) || p < 1 || p > 1e9)
    return b.fail("p = " + std::to_string(p) +
                  " is not a positive integer (the newest op takes an integer p)");
  return b.rename(NewName, op->getOperands(), {"p"},
                  {b.intAttr("p", static_cast<int64_t>(p))});
}

constexpr char kLpPool[] = "onnx.LpPool", kGlobalLpPool[] = "onnx.GlobalLpPool";

LogicalResult upgradeGridSample16(Operation *op, OnnxBuilder &b) {
  StringRef mode = "bilinear";
  if (auto attr = op->getAttrOfType<StringAttr>("mode"))
    mode = attr.getValue();
  StringRef newMode = mode == "bilinear" ? "linear" : mode == "bicubic" ? "cubic" : mode;
  return b.rename("onnx.GridSample", op->getOperands(), {"mode"}, {b.strAttr("mode", newMode)});
}

LogicalResult upgradeRoiAlign10(Operation *op, OnnxBuilder &b) {
  return b.rename("onnx.RoiAlign", op->getOperands(), {},
                  {b.strAttr("coordinate_transformation_mode", "output_half_pixel")});
}

} // namespace

void addNNUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  for (StringRef name : {"onnx.BatchNormalizationV1", "onnx.BatchNormalizationV6",
                         "onnx.BatchNormalizationV7", "onnx.BatchNormalizationV9"})
    table[name] = upgradeBatchNorm;
  table["onnx.LpPoolV1"] = upgradeFloatP<kLpPool>;
  table["onnx.GlobalLpPoolV1"] = upgradeFloatP<kGlobalLpPool>;
  table["onnx.GridSampleV16"] = upgradeGridSample16;
  table["onnx.RoiAlignV10"] = upgradeRoiAlign10;
}

} // namespace kiln::upgrade
