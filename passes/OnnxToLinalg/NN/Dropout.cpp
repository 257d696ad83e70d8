//===- Dropout.cpp - Lower onnx.Dropout (nothing dropped) to its input ----===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include "llvm/Support/FormatVariadic.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The scalar held by a constant rank-0 (or one-element) tensor, as a double; nullopt
/// when `value` is not such a constant.
std::optional<double> matchConstantScalar(Value value) {
  ElementsAttr elements = getConstantElements(value);
  if (!elements || elements.getNumElements() != 1)
    return std::nullopt;
  Type element = elements.getElementType();
  if (isa<FloatType>(element)) {
    if (auto it = elements.try_value_begin<APFloat>())
      return (**it).convertToDouble();
    return std::nullopt;
  }
  if (element.isInteger(1)) {
    if (auto it = elements.try_value_begin<bool>())
      return **it ? 1.0 : 0.0;
    return std::nullopt;
  }
  if (std::optional<SmallVector<int64_t>> ints = matchConstantI64s(value))
    return static_cast<double>((*ints)[0]);
  return std::nullopt;
}

/// The element of the rank-0 (or one-element) tensor `tensor`.
Value extractScalar(OpBuilder &b, Location loc, Value tensor) {
  auto type = cast<RankedTensorType>(tensor.getType());
  SmallVector<Value> zeros;
  if (type.getRank() > 0)
    zeros.assign(type.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
  return tensor::ExtractOp::create(b, loc, tensor, zeros);
}

/// Dropout is the identity at inference, and in training mode with ratio 0 (nothing is
/// dropped, the scale 1 / (1 - ratio) is 1, the mask all true). Training mode with a
/// nonzero ratio draws random masks, which a deterministic compiled model cannot
/// reproduce: refused when training_mode and ratio are constants that ask for it,
/// otherwise a run-time check stops the run with an error when training_mode is true
/// and ratio is not 0 (both are often graph inputs that a trainer sets).
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    // training_mode: absent means false.
    std::optional<double> training = 0.0;
    if (!isa<NoneType>(op.getTrainingMode().getType()))
      training = matchConstantScalar(op.getTrainingMode());
    // ratio: absent means the default 0.5.
    std::optional<double> ratio = 0.5;
    if (!isa<NoneType>(op.getRatio().getType()))
      ratio = matchConstantScalar(op.getRatio());
    bool inference = training && *training == 0.0;
    bool zeroRatio = ratio && *ratio == 0.0;
    if (!inference && !zeroRatio) {
      if (training && ratio)
        return reject(rewriter, op,
                      "training mode with ratio " + llvm::formatv("{0}", *ratio).str() +
                          " draws a random mask, which a compiled model does not compute");
      // One of the two is only known at run time: check that nothing is dropped.
      Value ok;
      if (!training) {
        Value flag = extractScalar(rewriter, loc, adaptor.getTrainingMode());
        if (!flag.getType().isInteger(1))
          flag = arith::TruncIOp::create(rewriter, loc, rewriter.getI1Type(), flag);
        Value one = arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
        ok = arith::XOrIOp::create(rewriter, loc, flag, one);
      }
      if (!ratio) {
        Value r = extractScalar(rewriter, loc, adaptor.getRatio());
        if (!isa<FloatType>(r.getType()))
          return reject(rewriter, op, "ratio is not a floating-point scalar");
        Value zero = arith::ConstantOp::create(rewriter, loc, rewriter.getFloatAttr(r.getType(), 0.0));
        Value isZero = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OEQ, r, zero);
        ok = ok ? arith::OrIOp::create(rewriter, loc, ok, isZero).getResult() : isZero;
      }
      Value zero64 = arith::ConstantIntOp::create(rewriter, loc, 0, 64);
      emitCheck(rewriter, op, ok, zero64, zero64, kilnir::kCheckArithmetic,
                "training mode with a nonzero ratio draws a random mask, which a compiled "
                "model does not compute (only ratio 0 or training_mode false run)");
    }
    RankedTensorType type = getRankedInputType(rewriter, op, adaptor.getData());
    if (!type)
      return failure();
    Value result = adaptor.getData();
    Type declared = getTypeConverter()->convertType(op.getOutput().getType());
    if (declared)
      result = castWithCheck(rewriter, loc, op, result, declared);
    // Nothing is dropped: the mask is all true.
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
