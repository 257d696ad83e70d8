//===- Scatter.cpp - Lower ScatterElements, Scatter and ScatterND ---------===//
//
// The scatters copy the data into the result and then walk the updates in order with an
// scf.for nest doing tensor.extract + tensor.insert, so that duplicate indices behave as
// ONNX says (reduction none: the last update wins). Indices are data: each lowering checks
// them once before its kernel (ValueChecks.h).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Combines the current value with an update per the scatter `reduction`.
Value combine(OpBuilder &b, Location loc, StringRef reduction, Value old, Value upd,
              bool isUnsigned) {
  bool f = isa<FloatType>(old.getType());
  if (reduction == "add")
    return f ? Value(arith::AddFOp::create(b, loc, old, upd))
             : Value(arith::AddIOp::create(b, loc, old, upd));
  if (reduction == "mul")
    return f ? Value(arith::MulFOp::create(b, loc, old, upd))
             : Value(arith::MulIOp::create(b, loc, old, upd));
  if (reduction == "max")
    return maxOf(b, loc, old, upd, isUnsigned);
  if (reduction == "min")
    return minOf(b, loc, old, upd, isUnsigned);
  return upd;
}

bool isKnownReduction(StringRef r) {
  return r == "none" || r == "add" || r == "mul" || r == "max" || r == "min";
}

LogicalResult lowerScatterElements(ConversionPatternRewriter &rewriter, Operation *op,
                                   RankedTensorType resultType, Value data, Value indices,
                                   Value updates, int64_t axisAttr, StringRef reduction,
                                   bool isUnsigned) {
  auto dataType = dyn_cast<RankedTensorType>(data.getType());
  auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
  auto updatesType = dyn_cast<RankedTensorType>(updates.getType());
  if (!dataType || !indicesType || !updatesType ||
      indicesType.getRank() != dataType.getRank() ||
      updatesType.getRank() != dataType.getRank())
    return reject(rewriter, op, "data, indices and updates are not ranked alike");
  if (!isKnownReduction(reduction))
    return reject(rewriter, op, "unsupported reduction '" + reduction + "'");
  int64_t rank = dataType.getRank();
  FailureOr<int64_t> normalized = normalizeAxis(axisAttr, rank, /*emitError=*/nullptr);
  if (failed(normalized))
    return reject(rewriter, op, "axis is out of range");
  int64_t axis = *normalized;
  Location loc = op->getLoc();
  Value init = castWithCheck(rewriter, loc, op, data, resultType);
  SmallVector<Value> ubs;
  for (int64_t d = 0; d < rank; ++d)
    ubs.push_back(getDimValue(rewriter, loc, indices, d));
  Value axisDim = getDimValue(rewriter, loc, data, axis);
  if (failed(checkIndices(rewriter, op, indices, {axisDim}, {axis})))
    return failure();
  SmallVector<Value> results = loopNest(
      rewriter, loc, ubs, ValueRange{init},
      [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
        Value idx = tensor::ExtractOp::create(b, l, indices, ivs);
        SmallVector<Value> dst(ivs.begin(), ivs.end());
        dst[axis] = normalizeIndex(b, l, idx, axisDim);
        Value v = tensor::ExtractOp::create(b, l, updates, ivs);
        if (reduction != "none") {
          Value old = tensor::ExtractOp::create(b, l, iters[0], dst);
          v = combine(b, l, reduction, old, v, isUnsigned);
        }
        return {tensor::InsertOp::create(b, l, v, iters[0], dst).getResult()};
      });
  rewriter.replaceOp(op, results[0]);
  return success();
}

struct ScatterElementsLowering : OnnxLoweringPattern<ScatterElementsOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ScatterElementsOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    return lowerScatterElements(rewriter, op, resultType, adaptor.getData(), adaptor.getIndices(),
                                adaptor.getUpdates(), static_cast<int64_t>(op.getAxis()),
                                op.getReduction(), isUnsignedInt(op.getData().getType()));
  }
};

struct ScatterLowering : OnnxLoweringPattern<ScatterOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ScatterOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    return lowerScatterElements(rewriter, op, resultType, adaptor.getData(), adaptor.getIndices(),
                                adaptor.getUpdates(), static_cast<int64_t>(op.getAxis()), "none",
                                false);
  }
};

/// ScatterND: data[indices[i][:k]] (op)= updates[i] for i over indices.shape[:-1], in order.
struct ScatterNDLowering : OnnxLoweringPattern<ScatterNDOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ScatterNDOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData(), indices = adaptor.getIndices(),
          updates = adaptor.getUpdates();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    auto updatesType = dyn_cast<RankedTensorType>(updates.getType());
    if (!dataType || !indicesType || !updatesType || indicesType.getRank() < 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t r = dataType.getRank(), q = indicesType.getRank();
    int64_t k = indicesType.getDimSize(q - 1);
    if (ShapedType::isDynamic(k) || k > r)
      return reject(rewriter, op, "the last dim of indices is not static and <= data rank");
    if (updatesType.getRank() != q - 1 + r - k)
      return reject(rewriter, op, "the updates rank is not q - 1 + r - k");
    StringRef reduction = op.getReduction();
    if (!isKnownReduction(reduction))
      return reject(rewriter, op, "unsupported reduction '" + reduction + "'");
    bool isUnsigned = isUnsignedInt(op.getData().getType());
    Location loc = op.getLoc();
    Value init = castWithCheck(rewriter, loc, op, data, resultType);
    SmallVector<Value> ubs, dataDims;
    for (int64_t d = 0; d < updatesType.getRank(); ++d)
      ubs.push_back(getDimValue(rewriter, loc, updates, d));
    SmallVector<int64_t> axes;
    for (int64_t d = 0; d < k; ++d) {
      dataDims.push_back(getDimValue(rewriter, loc, data, d));
      axes.push_back(d);
    }
    if (k > 0 && failed(checkIndices(rewriter, op, indices, dataDims, axes)))
      return failure();
    SmallVector<Value> results = loopNest(
        rewriter, loc, ubs, ValueRange{init},
        [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange iters) -> SmallVector<Value> {
          SmallVector<Value> dst;
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> pos(ivs.begin(), ivs.begin() + (q - 1));
            pos.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value idx = tensor::ExtractOp::create(b, l, indices, pos);
            dst.push_back(normalizeIndex(b, l, idx, dataDims[j]));
          }
          dst.append(ivs.begin() + (q - 1), ivs.end());
          Value v = tensor::ExtractOp::create(b, l, updates, ivs);
          if (reduction != "none") {
            Value old = tensor::ExtractOp::create(b, l, iters[0], dst);
            v = combine(b, l, reduction, old, v, isUnsigned);
          }
          return {tensor::InsertOp::create(b, l, v, iters[0], dst).getResult()};
        });
    rewriter.replaceOp(op, results[0]);
    return success();
  }
};

} // namespace

void populateScatterPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScatterElementsLowering, ScatterLowering, ScatterNDLowering>(converter,
                                                                            patterns.getContext());
}

} // namespace kiln::conversion
