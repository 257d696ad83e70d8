//===- FuseGelu.cpp - Decomposed GELU to onnx.Gelu --------------------------===//

#include "plugins/fuse/Match.h"
#include "kiln/NodeLoc.h"
#include "plugins/fuse/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::fuse {
#define GEN_PASS_DEF_FUSEGELU
#include "plugins/fuse/Passes.h.inc"
} // namespace kiln::fuse

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::fuse;

namespace {

constexpr double kSqrt2 = 1.4142135623730951;
constexpr double kSqrt2OverPi = 0.7978845608028654;
constexpr double kCubic = 0.044715;
/// Irrational constants are stored rounded to f32 (or f16); accept that rounding.
constexpr double kTolerance = 1e-6;

/// x for z = x / sqrt(2) or z = x * (1 / sqrt(2)), in either operand order for Mul.
Value matchErfArgument(Value z) {
  if (!z.hasOneUse())
    return {};
  if (auto div = z.getDefiningOp<DivOp>())
    return isScalar(div.getB(), div.getA(), kSqrt2, kTolerance) ? div.getA() : Value();
  if (auto mul = z.getDefiningOp<MulOp>())
    for (int i = 0; i < 2; ++i)
      if (isScalar(mul->getOperand(1 - i), mul->getOperand(i), 1.0 / kSqrt2, kTolerance))
        return mul->getOperand(i);
  return {};
}

/// Whether `v` is x^3: Pow(x, 3) or a product of three x.
bool isCube(Value v, Value x) {
  if (auto pow = v.getDefiningOp<PowOp>())
    return v.hasOneUse() && pow.getX() == x && isScalar(pow.getY(), x, 3.0);
  if (!v.getDefiningOp<MulOp>() || !v.hasOneUse())
    return false;
  SmallVector<Value> leaves = collectFactors(v);
  return leaves.size() == 3 && llvm::all_of(leaves, [&](Value l) { return l == x; });
}

/// x for t = sqrt(2/pi) * (x + 0.044715 * x^3), products in any order and nesting.
Value matchTanhArgument(Value t) {
  if (!t.hasOneUse() || !t.getDefiningOp<MulOp>())
    return {};
  SmallVector<Value> outer = collectFactors(t);
  if (outer.size() != 2)
    return {};
  for (int i = 0; i < 2; ++i) {
    Value inner = outer[i], c = outer[1 - i];
    auto add = inner.getDefiningOp<AddOp>();
    if (!add || !inner.hasOneUse() || !isScalar(c, inner, kSqrt2OverPi, kTolerance))
      continue;
    for (int j = 0; j < 2; ++j) {
      Value x = add->getOperand(j), term = add->getOperand(1 - j);
      if (!term.getDefiningOp<MulOp>() || !term.hasOneUse())
        continue;
      // term = 0.044715 * x^3: one scalar factor, the rest x^3 as a Pow or x, x, x.
      SmallVector<Value> factors = collectFactors(term);
      auto scalar = llvm::find_if(factors, [&](Value f) { return isScalar(f, x, kCubic, kTolerance); });
      if (scalar == factors.end())
        continue;
      factors.erase(scalar);
      bool cube = (factors.size() == 1 && isCube(factors[0], x)) ||
                  (factors.size() == 3 && llvm::all_of(factors, [&](Value f) { return f == x; })) ||
                  (factors.size() == 2 && llvm::is_contained(factors, x) &&
                   llvm::any_of(factors, [&](Value f) {
                     auto sq = f.getDefiningOp<MulOp>();
                     return sq && f.hasOneUse() && sq.getA() == x && sq.getB() == x;
                   }));
      if (cube)
        return x;
    }
  }
  return {};
}

// x * 0.5 * (1 + Erf(x / sqrt(2)))                         = Gelu(x)
// x * 0.5 * (1 + Tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))  = Gelu(x, approximate = "tanh")
struct FuseGelu : OpRewritePattern<MulOp> {
  FuseGelu(MLIRContext *ctx, kiln::PassStatistic &erfCount, kiln::PassStatistic &tanhCount)
      : OpRewritePattern(ctx), erfCount(erfCount), tanhCount(tanhCount) {}

  LogicalResult matchAndRewrite(MulOp root, PatternRewriter &rewriter) const override {
    SmallVector<Value> leaves = collectFactors(root);
    if (leaves.size() != 3)
      return rewriter.notifyMatchFailure(root, "not a product of three factors");
    for (Value leaf : leaves) {
      // The factor 1 + Erf(.) or 1 + Tanh(.).
      auto add = leaf.getDefiningOp<AddOp>();
      if (!add || !leaf.hasOneUse())
        continue;
      for (int i = 0; i < 2; ++i) {
        Value inner = add->getOperand(i);
        if (!isScalar(add->getOperand(1 - i), inner, 1.0) || !inner.hasOneUse())
          continue;
        Value x;
        bool isTanh = false;
        if (auto erf = inner.getDefiningOp<ErfOp>()) {
          x = matchErfArgument(erf.getInput());
        } else if (auto tanh = inner.getDefiningOp<TanhOp>()) {
          x = matchTanhArgument(tanh.getInput());
          isTanh = true;
        }
        if (!x || !isRankedFloat(x) || x.getType() != root.getType())
          continue;
        // The other two factors: x and 0.5.
        SmallVector<Value> rest(leaves);
        takeLeaf(rest, leaf);
        if (!takeLeaf(rest, x) || rest.size() != 1 || !isScalar(rest[0], x, 0.5))
          continue;
        SmallVector<NamedAttribute> attrs;
        if (isTanh)
          attrs.push_back(rewriter.getNamedAttr("approximate", rewriter.getStringAttr("tanh")));
        Location loc = kiln::replacedNodesLoc({root.getOperation(), add.getOperation(),
                                               inner.getDefiningOp()});
        auto gelu = GeluOp::create(rewriter, loc, TypeRange{root.getType()},
                                   ValueRange{x}, attrs);
        rewriter.replaceOp(root, gelu->getResults());
        ++(isTanh ? tanhCount : erfCount);
        return success();
      }
    }
    return rewriter.notifyMatchFailure(root, "no x * 0.5 * (1 + Erf|Tanh(...)) factors");
  }

  kiln::PassStatistic &erfCount, &tanhCount;
};

} // namespace

namespace kiln::fuse {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FuseGeluPass : impl::FuseGeluBase<FuseGeluPass> {
  kiln::PassStatistic numErf{this, "gelu-erf", "Erf-form GELUs fused"};
  kiln::PassStatistic numTanh{this, "gelu-tanh", "Tanh-form GELUs fused"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FuseGelu>(&getContext(), numErf, numTanh);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace kiln::fuse
