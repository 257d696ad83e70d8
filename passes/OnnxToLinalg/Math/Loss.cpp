//===- Loss.cpp - Lower NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss -===//
//
// NegativeLogLikelihoodLoss takes input [N, C, d1..dk] (log-probabilities), target
// [N, d1..dk] (class indices) and an optional per-class weight [C]:
//   w[n, d] = target == ignore_index ? 0 : (weight ? weight[target] : 1)
//   loss[n, d] = target == ignore_index ? 0 : -input[n, target, d] * w[n, d]
// reduction "none" returns loss, "sum" its sum, "mean" sum(loss) / sum(w).
// One linalg.generic over the target shape reads the input with tensor.extract; for sum
// and mean its iterators are reductions into 0-d accumulators (loss and weight).
//
// SoftmaxCrossEntropyLoss is NLL of log_softmax(scores, axis 1) (buildSoftmax of
// Softmax.h), optionally also returning the log_softmax.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Math/Softmax.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Returns the converted type of `op`'s result `index` if it is a ranked tensor, else
/// `fallback` (the type derived from the operands).
RankedTensorType getResultTypeOr(const TypeConverter &converter, Operation *op, unsigned index,
                                 RankedTensorType fallback) {
  if (auto type =
          dyn_cast_or_null<RankedTensorType>(converter.convertType(op->getResult(index).getType())))
    return type;
  return fallback;
}

/// Checks the operands of an NLL-shaped op and returns the loss result type, or null after
/// rejecting. `input` is [N, C, d...], `target` is [N, d...], `weight` null or [C].
RankedTensorType checkNll(ConversionPatternRewriter &rewriter, const TypeConverter &converter,
                          Operation *op, Value input, Value target, Value weight,
                          StringRef reduction) {
  auto inputType = dyn_cast<RankedTensorType>(input.getType());
  auto targetType = dyn_cast<RankedTensorType>(target.getType());
  if (!inputType || !targetType) {
    (void)reject(rewriter, op, "the input and target must be ranked tensors");
    return nullptr;
  }
  if (inputType.getRank() < 2 || targetType.getRank() != inputType.getRank() - 1) {
    (void)reject(rewriter, op, "the input must be [N, C, d...] and the target [N, d...]");
    return nullptr;
  }
  if (weight) {
    auto weightType = dyn_cast<RankedTensorType>(weight.getType());
    if (!weightType || weightType.getRank() != 1) {
      (void)reject(rewriter, op, "the weight must be a rank-1 tensor");
      return nullptr;
    }
  }
  Type elementType = inputType.getElementType();
  RankedTensorType derived;
  if (reduction == "none")
    derived = RankedTensorType::get(targetType.getShape(), elementType);
  else if (reduction == "sum" || reduction == "mean")
    derived = RankedTensorType::get({}, elementType);
  else {
    (void)reject(rewriter, op, "unsupported reduction '" + reduction + "'");
    return nullptr;
  }
  RankedTensorType resultType = getResultTypeOr(converter, op, 0, derived);
  if (resultType.getRank() != derived.getRank() || resultType.getElementType() != elementType) {
    (void)reject(rewriter, op, "the result type does not match the reduction");
    return nullptr;
  }
  return resultType;
}

