//===- SinkTransposes.cpp - Move Transposes down and cancel them ----------===//

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/Passes.h"
#include "plugins/layout/TransposeSinking.h"

#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

#include "mlir/IR/IRMapping.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::layout {
#define GEN_PASS_DEF_SINKTRANSPOSES
#include "plugins/layout/Passes.h.inc"
} // namespace kiln::layout

using namespace mlir;
using namespace kiln::onnxir;
using kiln::layout::invertPermutation;
using kiln::layout::permuteShape;
using kiln::layout::createTranspose;
using kiln::layout::isScalarLike;
using kiln::layout::transposePerm;

namespace {

/// Clones single-result `op` with `operands`, its result of shape `shape` (keeping the
/// element type), and replaces `op` by Transpose(clone, perm).
void sinkBelow(PatternRewriter &rewriter, Operation *op, ValueRange operands,
               ArrayRef<int64_t> shape, ArrayRef<int64_t> perm) {
  IRMapping mapping;
  for (auto [from, to] : llvm::zip(op->getOperands(), operands))
    mapping.map(from, to);
  Operation *clone = rewriter.clone(*op, mapping);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  clone->getResult(0).setType(RankedTensorType::get(shape, resultType.getElementType()));
  // The moved Transpose now computes part of `op`'s node.
  kiln::layout::replaceWithTransposed(rewriter, op, clone, perm);
}

// Transpose(Transpose(x, p), q) = Transpose(x, p[q]), = x when p[q] is the identity.
struct ComposeTransposes : OpRewritePattern<TransposeOp> {
  ComposeTransposes(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numCancelled(count) {}

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    TransposeOp inner;
    std::optional<SmallVector<int64_t>> p = transposePerm(op.getData(), inner);
    TransposeOp self;
    std::optional<SmallVector<int64_t>> q = transposePerm(op.getTransposed(), self);
    if (!p || !q)
      return rewriter.notifyMatchFailure(op, "not a ranked Transpose of a Transpose");
    SmallVector<int64_t> composed = permuteShape(*p, *q);
    Value x = inner.getData();
    if (llvm::equal(composed, llvm::seq<int64_t>(0, composed.size()))) {
      if (x.getType() != op.getType())
        return rewriter.notifyMatchFailure(op, "the inverse pair changes the static type");
      rewriter.replaceOp(op, x);
      ++numCancelled;
      return success();
    }
    Location loc = kiln::replacedNodesLoc({op.getOperation(), inner.getOperation()});
    rewriter.replaceOp(op, createTranspose(rewriter, loc, x, composed));
    return success();
  }

  kiln::PassStatistic &numCancelled;
};

// Transpose(x, identity) = x.
struct DropIdentityTranspose : OpRewritePattern<TransposeOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(TransposeOp op, PatternRewriter &rewriter) const override {
    TransposeOp self;
    std::optional<SmallVector<int64_t>> p = transposePerm(op.getTransposed(), self);
    if (!p || !llvm::equal(*p, llvm::seq<int64_t>(0, p->size())) ||
        op.getData().getType() != op.getType())
      return rewriter.notifyMatchFailure(op, "not an identity Transpose");
    rewriter.replaceOp(op, op.getData());
    return success();
  }
};

