//===- FuseLayerNorm.cpp - Decomposed LayerNorm to LayerNormalization -------===//

#include "passes/Folding/Literal.h"
#include "plugins/fuse/Match.h"
#include "kiln/NodeLoc.h"
#include "plugins/fuse/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::fuse {
#define GEN_PASS_DEF_FUSELAYERNORM
#include "plugins/fuse/Passes.h.inc"
} // namespace kiln::fuse

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;
using namespace kiln::fuse;

namespace {

/// For ReduceMean(x) with keepdims over the trailing axes of a rank-`rank` x, the first
/// reduced axis (`rank - count`); nullopt for any other reduction.
std::optional<int64_t> trailingMeanAxis(Operation *op, Value &input) {
  SmallVector<int64_t> axes;
  int64_t keepdims;
  if (auto mean = dyn_cast_or_null<ReduceMeanOp>(op)) {
    std::optional<Literal> lit = readConstant(mean.getAxes());
    if (!lit || lit->isFloat())
      return std::nullopt;
    axes.assign(lit->ints.begin(), lit->ints.end());
    keepdims = mean.getKeepdims();
    input = mean.getData();
  } else if (auto old = dyn_cast_or_null<ReduceMeanV13Op>(op)) {
    std::optional<ArrayRef<int64_t>> attr = old.getAxes();
    if (!attr)
      return std::nullopt;
    axes.assign(attr->begin(), attr->end());
    keepdims = old.getKeepdims();
    input = old.getData();
  } else {
    return std::nullopt;
  }
  auto type = dyn_cast<RankedTensorType>(input.getType());
  if (!type || keepdims != 1 || axes.empty())
    return std::nullopt;
  int64_t rank = type.getRank();
  for (int64_t &a : axes) {
    if (a < -rank || a >= rank)
      return std::nullopt;
    a = a < 0 ? a + rank : a;
  }
  llvm::sort(axes);
  for (size_t i = 0; i < axes.size(); ++i)
    if (axes[i] != rank - static_cast<int64_t>(axes.size() - i))
      return std::nullopt;
  return axes.front();
}

/// Whether `p` (gamma or beta) varies only over the normalized dims of x and
/// broadcasting it against x does not change x's shape.
bool isNormalizedParam(Value p, RankedTensorType xType, int64_t axis) {
  auto type = dyn_cast<RankedTensorType>(p.getType());
  if (!type || type.getElementType() != xType.getElementType() ||
      type.getRank() > xType.getRank() - axis)
    return false;
  ArrayRef<int64_t> xs = xType.getShape().take_back(type.getRank());
  for (auto [d, x] : llvm::zip(type.getShape(), xs))
    if (d != 1 && (ShapedType::isDynamic(d) || d != x))
      return false;
  return true;
}

// (x - m) / Sqrt(ReduceMean((x - m)^2) + eps) * gamma + beta, m = ReduceMean(x)
//   = LayerNormalization(x, gamma, beta, epsilon = eps).
struct FuseLayerNorm : OpRewritePattern<DivOp> {
  FuseLayerNorm(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), count(count) {}

