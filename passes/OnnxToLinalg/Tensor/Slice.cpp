//===- Slice.cpp - Lower onnx.Slice to tensor.extract_slice ---------------===//
//
// Windows of a tensor become tensor.extract_slice (with strides); their bounds are index
// arithmetic that folds to constants when the shapes are static and stays run-time
// otherwise (dynamic batch). Negative steps reverse the dims after the slice.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Adds `dim` to a negative index (ONNX's "counts from the back").
Value wrapNegative(OpBuilder &b, Location loc, Value v, Value dim) {
  if (auto c = getConstantIntValue(v); c && *c >= 0)
    return v;
  Value isNeg = b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, v, cIdx(b, loc, 0));
  Value wrapped = b.createOrFold<arith::AddIOp>(loc, v, dim);
  return b.createOrFold<arith::SelectOp>(loc, isNeg, wrapped, v);
}

/// Builds a linalg.generic reversing `value` along `dims`.
Value reverseDims(OpBuilder &b, Location loc, Value value, ArrayRef<int64_t> dims) {
  auto type = cast<RankedTensorType>(value.getType());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < type.getRank(); ++d)
    sizes.push_back(getDimValue(b, loc, value, d));
  return buildIndexGather(b, loc, type, sizes, value,
                          [&](OpBuilder &nb, Location nloc, ValueRange idx) {
                            SmallVector<Value> src(idx);
                            Value one = cIdx(nb, nloc, 1);
                            for (int64_t d : dims) {
                              Value last = arith::SubIOp::create(nb, nloc, sizes[d], one);
                              src[d] = arith::SubIOp::create(nb, nloc, last, idx[d]);
                            }
                            return src;
                          });
}

