//===- CenterCropPad.cpp - Lower CenterCropPad ----------------------------===//
//
// CenterCropPad resizes each listed axis to its target size around the center: an axis
// that shrinks is cut by tensor.extract_slice (the extra element of an odd difference
// comes off the end), one that grows is padded with zeros by tensor.pad (the extra
// element goes at the end). Both steps take the run-time sizes of the `shape` input:
// with d = dim - size, the slice starts at max(d, 0) / 2 and keeps min(dim, size)
// elements, and the pad puts max(-d, 0) / 2 before them.
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
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct CenterCropPadLowering : OnnxLoweringPattern<CenterCropPadOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(CenterCropPadOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInputData(), shape = adaptor.getShape();
    RankedTensorType inputType = getRankedInputType(rewriter, op, input, "input_data");
    RankedTensorType shapeType = getRankedInputType(rewriter, op, shape, "shape");
    if (!inputType || !shapeType)
      return failure();
    int64_t rank = inputType.getRank();
    if (resultType.getRank() != rank)
      return reject(rewriter, op, "the result is not ranked like the input");
    Type elemType = inputType.getElementType();
    if (!isa<FloatType, IntegerType>(elemType))
      return reject(rewriter, op, "only numeric and boolean tensors are supported");
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (std::optional<ArrayRef<int64_t>> attr = op.getAxes()) {
      FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(*attr, rank, nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "axes are out of range or repeated");
      axes = *normalized;
    }
    int64_t n = axes.size();
    if (shapeType.getRank() != 1 || (!shapeType.isDynamicDim(0) && shapeType.getDimSize(0) != n))
      return reject(rewriter, op,
                    "shape must be a 1-D tensor with one size per axis (" + Twine(n) + ")");

    Location loc = op.getLoc();
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, shape, 0),
                    rewriter.getIndexAttr(n), "shape has {} sizes where there are {} axes");
    SmallVector<Value> sizes = getIndexValues(rewriter, loc, shape, n);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value two = arith::ConstantIndexOp::create(rewriter, loc, 2);
    SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0)),
        kept = getMixedSizes(rewriter, loc, input), strides(rank, rewriter.getIndexAttr(1)),
        low(rank, rewriter.getIndexAttr(0)), high(rank, rewriter.getIndexAttr(0));
    for (auto [i, a] : llvm::enumerate(axes)) {
      Value size = sizes[i];
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, getAsOpFoldResult(size),
                 rewriter.getIndexAttr(0),
                 "the target size {} of axis " + Twine(a) + " is below {}");
      Value dim = getDimValue(rewriter, loc, input, a);
      Value cut = rewriter.createOrFold<arith::MaxSIOp>(
          loc, rewriter.createOrFold<arith::SubIOp>(loc, dim, size), zero);
      Value grow = rewriter.createOrFold<arith::MaxSIOp>(
          loc, rewriter.createOrFold<arith::SubIOp>(loc, size, dim), zero);
      Value keep = rewriter.createOrFold<arith::MinSIOp>(loc, dim, size);
      Value before = rewriter.createOrFold<arith::DivUIOp>(loc, grow, two);
      offsets[a] = getAsOpFoldResult(rewriter.createOrFold<arith::DivUIOp>(loc, cut, two));
      kept[a] = getAsOpFoldResult(keep);
      low[a] = getAsOpFoldResult(before);
      high[a] = getAsOpFoldResult(rewriter.createOrFold<arith::SubIOp>(loc, grow, before));
    }
    Value result = tensor::ExtractSliceOp::create(rewriter, loc, input, offsets, kept, strides);
    Value zeroElem = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(elemType));
    result = tensor::PadOp::create(rewriter, loc, Type(), result, low, high, zeroElem,
                                   /*nofold=*/false);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateCenterCropPadPatterns(const OnnxTypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<CenterCropPadLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
