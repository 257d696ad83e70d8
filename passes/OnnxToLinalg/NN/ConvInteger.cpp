//===- ConvInteger.cpp - Lower ConvInteger and QLinearConv ----------------===//
//
// Both widen X and W to i32 minus their zero points (X's per tensor, W's per tensor or per
// output channel), so the zero padding of the widened X is X's zero point as ONNX
// specifies, and run Conv's lowering (buildConvolution) on them in i32, exactly.
// ConvInteger returns that accumulator; QLinearConv adds its int32 bias B and requantizes
// with x_scale * w_scale / y_scale (w_scale per tensor or per output channel) and
// y_zero_point.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvKernels.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/QuantizedArithmetic.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The i32 convolution of the widened X and W, or failure after a rejection.
template <typename OpTy>
FailureOr<Value> integerConv(OpTy op, ConversionPatternRewriter &rewriter, Value x, Value xZero,
                             Value w, Value wZero, Value bias, RankedTensorType accType) {
  Location loc = op.getLoc();
  if (!isa<RankedTensorType>(x.getType()) || !isa<RankedTensorType>(w.getType()))
    return reject(rewriter, op, "X and W must be ranked tensors");
  Value xw = widenMinusZeroPoint(rewriter, loc, op, x, isUnsignedInt(op.getX().getType()), xZero,
                                 /*axis=*/-1);
  if (!xw)
    return failure();
  Value ww = widenMinusZeroPoint(rewriter, loc, op, w, isUnsignedInt(op.getW().getType()), wZero,
                                 /*axis=*/0);
  if (!ww)
    return failure();
  std::optional<ArrayRef<int64_t>> kernelShape;
  if (auto attr = op.getKernelShape())
    kernelShape = *attr;
  return buildConvolution(rewriter, op, xw, ww, bias, static_cast<int64_t>(op.getGroup()),
                          kernelShape, accType);
}

struct ConvIntegerLowering : OnnxLoweringPattern<ConvIntegerOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ConvIntegerOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    FailureOr<Value> y = integerConv(op, rewriter, adaptor.getX(), adaptor.getXZeroPoint(),
                                     adaptor.getW(), adaptor.getWZeroPoint(), Value(), resultType);
    if (failed(y))
      return failure();
    rewriter.replaceOp(op, *y);
    return success();
  }
};

struct QLinearConvLowering : OnnxLoweringPattern<QLinearConvOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(QLinearConvOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    auto accType = RankedTensorType::get(resultType.getShape(), rewriter.getI32Type());
    FailureOr<Value> acc =
        integerConv(op, rewriter, adaptor.getX(), adaptor.getXZeroPoint(), adaptor.getW(),
                    adaptor.getWZeroPoint(), adaptor.getB(), accType);
    if (failed(acc))
      return failure();
    Value y = requantize(rewriter, op.getLoc(), op, *acc, adaptor.getXScale(), -1,
                         adaptor.getWScale(), /*scaleBAxis=*/1, adaptor.getYScale(),
                         adaptor.getYZeroPoint(), isUnsignedInt(op.getY().getType()), resultType);
    if (!y)
      return failure();
    rewriter.replaceOp(op, y);
    return success();
  }
};

} // namespace

void populateConvIntegerPatterns(const OnnxTypeConverter &converter,
                                 RewritePatternSet &patterns) {
  patterns.add<ConvIntegerLowering, QLinearConvLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
