//===- Split.cpp - Lower onnx.Split to tensor.extract_slice ---------------===//

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

/// Split (all versions): consecutive extract_slices along the axis.
struct SplitLowering : ConversionPattern {
  SplitLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    RankedTensorType dataType = getRankedInputType(rewriter, op, data);
    if (!dataType)
      return failure();
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

} // namespace

void populateSplitPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  for (StringRef name : {"onnx.Split", "onnx.SplitV13", "onnx.SplitV11"})
    patterns.add<SplitLowering>(converter, ctx, name);
}

} // namespace kiln::conversion
