//===- FuseAttention.cpp - Scaled dot-product attention to onnx.Attention ---===//

#include "passes/Folding/Literal.h"
#include "plugins/fuse/Match.h"
#include "kiln/NodeLoc.h"
#include "plugins/fuse/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln::fuse {
#define GEN_PASS_DEF_FUSEATTENTION
#include "plugins/fuse/Passes.h.inc"
} // namespace kiln::fuse

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;
using namespace kiln::fuse;

namespace {

/// A Where fill at or below this is "minus infinity" for a softmax row that keeps at
/// least one key: exp(fill - max) is 0 in every float type.
constexpr double kMaskedFill = -1e30;

RankedTensorType staticType(Value v, int64_t rank) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() && type.getRank() == rank ? type : RankedTensorType();
}

/// Whether `type` (rank 1..4) broadcasts to `scores` without growing it.
bool broadcastsToScores(RankedTensorType type, RankedTensorType scores) {
  if (!type || !type.hasStaticShape() || type.getRank() < 1 || type.getRank() > 4)
    return false;
  for (int64_t i = 0; i < type.getRank(); ++i) {
    int64_t d = type.getDimSize(type.getRank() - 1 - i), want = scores.getDimSize(3 - i);
    if (d != 1 && d != want)
      return false;
  }
  return true;
}

/// Whether `cond` is a constant [1.., S, S] lower-triangular mask (key j visible to
/// query i iff j <= i), which is Attention's is_causal with no past.
bool isCausalMask(Value cond) {
  std::optional<Literal> lit = readConstant(cond);
  if (!lit || lit->shape.size() < 2)
    return false;
  int64_t rank = lit->shape.size(), n = lit->shape[rank - 1];
  if (lit->shape[rank - 2] != n || lit->numElements() != n * n)
    return false;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < n; ++j)
      if ((lit->ints[i * n + j] != 0) != (j <= i))
        return false;
  return true;
}

/// The scores and scale of s = QK [/ c | * c]; the QK MatMul must have one user.
MatMulOp matchScaledScores(Value s, double &scale) {
  scale = 1.0;
  if (auto qk = s.getDefiningOp<MatMulOp>())
    return s.hasOneUse() ? qk : MatMulOp();
  if (!s.hasOneUse())
    return {};
  if (auto div = s.getDefiningOp<DivOp>()) {
    std::optional<double> c = getScalar(div.getB(), div.getA());
    auto qk = div.getA().getDefiningOp<MatMulOp>();
    if (!c || *c == 0 || !qk || !div.getA().hasOneUse())
      return {};
    scale = 1.0 / *c;
    return qk;
  }
  if (auto mul = s.getDefiningOp<MulOp>()) {
    for (int i = 0; i < 2; ++i) {
      auto qk = mul->getOperand(i).getDefiningOp<MatMulOp>();
      std::optional<double> c = getScalar(mul->getOperand(1 - i), mul->getOperand(i));
      if (qk && c && mul->getOperand(i).hasOneUse()) {
        scale = *c;
        return qk;
      }
    }
  }
  return {};
}

// MatMul(Softmax(MatMul(Q, Kt) * scale + mask, axis = -1), V)
//   = Attention(Q, Transpose(Kt, [0, 1, 3, 2]), V, mask) {scale}
struct FuseAttention : OpRewritePattern<MatMulOp> {
  FuseAttention(MLIRContext *ctx, kiln::PassStatistic &count, kiln::PassStatistic &causalCount)
      : OpRewritePattern(ctx), count(count), causalCount(causalCount) {}