/// Slice whose axes or steps are run-time values: each dim takes its start, end and step
/// from the entry whose normalized axis equals it (else the full range, step 1), both the
/// forward and the backward bounds are computed and selected on the step's sign, and dims
/// with a negative step are reversed after the strided extract_slice.
LogicalResult sliceAtRunTime(ConversionPatternRewriter &rewriter, SliceOp op,
                             SliceOp::Adaptor adaptor, int64_t n, RankedTensorType resultType) {
  for (Value v : {adaptor.getAxes(), adaptor.getSteps()}) {
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!isa<NoneType>(v.getType()) && (!type || type.getShape() != ArrayRef<int64_t>{n}))
      return reject(rewriter, op, "axes or steps differ in length from starts");
  }
  Location loc = op.getLoc();
  Value data = adaptor.getData();
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
  SmallVector<Value> starts = getIndexValues(rewriter, loc, adaptor.getStarts(), n);
  SmallVector<Value> ends = getIndexValues(rewriter, loc, adaptor.getEnds(), n);
  SmallVector<Value> axes, steps(n, one);
  if (isa<NoneType>(adaptor.getAxes().getType())) {
    for (int64_t j = 0; j < n; ++j)
      axes.push_back(cIdx(rewriter, loc, j));
  } else {
    axes = getIndexValues(rewriter, loc, adaptor.getAxes(), n);
  }
  if (!isa<NoneType>(adaptor.getSteps().getType()))
    steps = getIndexValues(rewriter, loc, adaptor.getSteps(), n);
  Value rankValue = cIdx(rewriter, loc, rank);
  for (Value &axis : axes)
    axis = wrapNegative(rewriter, loc, axis, rankValue);

  SmallVector<OpFoldResult> offsets, sizes, strides;
  SmallVector<Value> sizeValues, negative;
  for (int64_t d = 0; d < rank; ++d) {
    Value dim = getDimValue(rewriter, loc, data, d);
    Value start = zero, end = dim, step = one;
    for (int64_t j = 0; j < n; ++j) {
      Value here = rewriter.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, axes[j],
                                                        cIdx(rewriter, loc, d));
      start = rewriter.createOrFold<arith::SelectOp>(loc, here, starts[j], start);
      end = rewriter.createOrFold<arith::SelectOp>(loc, here, ends[j], end);
      step = rewriter.createOrFold<arith::SelectOp>(loc, here, steps[j], step);
    }
    start = wrapNegative(rewriter, loc, start, dim);
    end = wrapNegative(rewriter, loc, end, dim);
    Value isNeg = rewriter.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, step, zero);
    Value negStep = rewriter.createOrFold<arith::SubIOp>(loc, zero, step);
    // |step|, at least 1 so that an (invalid) zero step cannot divide by zero.
    Value stride = rewriter.createOrFold<arith::SelectOp>(loc, isNeg, negStep, step);
    stride = rewriter.createOrFold<arith::MaxSIOp>(loc, stride, one);
    // Forwards.
    Value fStart = clampIdx(rewriter, loc, start, zero, dim);
    Value fEnd = clampIdx(rewriter, loc, end, zero, dim);
    Value fSpan = rewriter.createOrFold<arith::SubIOp>(loc, fEnd, fStart);
    Value fSize = rewriter.createOrFold<arith::CeilDivSIOp>(loc, fSpan, stride);
    fSize = rewriter.createOrFold<arith::MaxSIOp>(loc, fSize, zero);
    // Backwards: the same elements taken forwards from the lowest one, reversed later.
    Value dimMinusOne = rewriter.createOrFold<arith::SubIOp>(loc, dim, one);
    Value bStart = clampIdx(rewriter, loc, start, zero, dimMinusOne);
    Value bEnd = clampIdx(rewriter, loc, end, cIdx(rewriter, loc, -1), dimMinusOne);
    Value bSpan = rewriter.createOrFold<arith::SubIOp>(loc, bStart, bEnd);
    Value bSize = rewriter.createOrFold<arith::CeilDivSIOp>(loc, bSpan, stride);
    bSize = rewriter.createOrFold<arith::MaxSIOp>(loc, bSize, zero);
    Value back = rewriter.createOrFold<arith::MulIOp>(
        loc, rewriter.createOrFold<arith::SubIOp>(loc, bSize, one), stride);
    Value bOffset = rewriter.createOrFold<arith::SubIOp>(loc, bStart, back);
    bOffset = clampIdx(rewriter, loc, bOffset, zero, dim);

    Value size = rewriter.createOrFold<arith::SelectOp>(loc, isNeg, bSize, fSize);
    offsets.push_back(
        getAsOpFoldResult(rewriter.createOrFold<arith::SelectOp>(loc, isNeg, bOffset, fStart)));
    sizes.push_back(getAsOpFoldResult(size));
    strides.push_back(getAsOpFoldResult(stride));
    sizeValues.push_back(size);
    negative.push_back(isNeg);
  }
  zeroOffsetsOfEmptyDims(rewriter, offsets, sizes);
  Value result = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes, strides);
  bool anyNegative = llvm::any_of(negative, [](Value v) {
    std::optional<int64_t> c = getConstantIntValue(v);
    return !c || *c != 0;
  });
  if (anyNegative) {
    auto type = cast<RankedTensorType>(result.getType());
    result = buildIndexGather(
        rewriter, loc, type, sizeValues, result, [&](OpBuilder &b, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          for (auto [i, size, isNeg] : llvm::zip_equal(idx, sizeValues, negative)) {
            Value last = arith::SubIOp::create(b, nloc, size, cIdx(b, nloc, 1));
            Value flipped = arith::SubIOp::create(b, nloc, last, i);
            src.push_back(arith::SelectOp::create(b, nloc, isNeg, flipped, i));
          }
          return src;
        });
  }
  rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
  return success();
}

