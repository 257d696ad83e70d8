//===- Slice.cpp - Lower Slice, Split, Concat and Pad ---------------------===//
//
// Windows of a tensor become tensor.extract_slice (with strides), joins tensor.concat and
// constant padding tensor.pad; their bounds are index arithmetic that folds to constants
// when the shapes are static and stays run-time otherwise (dynamic batch).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// An empty slice may start at the dim's size, which extract_slice rejects once the
/// offset folds to a constant; where a size is the constant 0, start at 0 instead.
void zeroOffsetsOfEmptyDims(OpBuilder &b, SmallVectorImpl<OpFoldResult> &offsets,
                            ArrayRef<OpFoldResult> sizes) {
  for (auto [offset, size] : llvm::zip(offsets, sizes))
    if (isConstantIntValue(size, 0))
      offset = b.getIndexAttr(0);
}


Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

/// Clamps `v` into [lo, hi], folding when everything is constant.
Value clampIdx(OpBuilder &b, Location loc, Value v, Value lo, Value hi) {
  Value r = b.createOrFold<arith::MaxSIOp>(loc, v, lo);
  return b.createOrFold<arith::MinSIOp>(loc, r, hi);
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

struct SliceLowering : OpConversionPattern<SliceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SliceOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = adaptor.getData();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto startsType = dyn_cast<RankedTensorType>(adaptor.getStarts().getType());
    if (!dataType)
      return reject(rewriter, op, "the data is not a ranked tensor");
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

/// Split (all versions): consecutive extract_slices along the axis.
struct SplitLowering : ConversionPattern {
  SplitLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    if (!dataType)
      return reject(rewriter, op, "the input is not a ranked tensor");
    int64_t rank = dataType.getRank();
    int64_t axis = 0;
    if (auto attr = op->getAttrOfType<IntegerAttr>("axis"))
      axis = attr.getInt();
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    axis = *normalized;
    int64_t numResults = op->getNumResults();
    SmallVector<RankedTensorType> resultTypes;
    for (int64_t r = 0; r < numResults; ++r) {
      RankedTensorType type = getRankedResultType(rewriter, *getTypeConverter(), op, r);
      if (!type)
        return failure();
      resultTypes.push_back(type);
    }
    Location loc = op->getLoc();
    // Split sizes: the `split` input or attribute, else equal parts (the last smaller).
    SmallVector<Value> splitSizes;
    if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("split")) {
      for (int64_t s : attr.asArrayRef())
        splitSizes.push_back(cIdx(rewriter, loc, s));
    } else if (operands.size() > 1 && !isa<NoneType>(operands[1].getType())) {
      auto splitType = dyn_cast<RankedTensorType>(operands[1].getType());
      if (!splitType || splitType.getRank() != 1 || splitType.getDimSize(0) != numResults)
        return reject(rewriter, op, "split is not a 1-D tensor with one size per output");
      splitSizes = getIndexValues(rewriter, loc, operands[1], numResults);
    } else {
      Value dim = getDimValue(rewriter, loc, data, axis);
      Value part =
          rewriter.createOrFold<arith::CeilDivSIOp>(loc, dim, cIdx(rewriter, loc, numResults));
      for (int64_t r = 0; r + 1 < numResults; ++r)
        splitSizes.push_back(part);
      Value rest =
          rewriter.createOrFold<arith::MulIOp>(loc, part, cIdx(rewriter, loc, numResults - 1));
      splitSizes.push_back(rewriter.createOrFold<arith::SubIOp>(loc, dim, rest));
    }
    if (static_cast<int64_t>(splitSizes.size()) != numResults)
      return reject(rewriter, op, "the number of split sizes differs from the number "
                                             "of outputs");
    // The slices below assume sizes >= 0 that add up to the axis (ONNX Runtime checks).
    Value sum = cIdx(rewriter, loc, 0);
    for (auto [r, size] : llvm::enumerate(splitSizes)) {
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, size, rewriter.getIndexAttr(0),
                 "split size " + Twine(r) + " is {} (expected >= {})");
      sum = rewriter.createOrFold<arith::AddIOp>(loc, sum, size);
    }
    checkSizesEqual(rewriter, loc, op, sum, getAsOpFoldResult(getDimValue(rewriter, loc, data, axis)),
                    "the split sizes add up to {} but the input has {} along axis " +
                        Twine(axis));
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
    SmallVector<OpFoldResult> sizes, strides(rank, rewriter.getIndexAttr(1));
    for (int64_t d = 0; d < rank; ++d)
      sizes.push_back(getAsOpFoldResult(getDimValue(rewriter, loc, data, d)));
    Value offset = cIdx(rewriter, loc, 0);
    SmallVector<Value> results;
    for (int64_t r = 0; r < numResults; ++r) {
      sizes[axis] = getAsOpFoldResult(splitSizes[r]);
      offsets[axis] = getAsOpFoldResult(offset);
      zeroOffsetsOfEmptyDims(rewriter, offsets, sizes);
      if (resultTypes[r].hasStaticShape() && resultTypes[r].getNumElements() == 0) {
        // Nothing to take; an extract_slice of a size-0 dim at offset 0 fails to verify.
        results.push_back(createEmpty(rewriter, loc, resultTypes[r], {}));
        offset = rewriter.createOrFold<arith::AddIOp>(loc, offset, splitSizes[r]);
        continue;
      }
      Value slice = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes, strides);
      results.push_back(
          castWithCheck(rewriter, loc, op, slice, resultTypes[r], "output " + Twine(r)));
      offset = rewriter.createOrFold<arith::AddIOp>(loc, offset, splitSizes[r]);
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Concat (all versions): tensor.concat, which bufferizes to copies into one buffer.
struct ConcatLowering : ConversionPattern {
  ConcatLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    int64_t rank = resultType.getRank();
    int64_t axis = 0;
    if (auto attr = op->getAttrOfType<IntegerAttr>("axis"))
      axis = attr.getInt();
    FailureOr<int64_t> normalized = normalizeAxis(axis, rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    axis = *normalized;
    SmallVector<Value> inputs;
    for (Value operand : operands) {
      auto type = dyn_cast<RankedTensorType>(operand.getType());
      if (!type || type.getRank() != rank)
        return reject(rewriter, op, "an input is not ranked like the result");
      // Inputs statically empty along the axis contribute nothing.
      if (type.getDimSize(axis) != 0)
        inputs.push_back(operand);
    }
    Location loc = op->getLoc();
    if (inputs.empty())
      return reject(rewriter, op, "every input is empty");
    // tensor.concat takes the other dims from its inputs, which must all agree.
    for (int64_t d = 0; d < rank; ++d) {
      if (d == axis)
        continue;
      OpFoldResult want = resultType.isDynamicDim(d)
                              ? tensor::getMixedSize(rewriter, loc, inputs.front(), d)
                              : OpFoldResult(rewriter.getIndexAttr(resultType.getDimSize(d)));
      for (auto [i, input] : llvm::enumerate(inputs))
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, input, d), want,
                        "input " + Twine(i) + " has size {} in dim " + Twine(d) +
                            " where the others have {} (expected equal sizes off the axis)");
    }
    Value result = inputs.size() == 1
                       ? inputs.front()
                       : Value(tensor::ConcatOp::create(rewriter, loc, axis, inputs));
    rewriter.replaceOp(op,
                       castWithCheck(rewriter, loc, op, result, resultType, "the concatenation"));
    return success();
  }
};