  LogicalResult matchAndRewrite(DivOp div, PatternRewriter &rewriter) const override {
    Value d = div.getA();
    auto sqrt = div.getB().getDefiningOp<SqrtOp>();
    if (!sqrt || !sqrt->hasOneUse())
      return rewriter.notifyMatchFailure(div, "divisor is not Sqrt with one user");
    auto addEps = sqrt.getX().getDefiningOp<AddOp>();
    if (!addEps || !addEps->hasOneUse())
      return rewriter.notifyMatchFailure(div, "Sqrt's input is not Add(var, eps)");
    // var + eps in either order; the variance is the one that is a ReduceMean.
    Value var, eps;
    for (int i = 0; i < 2 && !var; ++i)
      if (isa_and_nonnull<ReduceMeanOp, ReduceMeanV13Op>(addEps->getOperand(i).getDefiningOp())) {
        var = addEps->getOperand(i);
        eps = addEps->getOperand(1 - i);
      }
    std::optional<double> epsilon = var ? getScalar(eps, var) : std::nullopt;
    if (!epsilon || !var.hasOneUse())
      return rewriter.notifyMatchFailure(div, "no ReduceMean + scalar epsilon under the Sqrt");
    Value squared;
    std::optional<int64_t> varAxis = trailingMeanAxis(var.getDefiningOp(), squared);
    Operation *sq = squared ? squared.getDefiningOp() : nullptr;
    bool isSquare = (isa_and_nonnull<PowOp>(sq) && sq->getOperand(0) == d &&
                     isScalar(sq->getOperand(1), d, 2.0)) ||
                    (isa_and_nonnull<MulOp>(sq) && sq->getOperand(0) == d &&
                     sq->getOperand(1) == d);
    if (!varAxis || !isSquare || !squared.hasOneUse())
      return rewriter.notifyMatchFailure(div, "the variance is not the mean of (x - mean)^2");
    auto sub = d.getDefiningOp<SubOp>();
    if (!sub || llvm::any_of(d.getUsers(), [&](Operation *u) { return u != sq && u != div; }))
      return rewriter.notifyMatchFailure(div, "the deviation is not Sub used only here");
    Value x;
    std::optional<int64_t> meanAxis = trailingMeanAxis(sub.getB().getDefiningOp(), x);
    if (!meanAxis || *meanAxis != *varAxis || x != sub.getA() || !sub.getB().hasOneUse())
      return rewriter.notifyMatchFailure(div, "x - ReduceMean(x) over the same axes not found");
    auto xType = cast<RankedTensorType>(x.getType());
    if (!isa<FloatType>(xType.getElementType()) || div.getType() != xType)
      return rewriter.notifyMatchFailure(div, "x is not a float tensor of the result's type");

    // Optional scale and shift: Mul(n, gamma) then Add(., beta), in either order.
    int64_t axis = *varAxis;
    Operation *root = div;
    Value gamma, beta;
    auto single = [](Operation *op) -> Operation * {
      Value r = op->getResult(0);
      return r.hasOneUse() ? *r.getUsers().begin() : nullptr;
    };
    if (Operation *user = single(root)) {
      Value g = otherOperand<MulOp>(user, root->getResult(0));
      if (g && g != root->getResult(0) && isNormalizedParam(g, xType, axis)) {
        gamma = g;
        root = user;
      }
    }
    if (Operation *user = single(root)) {
      Value b = otherOperand<AddOp>(user, root->getResult(0));
      if (b && b != root->getResult(0) && isNormalizedParam(b, xType, axis)) {
        beta = b;
        root = user;
      }
    }
    Location loc = kiln::replacedNodesLoc({root, div.getOperation(), sub.getOperation()});
    if (!gamma) {
      Literal ones = Literal::zeros({1}, xType.getElementType());
      ones.floats = {1.0};
      gamma = createConstant(rewriter, loc, ones);
    }
    if (!beta)
      beta = NoValueOp::create(rewriter, loc, rewriter.getNoneType());
    Type none = rewriter.getNoneType();
    auto ln = LayerNormalizationOp::create(
        rewriter, loc, TypeRange{root->getResult(0).getType(), none, none},
        ValueRange{x, gamma, beta},
        ArrayRef<NamedAttribute>{
            rewriter.getNamedAttr("axis", rewriter.getI64IntegerAttr(axis - xType.getRank())),
            rewriter.getNamedAttr("epsilon", rewriter.getF32FloatAttr(*epsilon)),
            rewriter.getNamedAttr("stash_type",
                                  rewriter.getI64IntegerAttr(xType.getElementType().isF64() ? 0
                                                                                            : 1))});
    rewriter.replaceOp(root, ln.getY());
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

} // namespace

namespace kiln::fuse {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FuseLayerNormPass : impl::FuseLayerNormBase<FuseLayerNormPass> {
  kiln::PassStatistic numLayerNorm{this, "layer-norm", "Decomposed LayerNorms fused"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseLayerNorm>(&getContext(), numLayerNorm);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace kiln::fuse
