//===- Norm.cpp - Lower onnx normalization ops to linalg ------------------===//
//
// BatchNormalization (inference) is one elementwise linalg.generic with per-channel
// operands; in training mode it normalizes like InstanceNormalization over N and the
// spatial dims and updates the running statistics. InstanceNormalization and LayerNormalization reduce the normalized dims
// twice (sum, then the sum of squared deviations: two passes are more accurate than
// E[x^2] - E[x]^2) and finish with one elementwise generic. LRN sums squares over a
// channel window of a zero-padded input.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value extendTo(OpBuilder &b, Location loc, Value v, Type type) {
  return castScalar(b, loc, v, type, false, false);
}

/// The statistics of a normalization, in the compute type, over the kept dims: the sum
/// of x and the sum of squared deviations from the mean; `count` is a scalar.
struct NormStats {
  Value sum, squares, count;
};

/// Normalizes `x` over the dims where `reduced` is true, computing the statistics in
/// `computeType`: y = (x - mean) / sqrt(var + epsilon) * scale + bias. `scale` and `bias`
/// (either may be null) are read through `scaleMap` and `biasMap`. The statistics are
/// returned through `stats` if given.
Value buildNormalization(OpBuilder &b, Location loc, RankedTensorType resultType, Value x,
                         ArrayRef<bool> reduced, Value scale, AffineMap scaleMap, Value bias,
                         AffineMap biasMap, double epsilon, Type computeType,
                         NormStats *stats = nullptr) {
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

  if (stats)
    *stats = {sum, squares, count};
  MLIRContext *ctx = b.getContext();
  int64_t rank = resultType.getRank();
  SmallVector<bool> keep;
  for (bool r : reduced)
    keep.push_back(!r);
  AffineMap projection = getProjectionMap(ctx, keep);
  AffineMap identity = b.getMultiDimIdentityMap(rank);
  SmallVector<Value> inputs{x, sum, squares};
  SmallVector<AffineMap> maps{identity, projection, projection};
  if (scale) {
    inputs.push_back(scale);
    maps.push_back(scaleMap);
  }
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
               Value y = normalized;
               if (scale)
                 y = arith::MulFOp::create(nb, l, y, args[3]);
               if (bias)
                 y = arith::AddFOp::create(nb, l, y, args[scale ? 4 : 3]);
               linalg::YieldOp::create(nb, l, y);
             })
      .getResult(0);
}

bool isRanked(Value v, int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == rank;
}

/// The kernels iterate over the result's dims and read X with the identity map: a dim
/// that shape inference made static must be X's at run time.
void checkXMatchesResult(OpBuilder &b, Location loc, Operation *op, Value x,
                         RankedTensorType resultType) {
  checkCastSizes(b, loc, op, x, resultType, "X");
}

/// Per-channel operands (1-D, read at X's dim 1): each must have X's channel count.
void checkPerChannel(OpBuilder &b, Location loc, Operation *op, Value x,
                     ArrayRef<std::pair<Value, StringRef>> operands) {
  OpFoldResult channels = tensor::getMixedSize(b, loc, x, 1);
  for (auto [v, name] : operands)
    checkSizesEqual(b, loc, op, tensor::getMixedSize(b, loc, v, 0), channels,
                    name + " has size {} where X has {} channels (expected equal)");
}

/// Reads Scale/B (right-aligned to X's normalized dims) after checking them against X.
Value checkedNormOperand(OpBuilder &b, Location loc, Operation *op, Value x, Value v,
                         StringRef name) {
  return checkOperandBroadcast(b, loc, op, v, tensor::getMixedSizes(b, loc, x), name, "X");
}