struct SliceLowering : OnnxLoweringPattern<SliceOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(SliceOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData();
    RankedTensorType dataType = getRankedInputType(rewriter, op, data, "the data");
    if (!dataType)
      return failure();
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    if (!startsType || startsType.getRank() != 1 || startsType.isDynamicDim(0))
      return reject(rewriter, op, "starts does not have a static length");
    int64_t n = startsType.getDimSize(0);
    int64_t rank = dataType.getRank();
    // Axes and the signs of the steps decide the structure of the slice.
    SmallVector<int64_t> axes, steps(n, 1);
    if (isa<NoneType>(adaptor.getAxes().getType())) {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, n));
    } else if (auto c = matchConstantI64s(adaptor.getAxes())) {
      axes = *c;
    } else {
      return sliceAtRunTime(rewriter, op, adaptor, n, resultType);
    }
    if (!isa<NoneType>(adaptor.getSteps().getType())) {
      std::optional<SmallVector<int64_t>> c = matchConstantI64s(adaptor.getSteps());
      if (!c)
        return sliceAtRunTime(rewriter, op, adaptor, n, resultType);
      steps = *c;
    }
    if (static_cast<int64_t>(axes.size()) != n || static_cast<int64_t>(steps.size()) != n)
      return reject(rewriter, op, "starts, axes and steps differ in length");
    Location loc = op.getLoc();
    SmallVector<Value> starts = getIndexValues(rewriter, loc, adaptor.getStarts(), n);
    SmallVector<Value> ends = getIndexValues(rewriter, loc, adaptor.getEnds(), n);

    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(getAsOpFoldResult(getDimValue(rewriter, loc, data, d)));
    SmallVector<int64_t> reversed;
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    for (int64_t i = 0; i < n; ++i) {
      FailureOr<int64_t> normalized = normalizeAxis(axes[i], rank, /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "an axis is out of range");
      int64_t axis = *normalized;
      if (steps[i] == 0)
        return reject(rewriter, op, "a step is 0");
      Value dim = getDimValue(rewriter, loc, data, axis);
      Value start = wrapNegative(rewriter, loc, starts[i], dim);
      Value end = wrapNegative(rewriter, loc, ends[i], dim);
      Value size;
      Value offset;
      if (steps[i] > 0) {
        start = clampIdx(rewriter, loc, start, zero, dim);
        end = clampIdx(rewriter, loc, end, zero, dim);
        Value span = rewriter.createOrFold<arith::SubIOp>(loc, end, start);
        size = rewriter.createOrFold<arith::CeilDivSIOp>(loc, span, cIdx(rewriter, loc, steps[i]));
        size = rewriter.createOrFold<arith::MaxSIOp>(loc, size, zero);
        offset = start;
      } else {
        // Walk backwards from start: take the same elements forwards from the lowest one,
        // then reverse them.
        Value dimMinusOne = rewriter.createOrFold<arith::SubIOp>(loc, dim, one);
        start = clampIdx(rewriter, loc, start, zero, dimMinusOne);
        end = clampIdx(rewriter, loc, end, cIdx(rewriter, loc, -1), dimMinusOne);
        Value span = rewriter.createOrFold<arith::SubIOp>(loc, start, end);
        size = rewriter.createOrFold<arith::CeilDivSIOp>(loc, span, cIdx(rewriter, loc, -steps[i]));
        size = rewriter.createOrFold<arith::MaxSIOp>(loc, size, zero);
        Value sizeMinusOne = rewriter.createOrFold<arith::SubIOp>(loc, size, one);
        Value back =
            rewriter.createOrFold<arith::MulIOp>(loc, sizeMinusOne, cIdx(rewriter, loc, -steps[i]));
        offset = rewriter.createOrFold<arith::SubIOp>(loc, start, back);
        // An empty slice would give offset start + |step|, possibly out of bounds.
        offset = clampIdx(rewriter, loc, offset, zero, dim);
        reversed.push_back(axis);
      }
      offsets[axis] = getAsOpFoldResult(offset);
      sizes[axis] = getAsOpFoldResult(size);
      strides[axis] = rewriter.getIndexAttr(std::abs(steps[i]));
    }
    zeroOffsetsOfEmptyDims(rewriter, offsets, sizes);
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes, strides);
    if (!reversed.empty())
      result = reverseDims(rewriter, loc, result, reversed);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateSlicePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SliceLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
