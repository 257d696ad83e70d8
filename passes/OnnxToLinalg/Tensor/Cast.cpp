//===- Cast.cpp - Lower onnx.Cast and onnx.CastLike to linalg.generic -----===//
//
// Casts between numeric and bool element types with ONNX semantics (see castScalar),
// float8 and float4 included.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Cast and CastLike: the destination element type is the result's (CastLike's result
/// takes it from `target_type`); signedness comes from the ONNX types.
template <typename OpTy> struct CastLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inType = getRankedInputType(rewriter, op, adaptor.getInput());
    if (!inType)
      return failure();
    // The result has the input's shape; only its element type is ever in doubt.
    auto declared = dyn_cast<TensorType>(
        this->getTypeConverter()->convertType(op.getOutput().getType()));
    if (!declared)
      return reject(rewriter, op, "the result is not a tensor");
    auto resultType = RankedTensorType::get(inType.getShape(), declared.getElementType());
    Type src = inType.getElementType(), dst = resultType.getElementType();
    if (!src.isIntOrFloat() || !dst.isIntOrFloat())
      return reject(rewriter, op, "only numeric and bool casts are supported");
    bool srcUnsigned = isUnsignedInt(op.getInput().getType());
    bool dstUnsigned = isUnsignedInt(op.getOutput().getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return castScalar(b, loc, a[0], dst, srcUnsigned, dstUnsigned, op.getSaturate() != 0,
                            op.getRoundMode());
        });
    result = castWithCheck(rewriter, op.getLoc(), op, result, declared);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateCastPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CastLowering<CastOp>, CastLowering<CastLikeOp>>(converter, patterns.getContext());
}

} // namespace kiln::conversion
