//===- Squeeze.cpp - Lower onnx.Squeeze and onnx.Unsqueeze ----------------===//
//
// Constant axes drop or insert unit dims with tensor.collapse_shape / expand_shape. Axes
// that are a model input are only known at run time, but the ranks are static: the
// result shape is computed at run time from the per-dim "is listed" flags
// (DynamicAxes.h) and applied with tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value eqIdx(OpBuilder &b, Location loc, Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

/// Squeeze whose `axes` is not a constant: when it is a 1-D tensor, the result shape is
/// computed at run time and applied with tensor.reshape; otherwise the op is rejected.
LogicalResult lowerSqueezeWithDynamicAxes(ConversionPatternRewriter &rewriter, Operation *op,
                                          Value data, Value axes, RankedTensorType resultType) {
  if (!isRankedVector(axes))
    return reject(rewriter, op, "axes are not constant and not a 1-D tensor");
  Location loc = op->getLoc();
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  Value isEmpty;
  SmallVector<Value> flags = getAxisFlags(rewriter, loc, axes, rank, isEmpty);
  SmallVector<Value> sizes = getSizes(rewriter, loc, data);
  // Empty axes squeeze every dim of size 1.
  for (auto [flag, size] : llvm::zip_equal(flags, sizes)) {
    Value isOne = eqIdx(rewriter, loc, size, cIdx(rewriter, loc, 1));
    flag = rewriter.createOrFold<arith::SelectOp>(loc, isEmpty, isOne, flag);
  }
  SmallVector<Value> resultSizes = compactSizes(rewriter, loc, sizes, flags, resultType.getRank());
  rewriter.replaceOp(op, reshapeToSizes(rewriter, loc, data, resultSizes, resultType));
  return success();
}

/// Unsqueeze whose `axes` is not a constant, like lowerSqueezeWithDynamicAxes.
LogicalResult lowerUnsqueezeWithDynamicAxes(ConversionPatternRewriter &rewriter, Operation *op,
                                            Value data, Value axes, RankedTensorType resultType) {
  if (!isRankedVector(axes))
    return reject(rewriter, op, "axes are not constant and not a 1-D tensor");
  Location loc = op->getLoc();
  int64_t rank = resultType.getRank();
  Value isEmpty;
  SmallVector<Value> flags = getAxisFlags(rewriter, loc, axes, rank, isEmpty);
  SmallVector<Value> sizes = getSizes(rewriter, loc, data);
  // Result dim p is 1 where listed, else input dim p - (number of listed dims before p).
  Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
  Value before = zero;
  SmallVector<Value> resultSizes;
  for (int64_t p = 0; p < rank; ++p) {
    Value src = rewriter.createOrFold<arith::SubIOp>(loc, cIdx(rewriter, loc, p), before);
    Value size = one;
    for (auto [i, inputSize] : llvm::enumerate(sizes)) {
      Value here = eqIdx(rewriter, loc, src, cIdx(rewriter, loc, i));
      size = rewriter.createOrFold<arith::SelectOp>(loc, here, inputSize, size);
    }
    resultSizes.push_back(rewriter.createOrFold<arith::SelectOp>(loc, flags[p], one, size));
    before = rewriter.createOrFold<arith::AddIOp>(
        loc, before, rewriter.createOrFold<arith::SelectOp>(loc, flags[p], one, zero));
  }
  rewriter.replaceOp(op, reshapeToSizes(rewriter, loc, data, resultSizes, resultType));
  return success();
}

/// Reads the axes of (Un)Squeeze from the `axes` input (opset 13+) or attribute (older).
std::optional<SmallVector<int64_t>> getAxes(Operation *op, ArrayRef<Value> operands) {
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("axes"))
    return SmallVector<int64_t>(attr.asArrayRef());
  if (operands.size() < 2 || isa<NoneType>(operands[1].getType()))
    return SmallVector<int64_t>{};
  return matchConstantI64s(operands[1]);
}

/// Squeeze (all versions): drop the listed unit dims, or every static unit dim.
struct SqueezeLowering : OnnxNamedLoweringPattern {
  using OnnxNamedLoweringPattern::OnnxNamedLoweringPattern;

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    RankedTensorType dataType = getRankedInputType(rewriter, op, operands[0]);
    if (!dataType)
      return failure();
    std::optional<SmallVector<int64_t>> axes = getAxes(op, operands);
    if (!axes)
      return lowerSqueezeWithDynamicAxes(rewriter, op, operands[0], operands[1], resultType);
    int64_t rank = dataType.getRank();
    SmallVector<int64_t> unitDims;
    if (axes->empty()) {
      for (int64_t d = 0; d < rank; ++d)
        if (dataType.getDimSize(d) == 1)
          unitDims.push_back(d);
      if (rank - static_cast<int64_t>(unitDims.size()) != resultType.getRank())
        return reject(rewriter, op, "axes are absent and the input has dynamic dims");
    } else {
      for (int64_t axis : *axes) {
        FailureOr<int64_t> normalized = normalizeAxis(axis, rank, /*emitError=*/nullptr);
        if (failed(normalized))
          return reject(rewriter, op, "an axis is out of range");
        int64_t a = *normalized;
        if (!dataType.isDynamicDim(a) && dataType.getDimSize(a) != 1)
          return reject(rewriter, op, "a squeezed dim is not 1");
        unitDims.push_back(a);
      }
    }
    rewriter.replaceOp(op, dropUnitDims(rewriter, op->getLoc(), operands[0], unitDims, resultType));
    return success();
  }
};

/// Unsqueeze (all versions): insert unit dims at the listed result positions.
struct UnsqueezeLowering : OnnxNamedLoweringPattern {
  using OnnxNamedLoweringPattern::OnnxNamedLoweringPattern;

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (!getRankedInputType(rewriter, op, operands[0]))
      return failure();
    std::optional<SmallVector<int64_t>> axes = getAxes(op, operands);
    if (!axes)
      return lowerUnsqueezeWithDynamicAxes(rewriter, op, operands[0], operands[1], resultType);
    SmallVector<int64_t> unitDims;
    for (int64_t axis : *axes) {
      FailureOr<int64_t> normalized =
          normalizeAxis(axis, resultType.getRank(), /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "an axis is out of range");
      int64_t a = *normalized;
      unitDims.push_back(a);
    }
    rewriter.replaceOp(op,
                       insertUnitDims(rewriter, op->getLoc(), operands[0], unitDims, resultType));
    return success();
  }
};

} // namespace

void populateSqueezePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Squeeze", "onnx.SqueezeV11"})
    patterns.add<SqueezeLowering>(converter, ctx, name);
  for (StringRef name : {"onnx.Unsqueeze", "onnx.UnsqueezeV11"})
    patterns.add<UnsqueezeLowering>(converter, ctx, name);
}

} // namespace kiln::conversion
