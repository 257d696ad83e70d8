//===- ValueChecks.cpp - Run-time checks of index and divisor values ------===//
//
// The value checks run before the kernel they guard, as a scf.for over the flattened
// tensor whose min/max (or all-nonzero) accumulators are loop-carried values: LLVM
// vectorizes that reduction, so a check costs one streaming read of the indices,
// which the kernel reads anyway.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Support/ValueChecks.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "ir/kiln/KilnDialect.h"
#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"
#include "kiln/NodeLoc.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

#include <limits>

using namespace mlir;

namespace kiln::conversion {

void emitCheck(OpBuilder &b, Operation *op, Value ok, Value a, Value bValue,
               kilnir::CheckCode code, const Twine &what) {
  kilnir::CheckOp::create(b, op->getLoc(), ok, a, bValue, b.getI32IntegerAttr(code),
                          b.getStringAttr(kiln::describeNode(op) + ": " + what.str()));
}

namespace {

/// `tensor` as a 1-D tensor (a rank-0 tensor becomes one element).
Value flatten(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  if (type.getRank() == 1)
    return tensor;
  if (type.getRank() == 0)
    return tensor::ExpandShapeOp::create(
        b, loc, RankedTensorType::get({1}, type.getElementType()), tensor,
        ArrayRef<ReassociationIndices>{}, ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
  ReassociationIndices all;
  for (int64_t d = 0; d < type.getRank(); ++d)
    all.push_back(d);
  return tensor::CollapseShapeOp::create(b, loc, tensor, ArrayRef<ReassociationIndices>{all});
}

Value toI64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
  if (v.getType().getIntOrFloatBitWidth() < 64)
    return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
  return v;
}

/// Emits the check of index range [lo, hi] (i64) against `size` (index).
void checkRange(OpBuilder &b, Operation *op, Value lo, Value hi, Value size, int64_t axis) {
  Location loc = op->getLoc();
  Value n = toI64(b, loc, size);
  Value negN = arith::SubIOp::create(b, loc, arith::ConstantIntOp::create(b, loc, 0, 64), n);
  Value loOk = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sge, lo, negN);
  Value hiOk = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, hi, n);
  Value ok = arith::AndIOp::create(b, loc, loOk, hiOk);
  Value bad = arith::SelectOp::create(b, loc, loOk, hi, lo);
  emitCheck(b, op, ok, bad, n, kilnir::kCheckIndex,
            "index {} is out of range for axis " + Twine(axis) + " of size {}");
}

} // namespace

LogicalResult checkIndices(ConversionPatternRewriter &rewriter, Operation *op, Value indices,
                           ArrayRef<Value> dims, ArrayRef<int64_t> axes) {
  Location loc = op->getLoc();
  auto type = cast<RankedTensorType>(indices.getType());
  size_t k = dims.size();
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

  if (std::optional<SmallVector<int64_t>> values = onnxir::matchConstantI64s(indices)) {
    SmallVector<int64_t> lo(k, kMax), hi(k, kMin);
    for (auto [n, v] : llvm::enumerate(*values)) {
      lo[n % k] = std::min(lo[n % k], v);
      hi[n % k] = std::max(hi[n % k], v);
    }
    for (size_t j = 0; j < k; ++j) {
      if (lo[j] > hi[j])
        continue; // no indices
      if (std::optional<int64_t> size = getConstantIntValue(dims[j])) {
        int64_t bad = lo[j] < -*size ? lo[j] : hi[j] >= *size ? hi[j] : 0;
        if (lo[j] < -*size || hi[j] >= *size)
          return reject(rewriter, op,
                        "constant index " + Twine(bad) + " is out of range for axis " +
                            Twine(axes[j]) + " of size " + Twine(*size));
        continue;
      }
      checkRange(rewriter, op, arith::ConstantIntOp::create(rewriter, loc, lo[j], 64),
                 arith::ConstantIntOp::create(rewriter, loc, hi[j], 64), dims[j], axes[j]);
    }
    return success();
  }

  // lo/hi per component over the flattened indices, k elements per step.
  Value flat = flatten(rewriter, loc, indices);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value kVal = arith::ConstantIndexOp::create(rewriter, loc, k);
  Value count = tensor::DimOp::create(rewriter, loc, flat, 0);
  Value steps = k == 1 ? count : Value(arith::DivUIOp::create(rewriter, loc, count, kVal));
  SmallVector<Value> inits;
  for (size_t j = 0; j < k; ++j)
    inits.push_back(arith::ConstantIntOp::create(rewriter, loc, kMax, 64));
  for (size_t j = 0; j < k; ++j)
    inits.push_back(arith::ConstantIntOp::create(rewriter, loc, kMin, 64));
  (void)type;
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, steps, one, inits,
      [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
        SmallVector<Value> next(acc.begin(), acc.end());
        Value base = k == 1 ? i : Value(arith::MulIOp::create(b, l, i, kVal));
        for (size_t j = 0; j < k; ++j) {
          Value pos = j == 0 ? base
                             : Value(arith::AddIOp::create(
                                   b, l, base, arith::ConstantIndexOp::create(b, l, j)));
          Value v = toI64(b, l, tensor::ExtractOp::create(b, l, flat, pos));
          next[j] = arith::MinSIOp::create(b, l, acc[j], v);
          next[k + j] = arith::MaxSIOp::create(b, l, acc[k + j], v);
        }
        scf::YieldOp::create(b, l, next);
      });
  for (size_t j = 0; j < k; ++j)
    checkRange(rewriter, op, loop.getResult(j), loop.getResult(k + j), dims[j], axes[j]);
  return success();
}