struct BatchNormLowering : OpConversionPattern<BatchNormalizationOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(BatchNormalizationOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    if (op.getTrainingMode() == 0 &&
        (!op.getRunningMean().use_empty() || !op.getRunningVar().use_empty()))
      return reject(rewriter, op, "running_mean and running_var are outputs of training mode only");
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

    checkXMatchesResult(rewriter, loc, op, inputs[0], resultType);
    checkPerChannel(rewriter, loc, op, inputs[0],
                    {{inputs[1], "scale"},
                     {inputs[2], "B"},
                     {inputs[3], "input_mean"},
                     {inputs[4], "input_var"}});
    MLIRContext *ctx = rewriter.getContext();
    int64_t rank = resultType.getRank();
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    AffineMap channel = AffineMap::get(rank, 0, getAffineDimExpr(1, ctx));
    if (op.getTrainingMode() != 0)
      return rewriteTraining(op, inputs, resultType, channel, rewriter);
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

  /// Training mode (opset 14+): Y is normalized with the batch statistics, the mean and
  /// the population variance of X over every dim but the channel, and the outputs
  /// running_mean = input_mean * momentum + mean * (1 - momentum) and running_var =
  /// input_var * momentum + var * (1 - momentum). The statistics are computed in f32 for
  /// narrower float types (as ONNX Runtime does) and in X's type otherwise.
  LogicalResult rewriteTraining(BatchNormalizationOp op, ArrayRef<Value> inputs,
                                RankedTensorType resultType, AffineMap channel,
                                ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    Type computeType = elementType.getIntOrFloatBitWidth() < 32 ? Type(rewriter.getF32Type())
                                                                 : elementType;
    for (Value v : inputs.drop_front())
      if (cast<RankedTensorType>(v.getType()).getElementType() != elementType)
        return reject(rewriter, op, "scale, B, mean and var must have X's element type");
    int64_t rank = resultType.getRank();
    SmallVector<bool> reduced(rank, true);
    reduced[1] = false;
    NormStats stats;
    Value y = buildNormalization(rewriter, loc, resultType, inputs[0], reduced, inputs[1],
                                 channel, inputs[2], channel, op.getEpsilon().convertToDouble(),
                                 computeType, &stats);
    double momentum = op.getMomentum().convertToDouble();
    // running = input * momentum + batch * (1 - momentum), batch = stat / count.
    auto running = [&](unsigned index, Value input, Value stat) -> FailureOr<Value> {
      if (op->getResult(index).use_empty())
        return Value();
      RankedTensorType type = getRankedResultType(rewriter, *getTypeConverter(), op, index);
      if (!type)
        return failure();
      auto inputType = cast<RankedTensorType>(input.getType());
      AffineMap id = rewriter.getMultiDimIdentityMap(1);
      Value init = createEmptyLike(rewriter, loc, inputType, input);
      Value m = createScalarConstant(rewriter, loc, computeType, momentum);
      Value rest = createScalarConstant(rewriter, loc, computeType, 1.0 - momentum);
      Value result =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{inputType}, ValueRange{input, stat}, ValueRange{init},
              ArrayRef<AffineMap>{id, id, id}, {utils::IteratorType::parallel},
              [&](OpBuilder &b, Location l, ValueRange args) {
                Value batch = arith::DivFOp::create(b, l, args[1], stats.count);
                Value old = arith::MulFOp::create(b, l, extendTo(b, l, args[0], computeType), m);
                Value update = arith::MulFOp::create(b, l, batch, rest);
                Value sum = arith::AddFOp::create(b, l, old, update);
                linalg::YieldOp::create(b, l, extendTo(b, l, sum, inputType.getElementType()));
              })
              .getResult(0);
      return castWithCheck(rewriter, loc, op, result, type,
                           index == 1 ? "running_mean" : "running_var");
    };
    FailureOr<Value> mean = running(1, inputs[3], stats.sum);
    FailureOr<Value> var = running(2, inputs[4], stats.squares);
    if (failed(mean) || failed(var))
      return failure();
    rewriter.replaceOp(op, {y, *mean, *var});
    return success();
  }
};

