//===- Match.cpp - Helpers shared by the fusion patterns --------------------===//

#include "plugins/fuse/Match.h"
#include "passes/Folding/Literal.h"

#include <cmath>

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;

namespace kiln::fuse {

std::optional<double> getScalar(Value v, Value rankOf) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  auto other = dyn_cast<RankedTensorType>(rankOf.getType());
  if (!type || !other || !type.hasStaticShape() || type.getNumElements() != 1 ||
      type.getRank() > other.getRank())
    return std::nullopt;
  std::optional<Literal> lit = readConstant(v);
  if (!lit || lit->numElements() != 1)
    return std::nullopt;
  return lit->getDouble(0);
}

bool isScalar(Value v, Value rankOf, double want, double relTol) {
  std::optional<double> got = getScalar(v, rankOf);
  return got && std::fabs(*got - want) <= relTol * std::fabs(want);
}

bool isRankedFloat(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && isa<FloatType>(type.getElementType());
}

SmallVector<Value> collectFactors(Value root) {
  SmallVector<Value> leaves, work;
  auto mul = root.getDefiningOp<MulOp>();
  if (!mul)
    return {root};
  work.append({mul.getA(), mul.getB()});
  while (!work.empty()) {
    Value v = work.pop_back_val();
    auto inner = v.getDefiningOp<MulOp>();
    if (inner && v.hasOneUse()) {
      work.append({inner.getA(), inner.getB()});
      continue;
    }
    leaves.push_back(v);
  }
  return leaves;
}

bool takeLeaf(SmallVectorImpl<Value> &leaves, Value v) {
  auto it = llvm::find(leaves, v);
  if (it == leaves.end())
    return false;
  leaves.erase(it);
  return true;
}

bool isFusableActivation(Operation *op) {
  return isa<ReluOp, LeakyReluOp, ClipOp, SigmoidOp, TanhOp, HardSwishOp, GeluOp>(op);
}

} // namespace kiln::fuse
