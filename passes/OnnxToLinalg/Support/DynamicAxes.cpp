//===- DynamicAxes.cpp - Axes known only at run time ----------------------===//

#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value cBool(OpBuilder &b, Location loc, bool v) {
  return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v);
}

Value eqIdx(OpBuilder &b, Location loc, Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

/// Sets `flags[d]` for the dim `d` named by the (possibly negative) axis `axis`.
void markAxis(OpBuilder &b, Location loc, Value axis, MutableArrayRef<Value> flags) {
  int64_t rank = flags.size();
  Value zero = cIdx(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, zero);
  Value wrapped = arith::AddIOp::create(b, loc, axis, cIdx(b, loc, rank));
  axis = arith::SelectOp::create(b, loc, isNeg, wrapped, axis);
  for (int64_t d = 0; d < rank; ++d)
    flags[d] = b.createOrFold<arith::OrIOp>(loc, flags[d], eqIdx(b, loc, axis, cIdx(b, loc, d)));
}

} // namespace

bool isRankedVector(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 1;
}

SmallVector<Value> getSizes(OpBuilder &b, Location loc, Value x) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < cast<RankedTensorType>(x.getType()).getRank(); ++d)
    sizes.push_back(getDimValue(b, loc, x, d));
  return sizes;
}

SmallVector<Value> getAxisFlags(OpBuilder &b, Location loc, Value axes, int64_t rank,
                                Value &isEmpty) {
  auto axesType = cast<RankedTensorType>(axes.getType());
  SmallVector<Value> flags(rank, cBool(b, loc, false));
  if (!axesType.isDynamicDim(0)) {
    int64_t n = axesType.getDimSize(0);
    isEmpty = cBool(b, loc, n == 0);
    for (Value axis : getIndexValues(b, loc, axes, n))
      markAxis(b, loc, axis, flags);
    return flags;
  }
  // A run-time length: loop over the entries, carrying the flags.
  Value n = tensor::DimOp::create(b, loc, axes, 0);
  isEmpty = eqIdx(b, loc, n, cIdx(b, loc, 0));
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), n, cIdx(b, loc, 1), flags,
      [&](OpBuilder &nb, Location nloc, Value j, ValueRange carried) {
        SmallVector<Value> next(carried);
        Value axis = tensor::ExtractOp::create(nb, nloc, axes, ValueRange{j});
        markAxis(nb, nloc, arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), axis), next);
        scf::YieldOp::create(nb, nloc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> compactSizes(OpBuilder &b, Location loc, ArrayRef<Value> sizes,
                                ArrayRef<Value> dropped, int64_t resultRank) {
  // Kept dim d lands at position `pos` = number of kept dims before it; result size k is
  // the sum over d of (kept and pos == k) ? size : 0.
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  SmallVector<Value> result(resultRank, zero);
  Value pos = zero;
  for (auto [size, drop] : llvm::zip_equal(sizes, dropped)) {
    Value kept = b.createOrFold<arith::XOrIOp>(loc, drop, cBool(b, loc, true));
    for (int64_t k = 0; k < resultRank; ++k) {
      Value here = b.createOrFold<arith::AndIOp>(loc, kept, eqIdx(b, loc, pos, cIdx(b, loc, k)));
      Value add = b.createOrFold<arith::SelectOp>(loc, here, size, zero);
      result[k] = b.createOrFold<arith::AddIOp>(loc, result[k], add);
    }
    pos = b.createOrFold<arith::AddIOp>(loc, pos,
                                        b.createOrFold<arith::SelectOp>(loc, kept, one, zero));
  }
  return result;
}

Value reshapeToSizes(OpBuilder &b, Location loc, Value src, ArrayRef<Value> sizes,
                     RankedTensorType resultType) {
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(sizes.size())}, b.getIndexType());
  Value shape = tensor::FromElementsOp::create(b, loc, shapeType, sizes);
  return tensor::ReshapeOp::create(b, loc, resultType, src, shape);
}

SmallVector<Value> switchOnAxis(
    OpBuilder &b, Location loc, Operation *node, Value axis, int64_t rank, TypeRange resultTypes,
    function_ref<SmallVector<Value>(OpBuilder &, Location, int64_t)> build, int64_t numAxes) {
  if (numAxes < 0)
    numAxes = rank;
  Type i64 = b.getI64Type();
  Value raw = extractScalar(b, loc, axis);
  if (raw.getType() != i64)
    raw = arith::ExtSIOp::create(b, loc, i64, raw);
  Value n = arith::ConstantIntOp::create(b, loc, i64, rank);
  Value negN = arith::ConstantIntOp::create(b, loc, i64, -rank);
  Value ok = arith::AndIOp::create(
      b, loc, arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, raw, negN),
      arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, raw, n));
  emitCheck(b, node, ok, raw, n, kilnir::kCheckIndex, "axis {} is out of range for rank {}");
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, raw,
                                      arith::ConstantIntOp::create(b, loc, i64, 0));
  Value normalized =
      arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, raw, n), raw);
  if (numAxes < rank)
    emitCheck(
        b, node,
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, normalized,
                              arith::ConstantIntOp::create(b, loc, i64, numAxes)),
        raw, n, kilnir::kCheckIndex,
        "axis {} names one of the trailing dims of the rank-{} input that cannot be the axis");
  Value index = arith::IndexCastOp::create(b, loc, b.getIndexType(), normalized);
  // Cases 1 .. rank-1; the default region builds axis 0 (the check rules out the rest).
  SmallVector<int64_t> cases;
  for (int64_t d = 1; d < numAxes; ++d)
    cases.push_back(d);
  auto sw = scf::IndexSwitchOp::create(b, loc, resultTypes, index, cases, cases.size());
  auto fillRegion = [&](Region &region, int64_t d) {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(&region.emplaceBlock());
    SmallVector<Value> values = build(b, loc, d);
    for (auto [v, t] : llvm::zip_equal(values, resultTypes))
      v = castTo(b, loc, v, t);
    scf::YieldOp::create(b, loc, values);
  };
  fillRegion(sw.getDefaultRegion(), 0);
  for (int64_t d = 1; d < numAxes; ++d)
    fillRegion(sw.getCaseRegions()[d - 1], d);
  return SmallVector<Value>(sw.getResults());
}

} // namespace kiln::conversion