struct InstanceNormLowering : OnnxLoweringPattern<InstanceNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(InstanceNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    int64_t rank = resultType.getRank();
    if (rank < 3 || !isRanked(adaptor.getInput(), rank))
      return reject(rewriter, op, "the input must be a ranked N x C x D... tensor");
    if (!isRanked(adaptor.getScale(), 1) || !isRanked(adaptor.getB(), 1))
      return reject(rewriter, op, "scale and B must be 1-D tensors");
    checkXMatchesResult(rewriter, op.getLoc(), op, adaptor.getInput(), resultType);
    checkPerChannel(rewriter, op.getLoc(), op, adaptor.getInput(),
                    {{adaptor.getScale(), "scale"}, {adaptor.getB(), "B"}});
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

struct LayerNormLowering : OnnxLoweringPattern<LayerNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(LayerNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    int64_t rank = resultType.getRank();
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    Value x = adaptor.getX(), scale = adaptor.getScale(), bias = adaptor.getB();
    bool hasBias = !isa<NoneType>(bias.getType());
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    auto biasType = hasBias ? dyn_cast<RankedTensorType>(bias.getType()) : RankedTensorType();
    if (!xType || xType.getRank() != rank || !scaleType || scaleType.getRank() > rank - axis ||
        (hasBias && (!biasType || biasType.getRank() > rank - axis)))
      return reject(rewriter, 
          op, "Scale and B must be ranked and broadcastable to X's normalized dims");
    checkXMatchesResult(rewriter, op.getLoc(), op, x, resultType);
    scale = checkedNormOperand(rewriter, op.getLoc(), op, x, scale, "Scale");
    if (hasBias)
      bias = checkedNormOperand(rewriter, op.getLoc(), op, x, bias, "B");
    SmallVector<bool> reduced(rank, false);
    for (int64_t d = axis; d < rank; ++d)
      reduced[d] = true;
    // stash_type = 1 computes the statistics in f32 (the spec's default); 0 in X's type.
    Type computeType =
        op.getStashType() == 1 ? Type(rewriter.getF32Type()) : resultType.getElementType();
    MLIRContext *ctx = rewriter.getContext();
    NormStats stats;
    double epsilon = op.getEpsilon().convertToDouble();
    Value result =
        buildNormalization(rewriter, op.getLoc(), resultType, x, reduced, scale,
                           getBroadcastMap(ctx, scaleType, resultType), hasBias ? bias : Value(),
                           hasBias ? getBroadcastMap(ctx, biasType, resultType) : AffineMap(),
                           epsilon, computeType, &stats);
    // Mean = sum / n and InvStdDev = 1 / sqrt(var + epsilon), shaped [d0 .. d(axis-1), 1, ...].
    Value eps = createScalarConstant(rewriter, op.getLoc(), computeType, epsilon);
    auto statOutput = [&](unsigned index, bool invStdDev) -> FailureOr<Value> {
      if (op->getResult(index).use_empty())
        return Value();
      RankedTensorType type = getRankedResultType(rewriter, *getTypeConverter(), op, index);
      if (!type)
        return failure();
      if (!type.hasStaticShape() || type.getRank() != rank || !xType.hasStaticShape())
        return reject(rewriter, op, "the Mean and InvStdDev outputs need static shapes");
      auto keptType =
          RankedTensorType::get(xType.getShape().take_front(axis), type.getElementType());
      Value one = createScalarConstant(rewriter, op.getLoc(), computeType, 1);
      Value kept = buildElementwise(
          rewriter, op.getLoc(), keptType, ValueRange{stats.sum, stats.squares},
          [&](OpBuilder &b, Location l, ValueRange args) -> Value {
            Value v = arith::DivFOp::create(b, l, args[invStdDev ? 1 : 0], stats.count);
            if (invStdDev)
              v = arith::DivFOp::create(
                  b, l, one, math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, v, eps)));
            return extendTo(b, l, v, type.getElementType());
          });
      SmallVector<ReassociationIndices> groups;
      for (int64_t d = 0; d < axis; ++d)
        groups.push_back({d});
      for (int64_t d = axis; d < rank && axis > 0; ++d)
        groups.back().push_back(d);
      return Value(tensor::ExpandShapeOp::create(rewriter, op.getLoc(), type, kept, groups));
    };
    FailureOr<Value> mean = statOutput(1, false);
    if (failed(mean))
      return failure();
    FailureOr<Value> invStdDev = statOutput(2, true);
    if (failed(invStdDev))
      return failure();
    rewriter.replaceOp(op, {result, *mean, *invStdDev});
    return success();
  }
};