LogicalResult checkValuesInRange(ConversionPatternRewriter &rewriter, Operation *op, Value values,
                                 int64_t lo, Value hi, StringRef name) {
  Location loc = op->getLoc();
  std::optional<int64_t> hiConst = getConstantIntValue(hi);
  if (std::optional<SmallVector<int64_t>> consts = onnxir::matchConstantI64s(values);
      consts && hiConst) {
    for (int64_t v : *consts)
      if (v < lo || v > *hiConst)
        return reject(rewriter, op,
                      "constant " + name + " value " + Twine(v) + " is out of range [" + Twine(lo) +
                          ", " + Twine(*hiConst) + "]");
    return success();
  }
  Value flat = flatten(rewriter, loc, values);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = tensor::DimOp::create(rewriter, loc, flat, 0);
  Value minInit =
      arith::ConstantIntOp::create(rewriter, loc, std::numeric_limits<int64_t>::max(), 64);
  Value maxInit =
      arith::ConstantIntOp::create(rewriter, loc, std::numeric_limits<int64_t>::min(), 64);
  auto loop = scf::ForOp::create(rewriter, loc, zero, count, one, ValueRange{minInit, maxInit},
                                 [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
                                   Value v = toI64(b, l, tensor::ExtractOp::create(b, l, flat, i));
                                   scf::YieldOp::create(
                                       b, l,
                                       ValueRange{arith::MinSIOp::create(b, l, acc[0], v),
                                                  arith::MaxSIOp::create(b, l, acc[1], v)});
                                 });
  Value lowest = loop.getResult(0), highest = loop.getResult(1);
  Value hi64 = toI64(rewriter, loc, hi);
  Value loOk = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, lowest,
                                     arith::ConstantIntOp::create(rewriter, loc, lo, 64));
  Value hiOk = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sle, highest, hi64);
  Value bad = arith::SelectOp::create(rewriter, loc, loOk, highest, lowest);
  emitCheck(rewriter, op, arith::AndIOp::create(rewriter, loc, loOk, hiOk), bad, hi64,
            kilnir::kCheckIndex, name + " value {} is out of range [" + Twine(lo) + ", {}]");
  return success();
}

LogicalResult checkDivisor(ConversionPatternRewriter &rewriter, Operation *op,
                           ValueRange operands) {
  if (operands.size() < 2)
    return success();
  Value divisor = operands[1];
  auto type = dyn_cast<RankedTensorType>(divisor.getType());
  if (!type || !isa<IntegerType>(type.getElementType()))
    return success();
  Location loc = op->getLoc();
  if (std::optional<SmallVector<int64_t>> values = onnxir::matchConstantI64s(divisor)) {
    for (auto [n, v] : llvm::enumerate(*values))
      if (v == 0)
        return reject(rewriter, op,
                      "integer division by zero: element " + Twine(n) +
                          " of the constant divisor is 0");
    return success();
  }
  // All nonzero: an and-reduction of (d != 0), which vectorizes.
  Value flat = flatten(rewriter, loc, divisor);
  Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
  Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
  Value count = tensor::DimOp::create(rewriter, loc, flat, 0);
  Value init = arith::ConstantIntOp::create(rewriter, loc, 1, 1);
  auto loop = scf::ForOp::create(
      rewriter, loc, zero, count, one, ValueRange{init},
      [&](OpBuilder &b, Location l, Value i, ValueRange acc) {
        Value v = tensor::ExtractOp::create(b, l, flat, i);
        Value nonZero = arith::CmpIOp::create(
            b, l, arith::CmpIPredicate::ne, v,
            arith::ConstantIntOp::create(b, l, type.getElementType(), 0));
        scf::YieldOp::create(b, l, ValueRange{arith::AndIOp::create(b, l, acc[0], nonZero)});
      });
  Value zero64 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
  emitCheck(rewriter, op, loop.getResult(0), zero64, zero64, kilnir::kCheckArithmetic,
            "integer division by zero");
  return success();
}

Value normalizeIndex(OpBuilder &b, Location loc, Value index, Value dim) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, i, dim), i);
}

} // namespace kiln::conversion