  LogicalResult matchAndRewrite(MatMulOp pv, PatternRewriter &rewriter) const override {
    auto softmax = pv.getA().getDefiningOp<SoftmaxOp>();
    if (!softmax || !pv.getA().hasOneUse())
      return rewriter.notifyMatchFailure(pv, "A is not a Softmax with one user");
    int64_t axis = static_cast<int64_t>(softmax.getAxis());
    if (axis != -1 && axis != 3)
      return rewriter.notifyMatchFailure(pv, "Softmax is not over the last axis");
    Value masked = softmax.getInput();
    if (!masked.hasOneUse())
      return rewriter.notifyMatchFailure(pv, "the scores have other users");

    // The mask: Add(scores, mask) in either order, Where(cond, scores, fill), or none.
    double scale = 1.0;
    MatMulOp qk;
    Value mask, cond;
    double fill = 0;
    if (auto add = masked.getDefiningOp<AddOp>()) {
      for (int i = 0; i < 2 && !qk; ++i)
        if ((qk = matchScaledScores(add->getOperand(i), scale)))
          mask = add->getOperand(1 - i);
    } else if (auto where = masked.getDefiningOp<WhereOp>()) {
      qk = matchScaledScores(where.getX(), scale);
      std::optional<double> f = qk ? getScalar(where.getY(), where.getX()) : std::nullopt;
      if (!f || *f > kMaskedFill)
        return rewriter.notifyMatchFailure(pv, "the Where fill is not a scalar <= -1e30");
      cond = where.getCondition();
      fill = *f;
    } else {
      qk = matchScaledScores(masked, scale);
    }
    if (!qk)
      return rewriter.notifyMatchFailure(pv, "no MatMul(Q, Kt) [scaled] under the Softmax");

    Value q = qk.getA(), kt = qk.getB(), v = pv.getB();
    RankedTensorType qType = staticType(q, 4), ktType = staticType(kt, 4),
                     vType = staticType(v, 4), yType = staticType(pv.getResult(), 4),
                     sType = staticType(qk.getResult(), 4);
    if (!qType || !ktType || !vType || !yType || !sType)
      return rewriter.notifyMatchFailure(pv, "Q, Kt, V are not static 4-D tensors");
    Type element = qType.getElementType();
    if (!isa<FloatType>(element) || ktType.getElementType() != element ||
        vType.getElementType() != element)
      return rewriter.notifyMatchFailure(pv, "Q, K and V are not of one float type");
    for (int64_t d = 0; d < 2; ++d)
      if (ktType.getDimSize(d) != qType.getDimSize(d) || vType.getDimSize(d) != qType.getDimSize(d))
        return rewriter.notifyMatchFailure(pv, "Q, K and V differ in batch or heads");
    if (ktType.getDimSize(2) != qType.getDimSize(3) || vType.getDimSize(2) != ktType.getDimSize(3))
      return rewriter.notifyMatchFailure(pv, "the contraction sizes do not agree");
    if (mask && (!broadcastsToScores(dyn_cast<RankedTensorType>(mask.getType()), sType) ||
                 !isa<FloatType>(cast<RankedTensorType>(mask.getType()).getElementType())))
      return rewriter.notifyMatchFailure(pv, "the mask is not float and broadcastable to scores");
    if (cond && !broadcastsToScores(dyn_cast<RankedTensorType>(cond.getType()), sType))
      return rewriter.notifyMatchFailure(pv, "the Where condition is not broadcastable to scores");

    Location loc = kiln::replacedNodesLoc({pv.getOperation(), softmax.getOperation()});
    bool causal = false;
    if (cond) {
      if (std::isinf(fill)) {
        mask = cond; // bool: true = attend, else -inf
      } else if (sType.getDimSize(2) == sType.getDimSize(3) && isCausalMask(cond)) {
        causal = true;
      } else {
        // Where(cond, s, fill) = s + Where(cond, 0, fill) to within rounding of s + fill,
        // both exp to 0 after the max subtraction.
        auto scalar = [&](double value) {
          Literal lit = Literal::zeros({}, element);
          lit.floats = {value};
          return createConstant(rewriter, loc, lit);
        };
        auto condType = cast<RankedTensorType>(cond.getType());
        mask = WhereOp::create(rewriter, loc, TypeRange{condType.clone(element)},
                               ValueRange{cond, scalar(0.0), scalar(fill)},
                               ArrayRef<NamedAttribute>{});
      }
    }

    // K = Transpose(Kt, [0, 1, 3, 2]), merged with a Transpose that made Kt.
    SmallVector<int64_t> perm{0, 1, 3, 2};
    Value kSource = kt;
    if (auto t = kt.getDefiningOp<TransposeOp>()) {
      if (std::optional<ArrayRef<int64_t>> p = t.getPerm(); p && p->size() == 4) {
        perm = {(*p)[0], (*p)[1], (*p)[3], (*p)[2]};
        kSource = t.getData();
      }
    }
    SmallVector<int64_t> kShape{ktType.getDimSize(0), ktType.getDimSize(1), ktType.getDimSize(3),
                                ktType.getDimSize(2)};
    Value k = kSource;
    if (perm != SmallVector<int64_t>{0, 1, 2, 3})
      k = TransposeOp::create(rewriter, loc, TypeRange{RankedTensorType::get(kShape, element)},
                              ValueRange{kSource},
                              ArrayRef<NamedAttribute>{
                                  rewriter.getNamedAttr("perm", rewriter.getDenseI64ArrayAttr(perm))});

    Value none = NoValueOp::create(rewriter, loc, rewriter.getNoneType());
    Type noneType = rewriter.getNoneType();
    SmallVector<NamedAttribute> attrs{
        rewriter.getNamedAttr("scale", rewriter.getF32FloatAttr(static_cast<float>(scale)))};
    if (causal)
      attrs.push_back(rewriter.getNamedAttr("is_causal", rewriter.getI64IntegerAttr(1)));
    auto attention = AttentionOp::create(
        rewriter, loc, TypeRange{pv.getType(), noneType, noneType, noneType},
        ValueRange{q, k, v, mask ? mask : none, none, none, none}, attrs);
    rewriter.replaceOp(pv, attention.getY());
    ++count;
    if (causal)
      ++causalCount;
    return success();
  }

  kiln::PassStatistic &count, &causalCount;
};

} // namespace

namespace kiln::fuse {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FuseAttentionPass : impl::FuseAttentionBase<FuseAttentionPass> {
  kiln::PassStatistic numAttention{this, "attention", "Attention subgraphs fused"};
  kiln::PassStatistic numCausal{this, "attention-causal",
                                "... of which with a causal Where mask as is_causal"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseAttention>(&getContext(), numAttention, numCausal);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace kiln::fuse