/// y = x / sqrt(mean(x^2 over dims axis..) + epsilon) * scale, the mean computed in f32
/// when stash_type is 1 (the default), else in X's type.
struct RMSNormLowering : OnnxLoweringPattern<RMSNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(RMSNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    Value x = adaptor.getX(), scale = adaptor.getScale();
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    if (!isRanked(x, rank))
      return reject(rewriter, op, "X must be a ranked tensor");
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    if (!scaleType || scaleType.getRank() > rank - axis)
      return reject(rewriter, op, "scale must be ranked and broadcastable to X's normalized dims");
    checkXMatchesResult(rewriter, loc, op, x, resultType);
    scale = checkedNormOperand(rewriter, loc, op, x, scale, "scale");
    SmallVector<bool> reduced(rank, false);
    for (int64_t d = axis; d < rank; ++d)
      reduced[d] = true;
    Type elementType = resultType.getElementType();
    Type computeType = op.getStashType() == 1 ? Type(rewriter.getF32Type()) : elementType;
    if (elementType.isF64())
      computeType = elementType;
    Value count = getElementCount(rewriter, loc, x, reduced, computeType);
    Value zero = createScalarConstant(rewriter, loc, computeType, 0);
    Value squares =
        reduceDims(rewriter, loc, x, reduced, {}, zero,
                   [&](OpBuilder &b, Location l, Value in, ValueRange, Value acc) {
                     Value e = extendTo(b, l, in, computeType);
                     return arith::AddFOp::create(b, l, acc, arith::MulFOp::create(b, l, e, e));
                   });
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<bool> keep;
    for (bool r : reduced)
      keep.push_back(!r);
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    SmallVector<AffineMap> maps{identity, getProjectionMap(ctx, keep),
                                getBroadcastMap(ctx, scaleType, resultType), identity};
    Value eps = createScalarConstant(rewriter, loc, computeType, op.getEpsilon().convertToDouble());
    Value init = createEmptyLike(rewriter, loc, resultType, x);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{x, squares, scale}, ValueRange{init},
            maps, iterators,
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value meanSquare = arith::DivFOp::create(b, l, args[1], count);
              Value rms = math::SqrtOp::create(b, l, arith::AddFOp::create(b, l, meanSquare, eps));
              Value normalized =
                  arith::DivFOp::create(b, l, extendTo(b, l, args[0], computeType), rms);
              Value y =
                  arith::MulFOp::create(b, l, extendTo(b, l, normalized, elementType), args[2]);
              linalg::YieldOp::create(b, l, y);
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y = x / (bias + alpha / size * sum of x^2 over the channel window) ^ beta, the window
/// spanning [c - floor((size - 1) / 2), c + ceil((size - 1) / 2)].
struct LRNLowering : OnnxLoweringPattern<LRNOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(LRNOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank(), size = static_cast<int64_t>(op.getSize());
    Value x = adaptor.getX();
    if (rank < 2 || !isRanked(x, rank) || size < 1)
      return reject(rewriter, op, "X must be ranked N x C x ... and size positive");
    checkXMatchesResult(rewriter, loc, op, x, resultType);
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

/// Opset 21: the C channels split into num_groups groups, each normalized over its
/// channels and the spatial dims, then scaled and shifted per channel. X is viewed as
/// [N, G, C / G, D...] so the groups are plain dims; an opset-18 model (scale and bias
/// per group, upgraded unchanged) is recognized by their size G != C.
struct GroupNormLowering : OnnxLoweringPattern<GroupNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GroupNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    Value x = adaptor.getX(), scale = adaptor.getScale(), bias = adaptor.getBias();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (rank < 3 || !xType || xType.getRank() != rank || !xType.hasStaticShape())
      return reject(rewriter, op, "X must be a static N x C x D... tensor");
    int64_t groups = static_cast<int64_t>(op.getNumGroups()), channels = xType.getDimSize(1);
    if (groups < 1 || channels % groups != 0)
      return reject(rewriter, op,
                    "num_groups (" + Twine(groups) + ") does not divide the channels (" +
                        Twine(channels) + ")");
    auto scaleType = dyn_cast<RankedTensorType>(scale.getType());
    auto biasType = dyn_cast<RankedTensorType>(bias.getType());
    if (!scaleType || !biasType || scaleType.getRank() != 1 || biasType.getRank() != 1 ||
        scaleType.getDimSize(0) != biasType.getDimSize(0) ||
        (scaleType.getDimSize(0) != channels && scaleType.getDimSize(0) != groups))
      return reject(rewriter, op, "scale and bias must be 1-D of size C (or num_groups)");
    bool perGroup = scaleType.getDimSize(0) != channels;

    SmallVector<int64_t> shape{xType.getDimSize(0), groups, channels / groups};
    llvm::append_range(shape, xType.getShape().drop_front(2));
    SmallVector<ReassociationIndices> split{{0}, {1, 2}};
    for (int64_t d = 2; d < rank; ++d)
      split.push_back({d + 1});
    auto groupedType = RankedTensorType::get(shape, resultType.getElementType());
    auto xGrouped = RankedTensorType::get(shape, xType.getElementType());
    Value grouped = tensor::ExpandShapeOp::create(rewriter, loc, xGrouped, x, split);
    MLIRContext *ctx = rewriter.getContext();
    AffineMap channelMap;
    if (perGroup) {
      channelMap = AffineMap::get(rank + 1, 0, getAffineDimExpr(1, ctx));
    } else {
      SmallVector<int64_t> gc{groups, channels / groups};
      auto expand = [&](Value v) -> Value {
        auto type = RankedTensorType::get(gc, cast<RankedTensorType>(v.getType()).getElementType());
        return tensor::ExpandShapeOp::create(rewriter, loc, type, v,
                                             SmallVector<ReassociationIndices>{{0, 1}});
      };
      scale = expand(scale);
      bias = expand(bias);
      channelMap =
          AffineMap::get(rank + 1, 0, {getAffineDimExpr(1, ctx), getAffineDimExpr(2, ctx)}, ctx);
    }
    SmallVector<bool> reduced(rank + 1, true);
    reduced[0] = reduced[1] = false;
    Type computeType =
        op.getStashType() == 1 ? Type(rewriter.getF32Type()) : resultType.getElementType();
    Value result =
        buildNormalization(rewriter, loc, groupedType, grouped, reduced, scale, channelMap, bias,
                           channelMap, op.getEpsilon().convertToDouble(), computeType);
    rewriter.replaceOp(op,
                       tensor::CollapseShapeOp::create(rewriter, loc, resultType, result, split));
    return success();
  }
};

