//===- NonZero.cpp - Lower onnx.NonZero to scf loops ----------------------===//
//
// NonZero lists the coordinates of the nonzero elements in row-major order, one column
// each: a first loop nest counts them (the result's run-time size), a second fills the
// [rank, count] result.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct NonZeroLowering : OnnxLoweringPattern<NonZeroOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(NonZeroOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    auto xType = getRankedInputType(rewriter, op, x);
    if (!xType)
      return failure();
    Type elemType = xType.getElementType();
    if (!elemType.isIntOrFloat())
      return reject(rewriter, op, "unsupported element type");
    if (resultType.getRank() != 2)
      return reject(rewriter, op, "the result is not 2-D");
    Location loc = op.getLoc();
    int64_t rank = xType.getRank();
    SmallVector<Value> sizes = getSizes(rewriter, loc, x);
    auto isNonZero = [&](OpBuilder &b, Location l, ValueRange ivs) -> Value {
      Value v = tensor::ExtractOp::create(b, l, x, ivs);
      if (isa<FloatType>(elemType)) // NaN is nonzero
        return arith::CmpFOp::create(b, l, arith::CmpFPredicate::UNE, v,
                                     arith::ConstantOp::create(b, l, b.getFloatAttr(elemType, 0)));
      return arith::CmpIOp::create(b, l, arith::CmpIPredicate::ne, v,
                                   arith::ConstantIntOp::create(b, l, elemType, 0));
    };
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value count =
        loopNest(
            rewriter, loc, sizes, ValueRange{zero},
            [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> SmallVector<Value> {
              Value add = arith::SelectOp::create(b, l, isNonZero(b, l, ivs), one, zero);
              return {arith::AddIOp::create(b, l, acc[0], add)};
            })
            .front();
    auto fullType = RankedTensorType::get({rank, ShapedType::kDynamic}, rewriter.getI64Type());
    Value init = createEmpty(rewriter, loc, fullType, ValueRange{count});
    Value filled =
        loopNest(
            rewriter, loc, sizes, ValueRange{init, zero},
            [&](OpBuilder &b, Location l, ValueRange ivs, ValueRange acc) -> SmallVector<Value> {
              auto ifOp = scf::IfOp::create(
                  b, l, isNonZero(b, l, ivs),
                  [&](OpBuilder &tb, Location tl) {
                    Value t = acc[0];
                    for (int64_t d = 0; d < rank; ++d)
                      t = tensor::InsertOp::create(
                          tb, tl, arith::IndexCastOp::create(tb, tl, tb.getI64Type(), ivs[d]), t,
                          ValueRange{arith::ConstantIndexOp::create(tb, tl, d), acc[1]});
                    scf::YieldOp::create(tb, tl,
                                         ValueRange{t, arith::AddIOp::create(tb, tl, acc[1], one)});
                  },
                  [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, acc); });
              return {ifOp.getResult(0), ifOp.getResult(1)};
            })
            .front();
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, filled, resultType));
    return success();
  }
};

} // namespace

void populateNonZeroPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<NonZeroLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
