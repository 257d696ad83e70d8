//===- Dropout.cpp - Lower onnx.Dropout (inference) to its input ----------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Dropout is the identity at inference. Training mode draws random masks: Kiln compiles
/// inference, so a training_mode that is not a constant false is refused rather than
/// silently computed as the identity.
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value training = op.getTrainingMode();
    if (!isa<NoneType>(training.getType())) {
      std::optional<SmallVector<int64_t>> value = matchConstantI64s(training);
      if (!value || value->size() != 1 || (*value)[0] != 0)
        return reject(rewriter, op, "training mode (training_mode not a constant false) is not "
                                    "supported: Kiln compiles models for inference");
    }
    RankedTensorType type = getRankedInputType(rewriter, op, adaptor.getData());
    if (!type)
      return failure();
    Location loc = op.getLoc();
    Value result = adaptor.getData();
    Type declared = getTypeConverter()->convertType(op.getOutput().getType());
    if (declared)
      result = castWithCheck(rewriter, loc, op, result, declared);
    // At inference nothing is dropped: the mask is all true.
    Value mask;
    if (!op.getMask().use_empty()) {
      auto maskType = RankedTensorType::get(type.getShape(), rewriter.getI1Type());
      Value empty = createEmpty(rewriter, loc, maskType, getDynamicSizes(rewriter, loc, adaptor.getData()));
      Value one = arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
      mask = linalg::FillOp::create(rewriter, loc, one, empty).getResult(0);
      Type maskDeclared = getTypeConverter()->convertType(op.getMask().getType());
      if (maskDeclared)
        mask = castWithCheck(rewriter, loc, op, mask, maskDeclared, "the mask");
    }
    rewriter.replaceOp(op, {result, mask});
    return success();
  }
};

} // namespace

void populateDropoutPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DropoutLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
