//===- ReverseSequence.cpp - Lower onnx.ReverseSequence to a gather -------===//
//
// ReverseSequence reverses the first sequence_lens[b] steps of each batch entry b along
// the time axis: y[.., b, .., t, ..] = x[.., b, .., len - 1 - t, ..] for t < len, x
// itself elsewhere. One linalg.generic gathering from x, after a run-time check that
// every length lies in [0, time size].
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct ReverseSequenceLowering : OnnxLoweringPattern<ReverseSequenceOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ReverseSequenceOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getInput(), lens = adaptor.getSequenceLens();
    auto xType = getRankedInputType(rewriter, op, x);
    auto lensType = getRankedInputType(rewriter, op, lens, "sequence_lens");
    if (!xType || !lensType)
      return failure();
    if (xType.getRank() < 2)
      return reject(rewriter, op, "the input has rank < 2");
    if (lensType.getRank() != 1)
      return reject(rewriter, op, "sequence_lens is not 1-D");
    int64_t batchAxis = op.getBatchAxis(), timeAxis = op.getTimeAxis();
    if (batchAxis < 0 || batchAxis > 1 || timeAxis < 0 || timeAxis > 1 || batchAxis == timeAxis)
      return reject(rewriter, op, "batch_axis and time_axis must be 0 and 1 or 1 and 0");
    Location loc = op.getLoc();
    SmallVector<Value> sizes = getSizes(rewriter, loc, x);
    checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, lens, 0)),
                    getAsOpFoldResult(sizes[batchAxis]),
                    "sequence_lens has {} entries where the batch size is {}");
    if (failed(checkValuesInRange(rewriter, op, lens, 0, sizes[timeAxis], "sequence_lens")))
      return failure();
    auto gatherType = RankedTensorType::get(xType.getShape(), resultType.getElementType());
    Value result = buildIndexGather(
        rewriter, loc, gatherType, sizes, x,
        [&](OpBuilder &b, Location l, ValueRange idx) -> SmallVector<Value> {
          SmallVector<Value> src(idx.begin(), idx.end());
          Value len = arith::IndexCastOp::create(
              b, l, b.getIndexType(), tensor::ExtractOp::create(b, l, lens, idx[batchAxis]));
          Value t = idx[timeAxis];
          Value inside = arith::CmpIOp::create(b, l, arith::CmpIPredicate::ult, t, len);
          Value reversed = arith::SubIOp::create(
              b, l, arith::SubIOp::create(b, l, len, arith::ConstantIndexOp::create(b, l, 1)), t);
          src[timeAxis] = arith::SelectOp::create(b, l, inside, reversed, t);
          return src;
        });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateReverseSequencePatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<ReverseSequenceLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
