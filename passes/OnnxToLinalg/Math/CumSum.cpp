//===- CumSum.cpp - Lower onnx.CumSum to linalg.generic -------------------===//
//
// CumSum is a linalg.generic with an extra reduction dim j over the axis that adds x[j]
// where j precedes (or, reversed, follows) the output index.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// CumSum: y[.., i, ..] = sum of x[.., j, ..] over j <= i (j < i exclusive; >= / > reversed).
struct CumSumLowering : OnnxLoweringPattern<CumSumOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(CumSumOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    int64_t rank = resultType.getRank();
    std::optional<SmallVector<int64_t>> axisValue = matchConstantI64s(adaptor.getAxis());
    if (!axisValue && rank == 1)
      axisValue = SmallVector<int64_t>{0}; // the only valid axis
    if (!axisValue || axisValue->size() != 1)
      return reject(rewriter, op, "axis is not a constant scalar");
    FailureOr<int64_t> normalized = normalizeAxis((*axisValue)[0], rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    Location loc = op.getLoc();
    Type elemType = resultType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elemType, 0);
    Value init = createEmpty(rewriter, loc, resultType, getDynamicSizes(rewriter, loc, x));
    init = linalg::FillOp::create(rewriter, loc, zero, init).getResult(0);

    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> inExprs, outExprs;
    for (int64_t d = 0; d < rank; ++d) {
      outExprs.push_back(getAffineDimExpr(d, ctx));
      inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
    }
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    arith::CmpIPredicate pred =
        reverse ? (exclusive ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::uge)
                : (exclusive ? arith::CmpIPredicate::ult : arith::CmpIPredicate::ule);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{x}, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location nloc, ValueRange args) {
          Value i = linalg::IndexOp::create(b, nloc, axis);
          Value j = linalg::IndexOp::create(b, nloc, rank);
          Value take = arith::CmpIOp::create(b, nloc, pred, j, i);
          Value sum = isa<FloatType>(elemType)
                          ? arith::AddFOp::create(b, nloc, args[1], args[0]).getResult()
                          : arith::AddIOp::create(b, nloc, args[1], args[0]).getResult();
          linalg::YieldOp::create(b, nloc,
                                  arith::SelectOp::create(b, nloc, take, sum, args[1]).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateCumSumPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CumSumLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
