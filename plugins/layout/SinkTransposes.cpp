//===- SinkTransposes.cpp - Move Transposes down and cancel them ----------===//

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/Passes.h"

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

namespace {

/// The permutation of a ranked onnx.Transpose producing `v` (ONNX's default reverses
/// the dims), or nullopt.
std::optional<SmallVector<int64_t>> transposePerm(Value v, TransposeOp &op) {
  op = v.getDefiningOp<TransposeOp>();
  if (!op)
    return std::nullopt;
  auto type = dyn_cast<RankedTensorType>(op.getData().getType());
  if (!type)
    return std::nullopt;
  if (std::optional<ArrayRef<int64_t>> perm = op.getPerm())
    return SmallVector<int64_t>(*perm);
  SmallVector<int64_t> reversed;
  for (int64_t d = type.getRank() - 1; d >= 0; --d)
    reversed.push_back(d);
  return reversed;
}

Value createTranspose(PatternRewriter &rewriter, Location loc, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  auto resultType = RankedTensorType::get(permuteShape(type.getShape(), perm), type.getElementType());
  return TransposeOp::create(rewriter, loc, TypeRange{resultType}, ValueRange{x},
                             ArrayRef<NamedAttribute>{
                                 rewriter.getNamedAttr("perm", rewriter.getDenseI64ArrayAttr(perm))})
      .getResult();
}

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
  rewriter.replaceOp(op, createTranspose(rewriter, kiln::replacedNodesLoc(op),
                                         clone->getResult(0), perm));
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

/// Whether `v` is a scalar-like operand (one element) that broadcasts the same in any
/// layout.
bool isScalarLike(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && type.getNumElements() == 1;
}

// U(Transpose(x, p)) = Transpose(U(x), p) for elementwise unary U; Clip's bounds are
// scalars.
struct SinkThroughUnary : RewritePattern {
  SinkThroughUnary(MLIRContext *ctx, kiln::PassStatistic &count)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<ReluOp, LeakyReluOp, ClipOp, SigmoidOp, TanhOp, HardSigmoidOp, HardSwishOp, NegOp,
             AbsOp, SqrtOp, ExpOp, ErfOp, IdentityOp, CastOp, GeluOp>(op))
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

// B(Transpose(x, p), Transpose(y, p)) = Transpose(B(x, y), p);
// B(Transpose(x, p), c) = Transpose(B(x, Transpose(c, inverse(p))), p) for constant c
// (raised to x's rank first), and likewise with the operands swapped.
struct SinkThroughBinary : RewritePattern {
  SinkThroughBinary(MLIRContext *ctx, kiln::PassStatistic &count)
      : RewritePattern(MatchAnyOpTypeTag(), /*benefit=*/1, ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(Operation *op, PatternRewriter &rewriter) const override {
    if (!isa<AddOp, SubOp, MulOp, DivOp, MaxOp, MinOp, PowOp, PReluOp>(op))
      return failure();
    auto resultType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (op->getNumOperands() != 2 || op->getNumResults() != 1 || !resultType)
      return rewriter.notifyMatchFailure(op, "not a ranked two-operand op");
    int64_t rank = resultType.getRank();
    TransposeOp ta, tb;
    std::optional<SmallVector<int64_t>> pa = transposePerm(op->getOperand(0), ta);
    std::optional<SmallVector<int64_t>> pb = transposePerm(op->getOperand(1), tb);
    auto rankOf = [](Value v) { return cast<RankedTensorType>(v.getType()).getRank(); };
    if (pa && rankOf(ta.getData()) != rank)
      pa.reset();
    if (pb && rankOf(tb.getData()) != rank)
      pb.reset();
    SmallVector<Value> operands(op->getOperands());
    SmallVector<int64_t> perm;
    if (pa && pb) {
      if (*pa != *pb)
        return rewriter.notifyMatchFailure(op, "operands are transposed differently");
      perm = *pa;
      operands = {ta.getData(), tb.getData()};
    } else if (pa || pb) {
      perm = pa ? *pa : *pb;
      unsigned moved = pa ? 0 : 1, other = 1 - moved;
      operands[moved] = pa ? ta.getData() : tb.getData();
      Value c = op->getOperand(other);
      if (!isScalarLike(c)) {
        ElementsAttr value = kiln::layout::getConstantValue(c);
        if (!value)
          return rewriter.notifyMatchFailure(op, "the other operand is neither transposed "
                                                 "nor a constant");
        ArrayRef<int64_t> shape = value.getShapedType().getShape();
        if (static_cast<int64_t>(shape.size()) > rank)
          return rewriter.notifyMatchFailure(op, "the constant has a higher rank");
        SmallVector<int64_t> raised(rank - shape.size(), 1);
        raised.append(shape.begin(), shape.end());
        operands[other] = kiln::layout::createPermutedConstant(rewriter, c.getLoc(), value, raised,
                                                               invertPermutation(perm));
        if (!operands[other])
          return rewriter.notifyMatchFailure(op, "the constant's data cannot be read");
      }
    } else {
      return rewriter.notifyMatchFailure(op, "no operand is a ranked Transpose");
    }
    sinkBelow(rewriter, op, operands, permuteShape(resultType.getShape(), invertPermutation(perm)),
              perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Concat(Transpose(x_i, p), axis a) = Transpose(Concat(x_i, axis p[a]), p) when every
// input is transposed the same way: the channel concatenations of NHWC convolutions
// (Inception, SqueezeNet's Fire, CSP blocks) stay NHWC.
struct SinkThroughConcat : OpRewritePattern<ConcatOp> {
  SinkThroughConcat(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getResult().getType());
    if (!resultType || op->getNumOperands() == 0)
      return rewriter.notifyMatchFailure(op, "not a ranked Concat");
    int64_t rank = resultType.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<Value> inputs;
    std::optional<SmallVector<int64_t>> perm;
    for (Value operand : op->getOperands()) {
      TransposeOp t;
      std::optional<SmallVector<int64_t>> p = transposePerm(operand, t);
      if (!p || static_cast<int64_t>(p->size()) != rank || (perm && *perm != *p))
        return rewriter.notifyMatchFailure(op, "inputs are not all transposed the same way");
      perm = std::move(p);
      inputs.push_back(t.getData());
    }
    IRMapping mapping;
    for (auto [from, to] : llvm::zip(op->getOperands(), inputs))
      mapping.map(from, to);
    Operation *clone = rewriter.clone(*op, mapping);
    clone->setAttr("axis", rewriter.getIntegerAttr(op.getAxisAttr().getType(), (*perm)[axis]));
    clone->getResult(0).setType(RankedTensorType::get(
        permuteShape(resultType.getShape(), invertPermutation(*perm)),
        resultType.getElementType()));
    rewriter.replaceOp(op, createTranspose(rewriter, kiln::replacedNodesLoc(op.getOperation()),
                                           clone->getResult(0), *perm));
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
  kiln::PassStatistic numSunk{this, "sunk", "Transposes moved below an elementwise op or a Concat"};

  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    RewritePatternSet patterns(ctx);
    patterns.add<ComposeTransposes>(ctx, numCancelled);
    patterns.add<DropIdentityTranspose>(ctx);
    patterns.add<SinkThroughUnary, SinkThroughBinary, SinkThroughConcat>(ctx, numSunk);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace kiln::layout
