//===- Norm.cpp - Lower onnx normalization ops to linalg ------------------===//
//
// BatchNormalization (inference) is one elementwise linalg.generic with per-channel
// operands. InstanceNormalization and LayerNormalization reduce the normalized dims
// twice (sum, then the sum of squared deviations: two passes are more accurate than
// E[x^2] - E[x]^2) and finish with one elementwise generic. LRN sums squares over a
// channel window of a zero-padded input.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value extendTo(OpBuilder &b, Location loc, Value v, Type type) {
  return castScalar(b, loc, v, type, false, false);
}

/// Normalizes `x` over the dims where `reduced` is true, computing the statistics in
/// `computeType`: y = (x - mean) / sqrt(var + epsilon) * scale + bias. `scale` and `bias`
/// (bias may be null) are read through `scaleMap` and `biasMap`.
Value buildNormalization(OpBuilder &b, Location loc, RankedTensorType resultType, Value x,
                         ArrayRef<bool> reduced, Value scale, AffineMap scaleMap, Value bias,
                         AffineMap biasMap, double epsilon, Type computeType) {
  Type elementType = resultType.getElementType();
  Value zero = createScalarConstant(b, loc, computeType, 0);
  Value count = getElementCount(b, loc, x, reduced, computeType);
  Value sum =
      reduceDims(b, loc, x, reduced, {}, zero,
                 [&](OpBuilder &nb, Location l, Value in, ValueRange, Value acc) {
                   return arith::AddFOp::create(nb, l, acc, extendTo(nb, l, in, computeType));
                 });
  Value squares = reduceDims(
      b, loc, x, reduced, sum, zero,
      [&](OpBuilder &nb, Location l, Value in, ValueRange kept, Value acc) {
        Value mean = arith::DivFOp::create(nb, l, kept[0], count);
        Value diff = arith::SubFOp::create(nb, l, extendTo(nb, l, in, computeType), mean);
        return arith::AddFOp::create(nb, l, acc, arith::MulFOp::create(nb, l, diff, diff));
      });

  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<bool> keep;
  for (bool r : reduced)
    keep.push_back(!r);
  AffineMap projection = getProjectionMap(ctx, keep);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs{x, sum, squares, scale};
  SmallVector<AffineMap> maps{identity, projection, projection, scaleMap};
  if (bias) {
    inputs.push_back(bias);
    maps.push_back(biasMap);
  }
  maps.push_back(identity);
  Value init = createEmptyLike(b, loc, resultType, x);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  Value eps = createScalarConstant(b, loc, computeType, epsilon);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value mean = arith::DivFOp::create(nb, l, args[1], count);
               Value var = arith::DivFOp::create(nb, l, args[2], count);
               Value stddev = math::SqrtOp::create(nb, l, arith::AddFOp::create(nb, l, var, eps));
               Value diff =
                   arith::SubFOp::create(nb, l, extendTo(nb, l, args[0], computeType), mean);
               Value normalized =
                   extendTo(nb, l, arith::DivFOp::create(nb, l, diff, stddev), elementType);
               Value y = arith::MulFOp::create(nb, l, normalized, args[3]);
               if (bias)
                 y = arith::AddFOp::create(nb, l, y, args[4]);
               linalg::YieldOp::create(nb, l, y);
             })
      .getResult(0);
}

bool isRanked(Value v, int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == rank;
}

struct BatchNormLowering : OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.getTrainingMode() != 0 || !op.getRunningMean().use_empty() ||
        !op.getRunningVar().use_empty())
      return reject(rewriter, op, "training mode is not supported, only inference");
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    SmallVector<Value> inputs{adaptor.getX(), adaptor.getScale(), adaptor.getB(),
                              adaptor.getInputMean(), adaptor.getInputVar()};
    if (!isRanked(inputs[0], resultType.getRank()) || resultType.getRank() < 2)
      return reject(rewriter, op, "X must be a ranked N x C x ... tensor");
    for (Value v : ArrayRef(inputs).drop_front())
      if (!isRanked(v, 1))
        return reject(rewriter, op, "scale, B, mean and var must be 1-D tensors");

    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = resultType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    SmallVector<AffineMap> maps{identity, channel, channel, channel, channel, identity};
    Value init = createEmptyLike(rewriter, loc, resultType, inputs[0]);
    Value eps = createScalarConstant(rewriter, loc, resultType.getElementType(),
                                     op.getEpsilon().convertToDouble());
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    // y = (x - mean) / sqrt(var + epsilon) * scale + B
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, inputs, ValueRange{init}, maps, iterators,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value stddev = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, args[4], eps));
          Value diff = arith::SubFOp::create(b, l, args[0], args[3]);
          Value scaled =
              arith::MulFOp::create(b, l, arith::DivFOp::create(b, l, diff, stddev), args[1]);
          linalg::YieldOp::create(b, l, Value(arith::AddFOp::create(b, l, scaled, args[2])));
        });
    rewriter.replaceOp(op, {generic.getResult(0), nullptr, nullptr});
    return success();
  }
};