// U(Transpose(x, p)) = Transpose(U(x), p) for elementwise unary U; Clip's bounds and
// the scales and zero points of QuantizeLinear and DequantizeLinear (per tensor only) are
// scalars.
struct SinkThroughUnary : RewritePattern {
  SinkThroughUnary(MLIRContext *ctx, kiln::PassStatistic &count)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<ReluOp, LeakyReluOp, ClipOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp, NegOp,
             AbsOp, SqrtOp, ExpOp, ErfOp, IdentityOp, CastOp, GeluOp, QuantizeLinearOp,
             DequantizeLinearOp>(op))
      return failure();
    if (op->getNumResults() != 1 || op->getNumOperands() < 1 ||
        !isa<RankedTensorType>(op->getResult(0).getType()))
      return rewriter.notifyMatchFailure(op, "not a ranked single-result op");
    for (Value bound : op->getOperands().drop_front())
      if (!isa<NoneType>(bound.getType()) && !isScalarLike(bound))
        return rewriter.notifyMatchFailure(op, "an extra operand is not a scalar");
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposePerm(op->getOperand(0), t);
    if (!perm)
      return rewriter.notifyMatchFailure(op, "input is not a ranked Transpose");
    SmallVector<Value> operands(op->getOperands());
    operands[0] = t.getData();
    auto inType = cast<RankedTensorType>(t.getData().getType());
    sinkBelow(rewriter, op, operands, inType.getShape(), *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// DynamicQuantizeLinear(Transpose(x, p)) = (Transpose(y, p), y_scale, y_zero_point) with
// (y, y_scale, y_zero_point) = DynamicQuantizeLinear(x): the scale and zero point come
// from the minimum and maximum over the whole tensor, which the layout does not change.
struct SinkThroughDynamicQuantize : OpRewritePattern<DynamicQuantizeLinearOp> {
  SinkThroughDynamicQuantize(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(DynamicQuantizeLinearOp op,
                                PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposePerm(op.getX(), t);
    if (!perm || !isa<RankedTensorType>(op.getY().getType()))
      return rewriter.notifyMatchFailure(op, "input is not a ranked Transpose");
    auto inType = cast<RankedTensorType>(t.getData().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    auto clone = DynamicQuantizeLinearOp::create(
        rewriter, op.getLoc(),
        TypeRange{RankedTensorType::get(inType.getShape(), yType.getElementType()),
                  op.getYScale().getType(), op.getYZeroPoint().getType()},
        ValueRange{t.getData()});
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    rewriter.replaceOp(op, {createTranspose(rewriter, loc, clone.getY(), *perm),
                            clone.getYScale(), clone.getYZeroPoint()});
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

/// Whether `v` (an operand of an elementwise op whose result is `result`) is small
/// enough that transposing it costs little: statically shaped and at most 1/8 of the
/// result (at most 4096 elements when the result's size is not static).
bool isSmallOperand(Value v, RankedTensorType result) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape())
    return false;
  if (result.hasStaticShape())
    return type.getNumElements() * 8 <= result.getNumElements();
  return type.getNumElements() <= 4096;
}

/// `v` of rank at most `rank` raised to `rank` with leading 1s (numpy broadcasting), as
/// a static shape; nullopt when `v` is not statically shaped or has a higher rank.
std::optional<SmallVector<int64_t>> raisedShape(Value v, int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || !type.hasStaticShape() || type.getRank() > rank)
    return std::nullopt;
  SmallVector<int64_t> shape(rank - type.getRank(), 1);
  llvm::append_range(shape, type.getShape());
  return shape;
}

// E(Transpose(x, p), ..., c, ..., s) = Transpose(E(x, ..., c', ..., s'), p) for an
// elementwise (broadcasting) op E when every operand is one of: a Transpose by the
// same p; a one-element tensor; a constant (c' is c raised to the result's rank and
// transposed by inverse(p) at compile time); a small tensor (s' = Transpose(s,
// inverse(p)) at run time: the squeeze-excite scale, a [N, C, 1, 1] statistic). At least
// one operand must be a full-size Transpose, so the small ones never drive a rewrite.
struct SinkThroughElementwise : RewritePattern {
  SinkThroughElementwise(MLIRContext *ctx, kiln::PassStatistic &count)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, PReluOp, SumOp, MeanOp, WhereOp,
             EqualOp, LessOp, LessOrEqualOp, GreaterOp, GreaterOrEqualOp, AndOp, OrOp, XorOp>(op))
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (op->getNumOperands() == 0 || op->getNumResults() != 1 || !resultType)
      return rewriter.notifyMatchFailure(op, "not a ranked single-result op");
    int64_t rank = resultType.getRank();
    // The driving permutation: the first full-size operand transposed at the result's rank.
    std::optional<SmallVector<int64_t>> perm;
    for (Value operand : op->getOperands()) {
      TransposeOp t;
      std::optional<SmallVector<int64_t>> p = transposePerm(operand, t);
      if (p && static_cast<int64_t>(p->size()) == rank &&
          !isSmallOperand(t.getData(), resultType)) {
        perm = std::move(p);
        break;
      }
    }
    if (!perm)
      return rewriter.notifyMatchFailure(op, "no full-size operand is a ranked Transpose");
    SmallVector<int64_t> inverse = invertPermutation(*perm);
    Location loc = op->getLoc();
    SmallVector<Value> operands;
    for (Value operand : op->getOperands()) {
      TransposeOp t;
      std::optional<SmallVector<int64_t>> p = transposePerm(operand, t);
      if (p && *p == *perm) {
        operands.push_back(t.getData());
        continue;
      }
      if (isScalarLike(operand)) {
        operands.push_back(operand);
        continue;
      }
      std::optional<SmallVector<int64_t>> raised = raisedShape(operand, rank);
      if (!raised)
        return rewriter.notifyMatchFailure(op, "an operand is neither transposed alike nor "
                                               "statically shaped");
      if (ElementsAttr value = kiln::layout::getConstantValue(operand)) {
        Value permuted =
            kiln::layout::createPermutedConstant(rewriter, operand.getLoc(), value, *raised, inverse);
        if (!permuted)
          return rewriter.notifyMatchFailure(op, "a constant's data cannot be read");
        operands.push_back(permuted);
        continue;
      }
      if (!isSmallOperand(operand, resultType))
        return rewriter.notifyMatchFailure(op, "an operand is large and not transposed alike");
      Value v = operand;
      auto type = cast<RankedTensorType>(v.getType());
      if (type.getRank() != rank)
        v = ReshapeOp::create(rewriter, loc,
                              TypeRange{RankedTensorType::get(*raised, type.getElementType())},
                              ValueRange{v, kiln::layout::createI64Constant(rewriter, loc, *raised)})
                .getResult();
      operands.push_back(createTranspose(rewriter, loc, v, inverse));
    }
    sinkBelow(rewriter, op, operands, permuteShape(resultType.getShape(), inverse), *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

} // namespace

namespace kiln::layout {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct SinkTransposesPass : impl::SinkTransposesBase<SinkTransposesPass> {
  kiln::PassStatistic numCancelled{this, "cancelled-pairs", "Inverse Transpose pairs removed"};
  kiln::PassStatistic numSunk{this, "sunk", "Transposes moved below an elementwise op, a Concat or a pool"};

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<ComposeTransposes>(ctx, numCancelled);
    patterns.add<DropIdentityTranspose>(ctx);
    patterns.add<SinkThroughUnary, SinkThroughElementwise, SinkThroughDynamicQuantize>(ctx,
                                                                                       numSunk);
    kiln::layout::populateStructuralSinkPatterns(patterns, numSunk);
    kiln::layout::populateReshapeSinkPatterns(patterns, numSunk);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace kiln::layout
