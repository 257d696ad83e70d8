//===- CumSum.cpp - Lower onnx.CumSum and onnx.CumProd to linalg.generic --===//
//
// CumSum (CumProd) is a linalg.generic with an extra reduction dim j over the axis that
// adds (multiplies) x[j] where j precedes (or, reversed, follows) the output index. An axis
// only known at run time is checked and switched on (switchOnAxis), one generic per dim.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
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

/// The scan of `x` along the static `axis`: y[.., i, ..] = x[.., j, ..] combined over j <= i
/// (j < i exclusive; >= / > reversed), starting from the identity of the combination.
Value buildScan(OpBuilder &b, Location loc, Value x, RankedTensorType type, int64_t axis,
                bool product, bool exclusive, bool reverse) {
  int64_t rank = type.getRank();
  Type elemType = type.getElementType();
  bool isFloatElem = isa<FloatType>(elemType);
  Value identity = createScalarConstant(b, loc, elemType, product ? 1 : 0);
  Value init = fill(b, loc, createEmpty(b, loc, type, getDynamicSizes(b, loc, x)), identity);

  MLIRContext *ctx = b.getContext();
  SmallVector<AffineExpr> inExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d) {
    outExprs.push_back(getAffineDimExpr(d, ctx));
    inExprs.push_back(getAffineDimExpr(d == axis ? rank : d, ctx));
  }
  SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, inExprs, ctx),
                              AffineMap::get(rank + 1, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  arith::CmpIPredicate pred =
      reverse ? (exclusive ? arith::CmpIPredicate::ugt : arith::CmpIPredicate::uge)
              : (exclusive ? arith::CmpIPredicate::ult : arith::CmpIPredicate::ule);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{init.getType()}, ValueRange{x}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value i = linalg::IndexOp::create(nb, nloc, axis);
        Value j = linalg::IndexOp::create(nb, nloc, rank);
        Value take = arith::CmpIOp::create(nb, nloc, pred, j, i);
        Value next;
        if (product)
          next = isFloatElem ? arith::MulFOp::create(nb, nloc, args[1], args[0]).getResult()
                             : arith::MulIOp::create(nb, nloc, args[1], args[0]).getResult();
        else
          next = isFloatElem ? arith::AddFOp::create(nb, nloc, args[1], args[0]).getResult()
                             : arith::AddIOp::create(nb, nloc, args[1], args[0]).getResult();
        linalg::YieldOp::create(nb, nloc,
                                arith::SelectOp::create(nb, nloc, take, next, args[1]).getResult());
      });
  return generic.getResult(0);
}

/// CumSum and CumProd: the scan along a constant axis, or switched on a run-time one.
template <typename OpTy, bool Product> struct ScanLowering : OnnxLoweringPattern<OpTy> {
  using OnnxLoweringPattern<OpTy>::OnnxLoweringPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewriteRanked(OpTy op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX();
    int64_t rank = resultType.getRank();
    if (rank == 0)
      return reject(rewriter, op, "the input is a scalar (it has no axis)");
    auto xType = getRankedInputType(rewriter, op, x);
    if (!xType)
      return failure();
    Location loc = op.getLoc();
    bool exclusive = op.getExclusive() != 0, reverse = op.getReverse() != 0;
    // The scan keeps x's static sizes; the result type may know more (castWithCheck).
    auto scanType = RankedTensorType::get(xType.getShape(), resultType.getElementType());
    std::optional<SmallVector<int64_t>> axisValue = matchConstantI64s(adaptor.getAxis());
    if (!axisValue && rank == 1)
      axisValue = SmallVector<int64_t>{0}; // the only valid axis
    Value result;
    if (axisValue) {
      if (axisValue->size() != 1)
        return reject(rewriter, op, "axis is not a scalar");
      FailureOr<int64_t> axis = normalizeAxis((*axisValue)[0], rank, /*emitError=*/nullptr);
      if (failed(axis))
        return reject(rewriter, op, "axis is out of range");
      result = buildScan(rewriter, loc, x, scanType, *axis, Product, exclusive, reverse);
    } else {
      auto axisType = dyn_cast<RankedTensorType>(adaptor.getAxis().getType());
      if (!axisType || !axisType.hasStaticShape() || axisType.getNumElements() != 1)
        return reject(rewriter, op, "axis is not a scalar");
      result =
          switchOnAxis(rewriter, loc, op, adaptor.getAxis(), rank, TypeRange{scanType},
                       [&](OpBuilder &b, Location l, int64_t axis) -> SmallVector<Value> {
                         return {buildScan(b, l, x, scanType, axis, Product, exclusive, reverse)};
                       })
              .front();
    }
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateCumSumPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScanLowering<CumSumOp, false>, ScanLowering<CumProdOp, true>>(converter,
                                                                             patterns.getContext());
}

} // namespace kiln::conversion
