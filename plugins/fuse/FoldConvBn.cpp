//===- FoldConvBn.cpp - BatchNormalization and Mul into Conv ----------------===//

#include "plugins/fuse/ConvUtils.h"
#include "plugins/fuse/Match.h"
#include "plugins/fuse/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

namespace kiln::fuse {
#define GEN_PASS_DEF_FOLDCONVBN
#include "plugins/fuse/Passes.h.inc"
} // namespace kiln::fuse

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;
using namespace kiln::fuse;

namespace {

/// Conv(x, W, B) scaled by s[o] per output channel and shifted by t[o]:
/// W'[o] = W[o] * s[o], B'[o] = B[o] * s[o] + t[o].
ConvOp scaleConv(PatternRewriter &rewriter, Operation *replaced, const ConstConv &conv,
                 ArrayRef<double> s, ArrayRef<double> t) {
  Literal weight = conv.weight, bias = conv.bias;
  int64_t channels = conv.outChannels(), per = weight.numElements() / channels;
  for (int64_t o = 0; o < channels; ++o) {
    for (int64_t i = 0; i < per; ++i) {
      double &w = weight.floats[o * per + i];
      w = roundToFloatType(w * s[o], weight.elementType);
    }
    bias.floats[o] = roundToFloatType(bias.floats[o] * s[o] + t[o], bias.elementType);
  }
  return replaceConv(rewriter, replaced, conv, weight, bias);
}

// BatchNormalization(Conv(x, W, B)) = Conv(x, W * s, (B - mean) * s + beta),
// s = gamma / sqrt(var + epsilon).
struct FoldBatchNorm : OpRewritePattern<BatchNormalizationOp> {
  FoldBatchNorm(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), count(count) {}

