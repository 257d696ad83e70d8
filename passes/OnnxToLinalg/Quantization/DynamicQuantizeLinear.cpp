//===- DynamicQuantizeLinear.cpp - Lower DynamicQuantizeLinear to linalg --===//
//
// y_scale and y_zero_point follow from the range of x, extended to include 0, over uint8:
//   lo = min(0, min(x)), hi = max(0, max(x))
//   y_scale = (hi == lo ? 1 : hi - lo) / 255
//   y_zero_point = round_half_even(clamp(0 - lo / y_scale, 0, 255))
//   y = clamp(round_half_even(x / y_scale) + y_zero_point, 0, 255)
// as the ONNX reference computes them (in f32); Support/DynamicQuantization.h builds them.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicQuantization.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct DynamicQuantizeLinearLowering : OnnxLoweringPattern<DynamicQuantizeLinearOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(DynamicQuantizeLinearOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || !xType.getElementType().isF32())
      return reject(rewriter, op, "x must be a ranked f32 tensor");
    auto scaleType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getYScale().getType()));
    auto zpType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getYZeroPoint().getType()));
    if (!scaleType || !zpType || !scaleType.hasStaticShape() || !zpType.hasStaticShape() ||
        scaleType.getNumElements() != 1 || zpType.getNumElements() != 1)
      return reject(rewriter, op, "y_scale and y_zero_point must be scalars");
    U8QuantParams params = dynamicU8Params(rewriter, loc, x);
    Value y = quantizeU8(rewriter, loc, x, params,
                         RankedTensorType::get(xType.getShape(), resultType.getElementType()));
    y = castWithCheck(rewriter, loc, op, y, resultType);
    Value scaleTensor =
        tensor::FromElementsOp::create(rewriter, loc, scaleType, ValueRange{params.scale});
    Value zpTensor = tensor::FromElementsOp::create(
        rewriter, loc, zpType,
        ValueRange{castScalar(rewriter, loc, params.zeroPoint, resultType.getElementType(),
                              /*srcUnsigned=*/false, /*dstUnsigned=*/true)});
    rewriter.replaceOp(op, {y, scaleTensor, zpTensor});
    return success();
  }
};

} // namespace

void populateDynamicQuantizeLinearPatterns(const OnnxTypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<DynamicQuantizeLinearLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
