//===- DynamicQuantizeLinear.cpp - Lower DynamicQuantizeLinear to linalg --===//
//
// y_scale and y_zero_point follow from the range of x, extended to include 0, over uint8:
//   lo = min(0, min(x)), hi = max(0, max(x))
//   y_scale = (hi == lo ? 1 : hi - lo) / 255
//   y_zero_point = round_half_even(clamp(0 - lo / y_scale, 0, 255))
//   y = clamp(round_half_even(x / y_scale) + y_zero_point, 0, 255)
// as the ONNX reference computes them (in f32). Reductions of x's rows and then of the
// row results give lo and hi, scalar arith computes the parameters, and a generic
// quantizes x.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
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
    Type f32 = rewriter.getF32Type(), u8 = resultType.getElementType();
    int64_t rank = xType.getRank();
    MLIRContext *ctx = rewriter.getContext();

    // (lo, hi) over x, starting from 0 so that the range includes it. NaN propagates, as
    // numpy's min and max do. Each is its own reduction, x's rows (its last dim) first,
    // then the row results: loops of one min or max are what LLVM vectorizes.
    Value zero = createScalarConstant(rewriter, loc, f32, 0.0);
    // `v` reduced with min or max over its dims from `kept` on (rank `kept` left).
    auto reduce = [&](Value v, bool isMax, int64_t kept) {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t r = type.getRank();
      SmallVector<Value> sizes;
      SmallVector<AffineExpr> outer;
      for (int64_t d = 0; d < kept; ++d) {
        outer.push_back(getAffineDimExpr(d, ctx));
        if (type.isDynamicDim(d))
          sizes.push_back(tensor::DimOp::create(rewriter, loc, v, d));
      }
      auto resultType = RankedTensorType::get(type.getShape().take_front(kept), f32);
      Value init = fill(rewriter, loc, createEmpty(rewriter, loc, resultType, sizes), zero);
      SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(r, ctx),
                                  AffineMap::get(r, 0, outer, ctx)};
      SmallVector<utils::IteratorType> iterators(kept, utils::IteratorType::parallel);
      iterators.append(r - kept, utils::IteratorType::reduction);
      return linalg::GenericOp::create(
                 rewriter, loc, TypeRange{resultType}, ValueRange{v}, ValueRange{init}, maps,
                 iterators,
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   Value m = isMax ? Value(arith::MaximumFOp::create(b, l, args[1], args[0]))
                                   : Value(arith::MinimumFOp::create(b, l, args[1], args[0]));
                   linalg::YieldOp::create(b, l, m);
                 })
          .getResult(0);
    };
    auto range = [&](bool isMax) {
      return rank > 1 ? reduce(reduce(x, isMax, rank - 1), isMax, 0) : reduce(x, isMax, 0);
    };
    Value loValue = range(false), hiValue = range(true);
    Value lo = tensor::ExtractOp::create(rewriter, loc, loValue, ValueRange{});
    Value hi = tensor::ExtractOp::create(rewriter, loc, hiValue, ValueRange{});

    Value qmax = createScalarConstant(rewriter, loc, f32, 255.0);
    Value one = createScalarConstant(rewriter, loc, f32, 1.0);
    Value same = arith::CmpFOp::create(rewriter, loc, arith::CmpFPredicate::OEQ, hi, lo);
    Value span = arith::SelectOp::create(rewriter, loc, same, one,
                                         arith::SubFOp::create(rewriter, loc, hi, lo));
    Value scale = arith::DivFOp::create(rewriter, loc, span, qmax);
    Value initialZero = arith::SubFOp::create(rewriter, loc, zero,
                                              arith::DivFOp::create(rewriter, loc, lo, scale));
    Value zp = arith::MinimumFOp::create(
        rewriter, loc, qmax, arith::MaximumFOp::create(rewriter, loc, zero, initialZero));
    zp = math::RoundEvenOp::create(rewriter, loc, zp);

    Value y = buildQuantized(rewriter, loc, x, scale, zp, RankedTensorType::get(xType.getShape(), u8));
    y = castWithCheck(rewriter, loc, op, y, resultType);
    Value scaleTensor = tensor::FromElementsOp::create(rewriter, loc, scaleType, ValueRange{scale});
    Value zpTensor = tensor::FromElementsOp::create(
        rewriter, loc, zpType, ValueRange{castScalar(rewriter, loc, zp, u8, false, true)});
    rewriter.replaceOp(op, {y, scaleTensor, zpTensor});
    return success();
  }

  /// clamp(round_half_even(x / scale) + zp, 0, 255) as uint8, elementwise.
  static Value buildQuantized(OpBuilder &b, Location loc, Value x, Value scale, Value zp,
                              RankedTensorType type) {
    int64_t rank = type.getRank();
    Value init = createEmpty(b, loc, type, getDynamicSizes(b, loc, x));
    AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
    SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
    return linalg::GenericOp::create(
               b, loc, type, ValueRange{x}, ValueRange{init}, {identity, identity}, parallel,
               [&](OpBuilder &nb, Location l, ValueRange args) {
                 Type f32 = nb.getF32Type();
                 Value v = arith::DivFOp::create(nb, l, args[0], scale);
                 v = math::RoundEvenOp::create(nb, l, v);
                 v = arith::AddFOp::create(nb, l, v, zp);
                 v = arith::MaximumFOp::create(nb, l, v, createScalarConstant(nb, l, f32, 0.0));
                 v = arith::MinimumFOp::create(nb, l, v, createScalarConstant(nb, l, f32, 255.0));
                 linalg::YieldOp::create(nb, l, castScalar(nb, l, v, type.getElementType(),
                                                           false, true));
               })
        .getResult(0);
  }
};

} // namespace

void populateDynamicQuantizeLinearPatterns(const OnnxTypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<DynamicQuantizeLinearLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