/// Pad (opset 11+): constant mode is tensor.pad; edge and reflect modes read the source
/// at a clamped or mirrored index.
struct PadLowering : ConversionPattern {
  PadLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = operands[0];
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    if (!dataType)
      return reject(rewriter, op, "the input is not a ranked tensor");
    int64_t rank = dataType.getRank();
    StringRef mode = "constant";
    if (auto attr = op->getAttrOfType<StringAttr>("mode"))
      mode = attr.getValue();
    if (mode != "constant" && mode != "edge" && mode != "reflect")
      return reject(rewriter, op, "unsupported pad mode");
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (operands.size() > 3 && !isa<NoneType>(operands[3].getType())) {
      std::optional<SmallVector<int64_t>> c = matchConstantI64s(operands[3]);
      if (!c)
        return reject(rewriter, op, "axes are not constant");
      axes.clear();
      for (int64_t a : *c) {
        FailureOr<int64_t> normalized = normalizeAxis(a, rank, /*emitError=*/nullptr);
        if (failed(normalized))
          return reject(rewriter, op, "an axis is out of range");
        axes.push_back(*normalized);
      }
    }
    int64_t n = axes.size();
    std::optional<SmallVector<int64_t>> constPads = matchConstantI64s(operands[1]);
    if (constPads && llvm::any_of(*constPads, [](int64_t p) { return p < 0; }))
      return reject(rewriter, op, "negative pads are not supported");
    Location loc = op->getLoc();
    SmallVector<Value> pads = getIndexValues(rewriter, loc, operands[1], 2 * n);
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)),
        high(rank, rewriter.getIndexAttr(0));
    for (int64_t i = 0; i < n; ++i) {
      low[axes[i]] = getAsOpFoldResult(pads[i]);
      high[axes[i]] = getAsOpFoldResult(pads[n + i]);
    }
    if (mode == "constant") {
      Type elementType = resultType.getElementType();
      Value padValue =
          operands.size() > 2 && !isa<NoneType>(operands[2].getType())
              ? extractScalar(rewriter, loc, operands[2])
              : Value(arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(elementType)));
      Value padded = tensor::PadOp::create(rewriter, loc, Type(), data, low, high, padValue,
                                           /*nofold=*/false);
      rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, padded, resultType));
      return success();
    }
    SmallVector<Value> dims, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      dims.push_back(getDimValue(rewriter, loc, data, d));
      Value lo = getValueOrCreateConstantIndexOp(rewriter, loc, low[d]);
      Value hi = getValueOrCreateConstantIndexOp(rewriter, loc, high[d]);
      sizes.push_back(arith::AddIOp::create(rewriter, loc, dims[d],
                                            arith::AddIOp::create(rewriter, loc, lo, hi)));
    }
    // The gather fills the result's static dims: they must be the padded sizes.
    for (int64_t d = 0; d < rank; ++d)
      if (!resultType.isDynamicDim(d) &&
          (dataType.isDynamicDim(d) || !getConstantIntValue(low[d]) ||
           !getConstantIntValue(high[d])))
        checkSizesEqual(rewriter, loc, op, sizes[d],
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the padded input has size {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");
    bool reflect = mode == "reflect";
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, data, [&](OpBuilder &b, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          Value zero = cIdx(b, nloc, 0);
          for (int64_t d = 0; d < rank; ++d) {
            Value lo = getValueOrCreateConstantIndexOp(b, nloc, low[d]);
            Value j = arith::SubIOp::create(b, nloc, idx[d], lo);
            Value last = arith::SubIOp::create(b, nloc, dims[d], cIdx(b, nloc, 1));
            if (reflect) {
              // Mirror without repeating the edge: -j below, 2 * last - j above.
              Value neg = arith::SubIOp::create(b, nloc, zero, j);
              j = arith::MaxSIOp::create(b, nloc, j, neg);
              Value mirrored = arith::SubIOp::create(
                  b, nloc, arith::MulIOp::create(b, nloc, last, cIdx(b, nloc, 2)), j);
              j = arith::MinSIOp::create(b, nloc, j, mirrored);
            }
            src.push_back(clampIdx(b, nloc, j, zero, last));
          }
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateSlicePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SliceLowering>(converter, ctx);
  for (StringRef name : {"onnx.Split", "onnx.SplitV13", "onnx.SplitV11"})
    patterns.add<SplitLowering>(converter, ctx, name);
  for (StringRef name : {"onnx.Concat", "onnx.ConcatV1"})
    patterns.add<ConcatLowering>(converter, ctx, name);
  for (StringRef name : {"onnx.Pad", "onnx.PadV13"})
    patterns.add<PadLowering>(converter, ctx, name);
}

} // namespace kiln::conversion