/// y = (x - mean) / std over `axes` (default N and the spatial dims [0, 2, 3]). The
/// reference divides by std + 1e-9; sqrt(var + 1e-18) agrees, and a constant input
/// gives 0 rather than NaN in both.
struct MVNLowering : OnnxLoweringPattern<MeanVarianceNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MeanVarianceNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    int64_t rank = resultType.getRank();
    Value x = adaptor.getX();
    if (!isRanked(x, rank))
      return reject(rewriter, op, "X must be a ranked tensor");
    checkXMatchesResult(rewriter, op.getLoc(), op, x, resultType);
    SmallVector<int64_t> axes{0, 2, 3};
    if (std::optional<ArrayRef<int64_t>> attr = op.getAxes())
      axes.assign(attr->begin(), attr->end());
    SmallVector<bool> reduced(rank, false);
    for (int64_t axis : axes) {
      FailureOr<int64_t> normalized = normalizeAxis(axis, rank, /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "axis " + Twine(axis) + " is out of range");
      int64_t d = *normalized;
      reduced[d] = true;
    }
    Value result =
        buildNormalization(rewriter, op.getLoc(), resultType, x, reduced, Value(), AffineMap(),
                           Value(), AffineMap(), 1e-18, resultType.getElementType());
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// y = x / norm(x) along `axis`, norm the L1 (p = 1) or L2 (p = 2) norm; a zero norm
/// gives 0, as the ONNX node tests expect.
struct LpNormLowering : OnnxLoweringPattern<LpNormalizationOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(LpNormalizationOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t rank = resultType.getRank();
    Value x = adaptor.getInput();
    if (rank < 1 || !isRanked(x, rank))
      return reject(rewriter, op, "the input must be a ranked tensor of rank >= 1");
    checkXMatchesResult(rewriter, loc, op, x, resultType);
    FailureOr<int64_t> normalized = normalizeAxis(
        op->getAttrOfType<IntegerAttr>("axis") ? op->getAttrOfType<IntegerAttr>("axis").getInt()
                                               : -1,
        rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    int64_t p =
        op->getAttrOfType<IntegerAttr>("p") ? op->getAttrOfType<IntegerAttr>("p").getInt() : 2;
    if (p != 1 && p != 2)
      return reject(rewriter, op, "p must be 1 or 2, got " + Twine(p));
    SmallVector<bool> reduced(rank, false);
    reduced[axis] = true;
    Type elementType = resultType.getElementType();
    Value norm = reduceDims(rewriter, loc, x, reduced, {},
                            createScalarConstant(rewriter, loc, elementType, 0),
                            [&](OpBuilder &b, Location l, Value in, ValueRange, Value acc) {
                              Value term = p == 1 ? Value(math::AbsFOp::create(b, l, in))
                                                  : Value(arith::MulFOp::create(b, l, in, in));
                              return arith::AddFOp::create(b, l, acc, term);
                            });
    SmallVector<bool> keep(rank, true);
    keep[axis] = false;
    AffineMap identity = rewriter.getMultiDimIdentityMap(rank);
    Value init = createEmptyLike(rewriter, loc, resultType, x);
    Value result =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{resultType}, ValueRange{x, norm}, ValueRange{init},
            SmallVector<AffineMap>{identity, getProjectionMap(rewriter.getContext(), keep),
                                   identity},
            SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value n = p == 1 ? args[1] : Value(math::SqrtOp::create(b, l, args[1]));
              // A zero vector normalizes to zero (as ONNX's reference does), not NaN.
              Value zero = arith::ConstantOp::create(b, l, b.getFloatAttr(n.getType(), 0.0));
              Value isZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, n, zero);
              Value quotient = arith::DivFOp::create(b, l, args[0], n);
              linalg::YieldOp::create(b, l,
                                      Value(arith::SelectOp::create(b, l, isZero, zero, quotient)));
            })
            .getResult(0);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateNormPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<BatchNormLowering, InstanceNormLowering, LayerNormLowering, LRNLowering,
               RMSNormLowering, GroupNormLowering, LpNormLowering, MVNLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
