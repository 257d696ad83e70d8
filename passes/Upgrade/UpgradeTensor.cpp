//===- UpgradeTensor.cpp - Upsample, Resize < 18, Pad < 18, Cast/Concat/Split/Tile/TopK 1 -===//
//
// Upsample (opsets 1-9, removed in 10) and Resize 10 scale with the `asymmetric` coordinate
// transformation and, in nearest mode, the `floor` rounding (as ONNX's version converter
// from Resize 10 to 11 writes them); Upsample 1 takes height_scale and width_scale and calls
// linear `bilinear`. Resize 11 and 13 are Resize 18 without antialias, axes and
// keep_aspect_ratio_policy (their defaults keep the old behaviour); Resize 11's
// `tf_half_pixel_for_nn` is handled by the lowering.
//
// Pad 1 and 2 take the pads and the constant as attributes; Pad 13 lacks `axes`. Cast 1
// names the target type as a string. Concat 1 defaults axis to 1. Split 1 takes the split
// sizes as an attribute or an input. Tile 1 repeats along one `axis` `tiles` times (both
// inputs). TopK 1 takes k as an attribute.
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/StringSwitch.h"

using namespace mlir;

namespace kiln::upgrade {
namespace {

/// Resize with Upsample's semantics: asymmetric coordinates, nearest rounds down.
LogicalResult resizeLikeUpsample(Operation *op, OnnxBuilder &b, Value x, Value scales) {
  StringRef mode = "nearest";
  if (auto attr = op->getAttrOfType<StringAttr>("mode"))
    mode = attr.getValue();
  StringRef newMode = llvm::StringSwitch<StringRef>(mode)
                          .Case("nearest", "nearest")
                          .Cases({"linear", "bilinear"}, "linear")
                          .Default("");
  if (newMode.empty())
    return b.fail("unknown mode '" + mode + "' (nearest, linear or bilinear)");
  Operation *resize =
      b.create("onnx.Resize", {x, b.none(), scales, b.none()},
               {b.strAttr("mode", newMode), b.strAttr("coordinate_transformation_mode", "asymmetric"),
                b.strAttr("nearest_mode", "floor")},
               op->getResult(0).getType());
  return b.replaceWith(resize->getResult(0));
}

LogicalResult upgradeUpsample1(Operation *op, OnnxBuilder &b) {
  auto h = op->getAttrOfType<FloatAttr>("height_scale");
  auto w = op->getAttrOfType<FloatAttr>("width_scale");
  if (!h || !w)
    return b.fail("height_scale and width_scale are required");
  if (rankOf(op->getOperand(0)) != 4)
    return b.fail("Upsample 1 scales the last two dimensions of a 4-D input");
  Value scales = b.f32s({1.0f, 1.0f, static_cast<float>(h.getValueAsDouble()),
                          static_cast<float>(w.getValueAsDouble())});
  return resizeLikeUpsample(op, b, op->getOperand(0), scales);
}

LogicalResult upgradeUpsample7(Operation *op, OnnxBuilder &b) {
  auto scales = op->getAttrOfType<DenseF32ArrayAttr>("scales");
  if (!scales)
    return b.fail("scales is required");
  return resizeLikeUpsample(op, b, op->getOperand(0), b.f32s(scales.asArrayRef()));
}

/// Upsample 9 and Resize 10: (X, scales).
LogicalResult upgradeScalesInput(Operation *op, OnnxBuilder &b) {
  return resizeLikeUpsample(op, b, op->getOperand(0), op->getOperand(1));
}

LogicalResult upgradeResize11(Operation *op, OnnxBuilder &b) {
  SmallVector<Value> inputs(op->getOperands());
  inputs.resize(4, Value());
  for (Value &input : inputs)
    if (!input)
      input = b.none();
  return b.rename("onnx.Resize", inputs);
}

LogicalResult upgradePadAttrs(Operation *op, OnnxBuilder &b) {
  auto pads = op->getAttrOfType<DenseI64ArrayAttr>("pads");
  if (!pads)
    pads = op->getAttrOfType<DenseI64ArrayAttr>("paddings");
  if (!pads)
    return b.fail("pads is required");
  StringRef mode = "constant";
  if (auto attr = op->getAttrOfType<StringAttr>("mode"))
    mode = attr.getValue();
  Value x = op->getOperand(0);
  Value value = b.none();
  if (mode == "constant") {
    auto attr = op->getAttrOfType<FloatAttr>("value");
    value = b.scalar(elementTypeOf(x), attr ? attr.getValueAsDouble() : 0.0);
  }
  return b.rename("onnx.Pad", {x, b.i64s(pads.asArrayRef()), value, b.none()},
                  {"pads", "paddings", "value"});
}

LogicalResult upgradePad13(Operation *op, OnnxBuilder &b) {
  SmallVector<Value> inputs(op->getOperands());
  while (inputs.size() < 4)
    inputs.push_back(b.none());
  return b.rename("onnx.Pad", inputs);
}

LogicalResult upgradeCast1(Operation *op, OnnxBuilder &b) {
  auto to = op->getAttrOfType<StringAttr>("to");
  // TensorProto.DataType, by the names Cast 1 used.
  int64_t code = llvm::StringSwitch<int64_t>(to ? to.getValue().upper() : "")
                     .Case("FLOAT", 1)
                     .Case("UINT8", 2)
                     .Case("INT8", 3)
                     .Case("UINT16", 4)
                     .Case("INT16", 5)
                     .Case("INT32", 6)
                     .Case("INT64", 7)
                     .Case("STRING", 8)
                     .Case("BOOL", 9)
                     .Case("FLOAT16", 10)
                     .Case("DOUBLE", 11)
                     .Case("UINT32", 12)
                     .Case("UINT64", 13)
                     .Default(0);
  if (code == 0)
    return b.fail("unknown target type '" + (to ? to.getValue() : StringRef()) + "'");
  return b.rename("onnx.Cast", op->getOperands(), {"to"}, {b.intAttr("to", code)});
}

LogicalResult upgradeConcat1(Operation *op, OnnxBuilder &b) {
  return b.rename("onnx.Concat", op->getOperands(), {},
                  {b.intAttr("axis", intAttrOr(op, "axis", 1))});
}

LogicalResult upgradeSplit1(Operation *op, OnnxBuilder &b) {
  Value split = op->getNumOperands() > 1 ? op->getOperand(1) : Value();
  if (!split || isa<NoneType>(split.getType())) {
    auto attr = op->getAttrOfType<DenseI64ArrayAttr>("split");
    if (!attr)
      attr = op->getAttrOfType<DenseI64ArrayAttr>("split_");
    split = attr ? b.i64s(attr.asArrayRef()) : b.none();
  }
  return b.rename("onnx.Split", {op->getOperand(0), split}, {"split", "split_"},
                  {b.intAttr("axis", intAttrOr(op, "axis", 0))});
}

LogicalResult upgradeTile1(Operation *op, OnnxBuilder &b) {
  Value x = op->getOperand(0);
  int64_t rank = rankOf(x);
  if (rank < 0)
    return b.fail("Tile 1 needs the input's rank");
  // repeats[i] = i == axis ? tiles : 1
  Type i64 = b.builder().getI64Type();
  Value tiles = b.op("onnx.Cast", {op->getOperand(1)}, i64, {b.intAttr("to", 7)});
  Value axis = b.op("onnx.Cast", {op->getOperand(2)}, i64, {b.intAttr("to", 7)});
  SmallVector<int64_t> indices;
  for (int64_t i = 0; i < rank; ++i)
    indices.push_back(i);
  Value isAxis = b.op("onnx.Equal", {b.i64s(indices), axis}, b.builder().getI1Type());
  Value repeats = b.op("onnx.Where", {isAxis, tiles, b.scalar(i64, 1)}, i64);
  repeats = b.op("onnx.Reshape", {repeats, b.i64s({rank})}, i64);
  return b.rename("onnx.Tile", {x, repeats});
}

LogicalResult upgradeTopK1(Operation *op, OnnxBuilder &b) {
  auto k = op->getAttrOfType<IntegerAttr>("k");
  if (!k)
    return b.fail("k is required");
  return b.rename("onnx.TopK", {op->getOperand(0), b.i64s({k.getInt()})}, {"k"});
}

} // namespace

void addTensorUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  table["onnx.UpsampleV1"] = upgradeUpsample1;
  table["onnx.UpsampleV7"] = upgradeUpsample7;
  table["onnx.Upsample"] = upgradeScalesInput;
  table["onnx.ResizeV10"] = upgradeScalesInput;
  table["onnx.ResizeV11"] = table["onnx.ResizeV13"] = upgradeResize11;
  table["onnx.PadV1"] = table["onnx.PadV2"] = upgradePadAttrs;
  table["onnx.PadV13"] = upgradePad13;
  table["onnx.CastV1"] = upgradeCast1;
  table["onnx.ConcatV1"] = upgradeConcat1;
  table["onnx.SplitV1"] = upgradeSplit1;
  table["onnx.TileV1"] = upgradeTile1;
  table["onnx.TopKV1"] = upgradeTopK1;
}

} // namespace kiln::upgrade