/// Emits the NLL loss of `input` (log-probabilities [N, C, d...]) at `target` ([N, d...]).
Value buildNll(OpBuilder &b, Location loc, RankedTensorType resultType, Value input, Value target,
               Value weight, std::optional<int64_t> ignoreIndex, StringRef reduction) {
  MLIRContext *ctx = b.getContext();
  auto targetType = cast<RankedTensorType>(target.getType());
  Type elementType = resultType.getElementType();
  Type targetElementType = targetType.getElementType();
  int64_t rank = targetType.getRank();
  bool none = reduction == "none";

  Value zero = createScalarConstant(b, loc, elementType, 0);
  Value one = createScalarConstant(b, loc, elementType, 1);
  Value ignore;
  if (ignoreIndex)
    ignore = arith::ConstantOp::create(b, loc, b.getIntegerAttr(targetElementType, *ignoreIndex));

  // Computes (loss, weight) of one target element.
  auto element = [&](OpBuilder &nb, Location nloc, Value t) -> std::pair<Value, Value> {
    Value idx = arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), t);
    Value ignored;
    if (ignore) {
      ignored = arith::CmpIOp::create(nb, nloc, arith::CmpIPredicate::eq, t, ignore);
      // Keep the read in bounds when the ignored index is not a class (e.g. -1).
      idx = arith::SelectOp::create(nb, nloc, ignored,
                                    arith::ConstantIndexOp::create(nb, nloc, 0), idx);
    }
    SmallVector<Value> src{linalg::IndexOp::create(nb, nloc, 0), idx};
    for (int64_t d = 1; d < rank; ++d)
      src.push_back(linalg::IndexOp::create(nb, nloc, d));
    Value v = tensor::ExtractOp::create(nb, nloc, input, src);
    Value w = weight ? Value(tensor::ExtractOp::create(nb, nloc, weight, ValueRange{idx})) : one;
    Value loss = arith::NegFOp::create(
        nb, nloc, weight ? Value(arith::MulFOp::create(nb, nloc, v, w)) : v);
    if (ignored) {
      loss = arith::SelectOp::create(nb, nloc, ignored, zero, loss);
      w = arith::SelectOp::create(nb, nloc, ignored, zero, w);
    }
    return {loss, w};
  };

  AffineMap identity = b.getMultiDimIdentityMap(rank);
  if (none) {
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamic.push_back(tensor::DimOp::create(b, loc, target, d));
    Value init = createEmpty(b, loc, resultType, dynamic);
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        b, loc, TypeRange{resultType}, ValueRange{target}, ValueRange{init},
        SmallVector<AffineMap>{identity, identity}, iterators,
        [&](OpBuilder &nb, Location nloc, ValueRange args) {
          linalg::YieldOp::create(nb, nloc, element(nb, nloc, args[0]).first);
        });
    return generic.getResult(0);
  }

  // sum / mean: reduce into 0-d accumulators of the loss and of the applied weights.
  auto scalarType = RankedTensorType::get({}, elementType);
  Value accInit = fill(b, loc, tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{}, elementType),
                       zero);
  AffineMap scalarMap = AffineMap::get(rank, 0, {}, ctx);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::reduction);
  bool mean = reduction == "mean";
  SmallVector<Type> resultTypes{scalarType};
  SmallVector<Value> inits{accInit};
  SmallVector<AffineMap> maps{identity, scalarMap};
  if (mean) {
    resultTypes.push_back(scalarType);
    inits.push_back(accInit);
    maps.push_back(scalarMap);
  }
  auto generic = linalg::GenericOp::create(
      b, loc, resultTypes, ValueRange{target}, inits, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        auto [loss, w] = element(nb, nloc, args[0]);
        SmallVector<Value> yields{arith::AddFOp::create(nb, nloc, args[1], loss)};
        if (mean)
          yields.push_back(arith::AddFOp::create(nb, nloc, args[2], w));
        linalg::YieldOp::create(nb, nloc, yields);
      });
  Value result = generic.getResult(0);
  if (mean) {
    Value sum = tensor::ExtractOp::create(b, loc, result, ValueRange{});
    Value total = tensor::ExtractOp::create(b, loc, generic.getResult(1), ValueRange{});
    Value quotient = arith::DivFOp::create(b, loc, sum, total);
    result = tensor::FromElementsOp::create(b, loc, scalarType, ValueRange{quotient});
  }
  return result;
}

std::optional<int64_t> getIgnoreIndex(Operation *op) {
  if (auto attr = op->getAttrOfType<IntegerAttr>("ignore_index"))
    return attr.getValue().getSExtValue();
  return std::nullopt;
}

struct NegativeLogLikelihoodLossLowering : OpConversionPattern<NegativeLogLikelihoodLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(NegativeLogLikelihoodLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput(), target = adaptor.getTarget();
    Value weight = isa<NoneType>(adaptor.getWeight().getType()) ? Value() : adaptor.getWeight();
    StringRef reduction = op.getReduction();
    RankedTensorType resultType =
        checkNll(rewriter, *getTypeConverter(), op, input, target, weight, reduction);
    if (!resultType)
      return failure();
    Value loss = buildNll(rewriter, op.getLoc(), resultType, input, target, weight,
                          getIgnoreIndex(op), reduction);
    rewriter.replaceOp(op, loss);
    return success();
  }
};

struct SoftmaxCrossEntropyLossLowering : OpConversionPattern<SoftmaxCrossEntropyLossOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SoftmaxCrossEntropyLossOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value scores = adaptor.getScores(), labels = adaptor.getLabels();
    Value weight = isa<NoneType>(adaptor.getWeights().getType()) ? Value() : adaptor.getWeights();
    StringRef reduction = op.getReduction();
    RankedTensorType resultType =
        checkNll(rewriter, *getTypeConverter(), op, scores, labels, weight, reduction);
    if (!resultType)
      return failure();
    auto scoresType = cast<RankedTensorType>(scores.getType());
    bool hasLogProb = !isa<NoneType>(op.getLogProb().getType());
    RankedTensorType logProbType = scoresType;
    if (hasLogProb) {
      logProbType = getResultTypeOr(*getTypeConverter(), op, 1, scoresType);
      if (logProbType.getRank() != scoresType.getRank() ||
          logProbType.getElementType() != scoresType.getElementType())
        return reject(rewriter, op, "the log_prob type does not match the scores");
    }
    Location loc = op.getLoc();
    Value logProb =
        buildSoftmax(rewriter, loc, scores, /*axis=*/1, logProbType, /*isLog=*/true);
    Value loss = buildNll(rewriter, loc, resultType, logProb, labels, weight, getIgnoreIndex(op),
                          reduction);
    rewriter.replaceOp(op, {loss, hasLogProb ? logProb : Value()});
    return success();
  }
};

} // namespace

void populateLossPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<NegativeLogLikelihoodLossLowering, SoftmaxCrossEntropyLossLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