  LogicalResult matchAndRewrite(BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    if (bn.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(bn, "training mode");
    if (!bn.getRunningMean().use_empty() || !bn.getRunningVar().use_empty())
      return rewriter.notifyMatchFailure(bn, "running statistics are used");
    std::optional<ConstConv> conv = matchConstConv(bn.getX());
    if (!conv)
      return rewriter.notifyMatchFailure(bn, "X is not a Conv with constant W and B and one user");
    int64_t channels = conv->outChannels();
    SmallVector<Literal> params;
    for (Value v : {bn.getScale(), bn.getB(), bn.getInputMean(), bn.getInputVar()}) {
      std::optional<Literal> p = isConstant(v) ? readConstant(v) : std::nullopt;
      if (!p || !p->isFloat() || p->numElements() != channels || p->shape.size() != 1)
        return rewriter.notifyMatchFailure(bn, "scale, B, mean and var are not constant [C]");
      params.push_back(std::move(*p));
    }
    double epsilon = bn.getEpsilon().convertToDouble();
    std::vector<double> s(channels), t(channels);
    for (int64_t o = 0; o < channels; ++o) {
      s[o] = params[0].floats[o] / std::sqrt(params[3].floats[o] + epsilon);
      t[o] = params[1].floats[o] - params[2].floats[o] * s[o];
    }
    scaleConv(rewriter, bn, *conv, s, t);
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

// BatchNormalization(x) in inference mode with constant statistics, when it does not
// follow a foldable Conv (DenseNet's pre-activation BN, a BN after a Concat or a pool),
// = Add(Mul(x, s), t) with s = scale / sqrt(var + epsilon), t = B - mean * s, both
// [C, 1, ..., 1] and computed in double, rounded once. The two elementwise ops fuse
// with their neighbours and let the layout plugin move Transposes through them.
struct BatchNormToAffine : OpRewritePattern<BatchNormalizationOp> {
  BatchNormToAffine(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx, /*benefit=*/1), count(count) {}

  LogicalResult matchAndRewrite(BatchNormalizationOp bn,
                                PatternRewriter &rewriter) const override {
    if (bn.getTrainingMode() != 0)
      return rewriter.notifyMatchFailure(bn, "training mode");
    if (!bn.getRunningMean().use_empty() || !bn.getRunningVar().use_empty())
      return rewriter.notifyMatchFailure(bn, "running statistics are used");
    if (matchConstConv(bn.getX()))
      return rewriter.notifyMatchFailure(bn, "FoldBatchNorm folds it into the Conv");
    auto xType = dyn_cast<RankedTensorType>(bn.getX().getType());
    if (!xType || xType.getRank() < 2 || ShapedType::isDynamic(xType.getDimSize(1)) ||
        xType.getElementType() != bn.getY().getType().getElementType())
      return rewriter.notifyMatchFailure(bn, "X is not ranked with a static channel dim");
    int64_t channels = xType.getDimSize(1);
    SmallVector<Literal> params;
    for (Value v : {bn.getScale(), bn.getB(), bn.getInputMean(), bn.getInputVar()}) {
      std::optional<Literal> p = isConstant(v) ? readConstant(v) : std::nullopt;
      if (!p || !p->isFloat() || p->numElements() != channels || p->shape.size() != 1)
        return rewriter.notifyMatchFailure(bn, "scale, B, mean and var are not constant [C]");
      params.push_back(std::move(*p));
    }
    double epsilon = bn.getEpsilon().convertToDouble();
    SmallVector<int64_t> shape(xType.getRank() - 1, 1);
    shape[0] = channels;
    Literal s = Literal::zeros(shape, xType.getElementType());
    Literal t = Literal::zeros(shape, xType.getElementType());
    for (int64_t c = 0; c < channels; ++c) {
      double scale = params[0].floats[c] / std::sqrt(params[3].floats[c] + epsilon);
      s.floats[c] = roundToFloatType(scale, s.elementType);
      t.floats[c] = roundToFloatType(params[1].floats[c] - params[2].floats[c] * scale,
                                     t.elementType);
    }
    Location loc = bn.getLoc();
    Value scaled = MulOp::create(rewriter, loc, TypeRange{bn.getY().getType()},
                                 ValueRange{bn.getX(), createConstant(rewriter, loc, s)})
                       .getResult();
    Value shifted = AddOp::create(rewriter, loc, TypeRange{bn.getY().getType()},
                                  ValueRange{scaled, createConstant(rewriter, loc, t)})
                        .getResult();
    rewriter.replaceAllUsesWith(bn.getY(), shifted);
    rewriter.eraseOp(bn);
    ++count;
    return success();
  }

  kiln::PassStatistic &count;
};

// Mul(Conv(x, W, B), c) = Conv(x, W * c, B * c) for c constant per output channel.
struct FoldMul : OpRewritePattern<MulOp> {
  FoldMul(MLIRContext *ctx, kiln::PassStatistic &count) : OpRewritePattern(ctx), count(count) {}

  LogicalResult matchAndRewrite(MulOp mul, PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      Value convOut = mul->getOperand(i), c = mul->getOperand(1 - i);
      std::optional<ConstConv> conv = matchConstConv(convOut);
      if (!conv || !isConstant(c))
        continue;
      auto outType = dyn_cast<RankedTensorType>(convOut.getType());
      std::optional<Literal> lit = readConstant(c);
      if (!outType || !lit || lit->elementType != conv->weight.elementType)
        continue;
      std::optional<std::vector<double>> s =
          perChannel(*lit, outType.getRank(), conv->outChannels());
      if (!s)
        continue;
      scaleConv(rewriter, mul, *conv, *s, std::vector<double>(s->size(), 0.0));
      ++count;
      return success();
    }
    return rewriter.notifyMatchFailure(mul, "not Conv times a per-channel constant");
  }

  kiln::PassStatistic &count;
};

} // namespace

namespace kiln::fuse {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FoldConvBnPass : impl::FoldConvBnBase<FoldConvBnPass> {
  kiln::PassStatistic numBatchNorm{this, "conv-batchnorm", "BatchNormalization folded into Conv"};
  kiln::PassStatistic numMul{this, "conv-mul", "Per-channel Mul folded into Conv"};
  kiln::PassStatistic numAffine{this, "batchnorm-affine",
                                "BatchNormalization without a Conv rewritten as Mul and Add"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldBatchNorm>(&getContext(), numBatchNorm);
    patterns.add<FoldMul>(&getContext(), numMul);
    patterns.add<BatchNormToAffine>(&getContext(), numAffine);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace kiln::fuse