struct InstanceNormLowering : OpConversionPattern<InstanceNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(InstanceNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    int64_t rank = resultType.getRank();
    if (rank < 3 || !isRanked(adaptor.getInput(), rank))
      return reject(rewriter, op, "the input must be a ranked N x C x D... tensor");
    if (!isRanked(adaptor.getScale(), 1) || !isRanked(adaptor.getB(), 1))
      return reject(rewriter, op, "scale and B must be 1-D tensors");
    SmallVector<bool> reduced(rank, true);
    reduced[0] = reduced[1] = false;
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, rewriter.getContext()));
    Value result = buildNormalization(
        rewriter, op.getLoc(), resultType, adaptor.getInput(), reduced, adaptor.getScale(), channel,
        adaptor.getB(), channel, op.getEpsilon().convertToDouble(), resultType.getElementType());
    rewriter.replaceOp(op, result);
    return success();
  }
};

struct LayerNormLowering : OpConversionPattern<LayerNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LayerNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!op.getMean().use_empty() || !op.getInvStdDev().use_empty())
      return reject(rewriter, 
          op, "the Mean or InvStdDev output is used; only Y is supported");
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    int64_t rank = resultType.getRank();
    int64_t axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), rank);
    if (axis < 0)
      return reject(rewriter, op, "axis is out of range");
    Value x = adaptor.getX(), scale = adaptor.getScale(), bias = adaptor.getB();
    bool hasBias = !isa<NoneType>(bias.getType());
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    auto biasType = hasBias ? dyn_cast<RankedTensorType>(bias.getType()) : RankedTensorType();
    if (!xType || xType.getRank() != rank || !scaleType || scaleType.getRank() > rank - axis ||
        (hasBias && (!biasType || biasType.getRank() > rank - axis)))
      return reject(rewriter, 
          op, "Scale and B must be ranked and broadcastable to X's normalized dims");
    SmallVector<bool> reduced(rank, false);
    for (int64_t d = axis; d < rank; ++d)
      reduced[d] = true;
    // stash_type = 1 computes the statistics in f32 (the spec's default); 0 in X's type.
    Type computeType =
        op.getStashType() == 1 ? Type(rewriter.getF32Type()) : resultType.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    Value result =
        buildNormalization(rewriter, op.getLoc(), resultType, x, reduced, scale,
                           getBroadcastMap(ctx, scaleType, resultType), hasBias ? bias : Value(),
                           hasBias ? getBroadcastMap(ctx, biasType, resultType) : AffineMap(),
                           op.getEpsilon().convertToDouble(), computeType);
    rewriter.replaceOp(op, {result, nullptr, nullptr});
    return success();
  }
};

/// y = x / (bias + alpha / size * sum of x^2 over the channel window) ^ beta, the window
/// spanning [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)].
struct LRNLowering : OpConversionPattern<LRNOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LRNOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    int64_t rank = resultType.getRank(), size = static_cast<int64_t>(op.getSize());
    Value x = adaptor.getX();
    if (rank < 2 || !isRanked(x, rank) || size < 1)
      return reject(rewriter, op, "X must be ranked N x C x ... and size positive");
    Type elementType = resultType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    SmallVector<OpFoldResult> low(rank, rewriter.getIndexAttr(0)), high = low;
    low[1] = rewriter.getIndexAttr((size - 1) / 2);
    high[1] = rewriter.getIndexAttr(size - 1 - (size - 1) / 2);
    Value padded = tensor::PadOp::create(rewriter, loc, Type(), x, low, high, zero);
    Value window = tensor::EmptyOp::create(rewriter, loc, ArrayRef<int64_t>{size}, elementType);

    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> xExprs, outExprs;
    for (int64_t d = 0; d < rank; ++d) {
      AffineExpr e = getAffineDimExpr(d, ctx);
      xExprs.push_back(d == 1 ? e + getAffineDimExpr(rank, ctx) : e);
      outExprs.push_back(e);
    }
    SmallVector<AffineMap> maps{AffineMap::get(rank + 1, 0, xExprs, ctx),
                                AffineMap::get(rank + 1, 0, getAffineDimExpr(rank, ctx)),
                                AffineMap::get(rank + 1, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value init = fill(rewriter, loc, createEmptyLike(rewriter, loc, resultType, x), zero);
    Value squares =
        linalg::GenericOp::create(rewriter, loc, TypeRange{resultType}, ValueRange{padded, window},
                                  ValueRange{init}, maps, iterators,
                                  [&](OpBuilder &b, Location l, ValueRange args) {
                                    Value sq = arith::MulFOp::create(b, l, args[0], args[0]);
                                    linalg::YieldOp::create(
                                        b, l, Value(arith::AddFOp::create(b, l, args[2], sq)));
                                  })
            .getResult(0);
    Value bias = createScalarConstant(rewriter, loc, elementType, op.getBias().convertToDouble());
    Value alpha =
        createScalarConstant(rewriter, loc, elementType, op.getAlpha().convertToDouble() / size);
    Value beta = createScalarConstant(rewriter, loc, elementType, op.getBeta().convertToDouble());
    Value result = buildElementwise(
        rewriter, loc, resultType, ValueRange{x, squares},
        [&](OpBuilder &b, Location l, ValueRange args) -> Value {
          Value base =
              arith::AddFOp::create(b, l, bias, arith::MulFOp::create(b, l, alpha, args[1]));
          return arith::DivFOp::create(b, l, args[0], math::PowFOp::create(b, l, base, beta));
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, InstanceNormLowering, LayerNormLowering, LRNLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
