//===- WindowFunctions.cpp - Lower HannWindow, HammingWindow, BlackmanWindow -===//
//
// The window generators of the signal ops: a 1-D tensor of the run-time length `size`
// whose element n is a sum of cosines of 2*pi*n/N (N = size when periodic, size - 1 when
// symmetric), computed in f64 and converted to the output type like Cast.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

#include <array>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// w[n] = sum over k of coefficients[k] * cos(2 * pi * k * n / N).
template <typename OpTy> struct WindowLowering : OnnxLoweringPattern<OpTy> {
  WindowLowering(const TypeConverter &converter, MLIRContext *ctx, std::array<double, 3> coeffs)
      : OnnxLoweringPattern<OpTy>(converter, ctx), coefficients(coeffs) {}
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewriteRanked(OpTy op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (resultType.getRank() != 1)
      return reject(rewriter, op, "the result is not 1-D");
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type(), f64 = rewriter.getF64Type();
    Value size = extractScalar(rewriter, loc, adaptor.getSize());
    if (size.getType() != i64)
      size = arith::ExtSIOp::create(rewriter, loc, i64, size);
    Value zero = arith::ConstantIntOp::create(rewriter, loc, i64, 0);
    emitCheck(rewriter, op,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, size, zero), size,
              zero, kilnir::kCheckShape, "size {} is negative");
    Value denom = size;
    if (op.getPeriodic() == 0)
      denom = arith::SubIOp::create(rewriter, loc, size,
                                    arith::ConstantIntOp::create(rewriter, loc, i64, 1));
    // 2 * pi / N: N = 0 (a symmetric window of one element) gives NaN, as the reference.
    Value step =
        arith::DivFOp::create(rewriter, loc,
                              arith::ConstantFloatOp::create(rewriter, loc, cast<FloatType>(f64),
                                                             APFloat(2 * llvm::numbers::pi)),
                              arith::SIToFPOp::create(rewriter, loc, f64, denom));
    auto type = RankedTensorType::get({ShapedType::kDynamic}, resultType.getElementType());
    Value init = createEmpty(
        rewriter, loc, type,
        ValueRange{arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), size)});
    bool dstUnsigned = isUnsignedInt(op.getResult().getType());
    MLIRContext *ctx = rewriter.getContext();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{type}, ValueRange{}, ValueRange{init},
        SmallVector<AffineMap>{AffineMap::getMultiDimIdentityMap(1, ctx)},
        SmallVector<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location l, ValueRange) {
          Value n = arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, 0));
          Value angle = arith::MulFOp::create(b, l, arith::SIToFPOp::create(b, l, f64, n), step);
          Value sum = createScalarConstant(b, l, f64, coefficients[0]);
          for (size_t k = 1; k < coefficients.size(); ++k) {
            if (coefficients[k] == 0)
              continue;
            Value kAngle =
                k == 1 ? angle
                       : arith::MulFOp::create(b, l, angle, createScalarConstant(b, l, f64, k));
            Value term = arith::MulFOp::create(b, l, math::CosOp::create(b, l, kAngle),
                                               createScalarConstant(b, l, f64, coefficients[k]));
            sum = arith::AddFOp::create(b, l, sum, term);
          }
          linalg::YieldOp::create(b, l,
                                  castScalar(b, l, sum, type.getElementType(), false, dstUnsigned));
        });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, generic.getResult(0), resultType));
    return success();
  }

  std::array<double, 3> coefficients;
};

} // namespace

void populateWindowFunctionPatterns(const OnnxTypeConverter &converter,
                                    RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<WindowLowering<HannWindowOp>>(converter, ctx, std::array<double, 3>{0.5, -0.5, 0});
  patterns.add<WindowLowering<HammingWindowOp>>(
      converter, ctx, std::array<double, 3>{25.0 / 46.0, -21.0 / 46.0, 0});
  patterns.add<WindowLowering<BlackmanWindowOp>>(converter, ctx,
                                                 std::array<double, 3>{0.42, -0.5, 0.08});
}

} // namespace kiln::conversion
