//===- UpgradeBroadcast.cpp - Legacy broadcasting of binary ops (opset < 7) ===//
//
// Up to opset 6, Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater and Less broadcast
// only when `broadcast = 1`, and then B (of lower or equal rank) is matched against A's
// dimensions starting at `axis` (default: aligned to the right, as numpy does). Since
// opset 7 every binary op broadcasts like numpy, always aligned to the right. So:
//   broadcast = 0                 -> shapes are equal: the newest op as it is;
//   broadcast = 1, no axis        -> numpy broadcasting: the newest op as it is;
//   broadcast = 1, axis = k       -> B gets rank(A) - k - rank(B) trailing 1-dims
//                                    (Unsqueeze), then the newest op.
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln::upgrade {
namespace {

template <const char *NewName>
LogicalResult upgradeBroadcast(Operation *op, OnnxBuilder &b) {
  Value a = op->getOperand(0), bValue = op->getOperand(1);
  auto axisAttr = op->getAttrOfType<IntegerAttr>("axis");
  if (intAttrOr(op, "broadcast", 0) != 0 && axisAttr) {
    int64_t rankA = rankOf(a), rankB = rankOf(bValue);
    if (rankA < 0 || rankB < 0)
      return b.fail("legacy broadcasting along `axis` needs the ranks of both inputs");
    int64_t axis = axisAttr.getInt();
    if (axis < 0)
      axis += rankA;
    if (axis < 0 || axis + rankB > rankA)
      return b.fail("axis " + Twine(axisAttr.getInt()) + " does not place B (rank " +
                    Twine(rankB) + ") inside A (rank " + Twine(rankA) + ")");
    int64_t trailing = rankA - axis - rankB;
    if (trailing > 0) {
      SmallVector<int64_t> axes;
      for (int64_t i = 0; i < trailing; ++i)
        axes.push_back(rankB + i);
      bValue = b.op("onnx.Unsqueeze", {bValue, b.i64s(axes)}, elementTypeOf(bValue));
    }
  }
  return b.rename(NewName, {a, bValue}, {"broadcast", "axis", "consumed_inputs"});
}

constexpr char kAdd[] = "onnx.Add", kSub[] = "onnx.Sub", kMul[] = "onnx.Mul",
               kDiv[] = "onnx.Div", kPow[] = "onnx.Pow", kAnd[] = "onnx.And",
               kOr[] = "onnx.Or", kXor[] = "onnx.Xor", kEqual[] = "onnx.Equal",
               kGreater[] = "onnx.Greater", kLess[] = "onnx.Less";

} // namespace

void addBroadcastUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  table["onnx.AddV1"] = table["onnx.AddV6"] = upgradeBroadcast<kAdd>;
  table["onnx.SubV1"] = table["onnx.SubV6"] = upgradeBroadcast<kSub>;
  table["onnx.MulV1"] = table["onnx.MulV6"] = upgradeBroadcast<kMul>;
  table["onnx.DivV1"] = table["onnx.DivV6"] = upgradeBroadcast<kDiv>;
  table["onnx.PowV1"] = upgradeBroadcast<kPow>;
  table["onnx.AndV1"] = upgradeBroadcast<kAnd>;
  table["onnx.OrV1"] = upgradeBroadcast<kOr>;
  table["onnx.XorV1"] = upgradeBroadcast<kXor>;
  table["onnx.EqualV1"] = upgradeBroadcast<kEqual>;
  table["onnx.GreaterV1"] = upgradeBroadcast<kGreater>;
  table["onnx.LessV1"] = upgradeBroadcast<kLess>;
}

} // namespace kiln::upgrade
