//===- Misc.cpp - Lower CumSum, DepthToSpace and SpaceToDepth --------------===//
//
// CumSum is a linalg.generic with an extra reduction dim j over the axis that adds x[j]
// where j precedes (or, reversed, follows) the output index; DepthToSpace and SpaceToDepth
// are index gathers.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/TensorUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// CumSum: y[.., i, ..] = sum of x[.., j, ..] over j <= i (j < i exclusive; >= / > reversed).
struct CumSumLowering : OpConversionPattern<CumSumOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(CumSumOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
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

/// DepthToSpace (forward = true) and SpaceToDepth on NCHW: a gather whose source index
/// splits or merges the channel dim with blocks of the spatial dims.
template <typename OpTy, bool toSpace>
struct BlockShuffleLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  using OpAdaptor = typename OpTy::Adaptor;

  LogicalResult matchAndRewrite(OpTy op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType =
        getRankedResultType(rewriter, *this->getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType || inputType.getRank() != 4 || resultType.getRank() != 4)
      return reject(rewriter, op, "the input is not a 4-D tensor");
    int64_t block = op.getBlocksize();
    if (block < 1)
      return reject(rewriter, op, "blocksize is not positive");
    bool crd = op.getMode() == "CRD";
    Location loc = op.getLoc();
    Value b = arith::ConstantIndexOp::create(rewriter, loc, block);
    Value bb = arith::ConstantIndexOp::create(rewriter, loc, block * block);
    SmallVector<Value> inSizes, sizes;
    for (int64_t d = 0; d < 4; ++d)
      inSizes.push_back(getDimValue(rewriter, loc, input, d));
    Value c = inSizes[1];
    if (toSpace)
      sizes = {inSizes[0], arith::DivUIOp::create(rewriter, loc, c, bb),
               arith::MulIOp::create(rewriter, loc, inSizes[2], b),
               arith::MulIOp::create(rewriter, loc, inSizes[3], b)};
    else
      sizes = {inSizes[0], arith::MulIOp::create(rewriter, loc, c, bb),
               arith::DivUIOp::create(rewriter, loc, inSizes[2], b),
               arith::DivUIOp::create(rewriter, loc, inSizes[3], b)};
    Value outC = sizes[1];
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, input,
        [&](OpBuilder &nb, Location nloc, ValueRange idx) -> SmallVector<Value> {
          auto mul = [&](Value l, Value r) -> Value {
            return arith::MulIOp::create(nb, nloc, l, r);
          };
          auto add = [&](Value l, Value r) -> Value {
            return arith::AddIOp::create(nb, nloc, l, r);
          };
          auto div = [&](Value l, Value r) -> Value {
            return arith::DivUIOp::create(nb, nloc, l, r);
          };
          auto rem = [&](Value l, Value r) -> Value {
            return arith::RemUIOp::create(nb, nloc, l, r);
          };
          if (toSpace) {
            Value blk = add(mul(rem(idx[2], b), b), rem(idx[3], b));
            Value ch = crd ? add(mul(idx[1], bb), blk) : add(mul(blk, outC), idx[1]);
            return {idx[0], ch, div(idx[2], b), div(idx[3], b)};
          }
          if (crd)
            return {idx[0], div(idx[1], bb), add(mul(idx[2], b), div(rem(idx[1], bb), b)),
                    add(mul(idx[3], b), rem(rem(idx[1], bb), b))};
          Value blk = div(idx[1], c);
          return {idx[0], rem(idx[1], c), add(mul(idx[2], b), div(blk, b)),
                  add(mul(idx[3], b), rem(blk, b))};
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateMiscPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CumSumLowering, BlockShuffleLowering<DepthToSpaceOp, true>,
               BlockShuffleLowering<SpaceToDepthOp, false>>(converter, patterns.getContext());
}

} // namespace kiln::conversion
