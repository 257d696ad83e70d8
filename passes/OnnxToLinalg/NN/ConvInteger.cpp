//===- ConvInteger.cpp - Lower ConvInteger and QLinearConv ----------------===//
//
// Both widen X and W to i32 minus their zero points (X's per tensor, W's per tensor or per
// output channel) and run Conv's lowering (buildConvolution) on them in i32, exactly. X is
// padded with its zero point (0 once widened, as ONNX specifies) while still 8-bit, and
// widened after the im2col copy.
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

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

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
  // X stays 8-bit through its padding (with x_zero_point, which widens to 0) and the
  // im2col copy; the columns are widened right before the contraction, where the CPU
  // backend reads them as bytes (backends/cpu/Int8Kernel.cpp).
  Value padValue;
  if (xZero && !isa<NoneType>(xZero.getType())) {
    auto zeroType = dyn_cast<RankedTensorType>(xZero.getType());
    if (!zeroType || !zeroType.hasStaticShape() || zeroType.getNumElements() != 1)
      return reject(rewriter, op, "the zero point must be a scalar or have one element");
    SmallVector<Value> origin(zeroType.getRank(), arith::ConstantIndexOp::create(rewriter, loc, 0));
    padValue = tensor::ExtractOp::create(rewriter, loc, xZero, origin);
  } else {
    Type element = cast<RankedTensorType>(x.getType()).getElementType();
    padValue = arith::ConstantOp::create(rewriter, loc, rewriter.getZeroAttr(element));
  }
  bool xUnsigned = isUnsignedInt(op.getX().getType());
  auto widenX = [&](Value v) {
    return widenMinusZeroPoint(rewriter, loc, op, v, xUnsigned, xZero, /*axis=*/-1);
  };
  Value ww = widenMinusZeroPoint(rewriter, loc, op, w, isUnsignedInt(op.getW().getType()), wZero,
                                 /*axis=*/0);
  if (!ww)
    return failure();
  std::optional<ArrayRef<int64_t>> kernelShape;
  if (auto attr = op.getKernelShape())
    kernelShape = *attr;
  return buildConvolution(rewriter, op, x, ww, bias, static_cast<int64_t>(op.getGroup()),
                          kernelShape, accType, padValue, widenX);
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
