//===- FuseBias.cpp - Constant bias additions into Conv and Gemm ------------===//

#include "plugins/fuse/ConvUtils.h"
#include "plugins/fuse/Match.h"
#include "kiln/NodeLoc.h"
#include "plugins/fuse/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::fuse {
#define GEN_PASS_DEF_FUSEBIAS
#include "plugins/fuse/Passes.h.inc"
} // namespace kiln::fuse

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;
using namespace kiln::fuse;

namespace {

struct Counters {
  kiln::PassStatistic &matmul, &gemm, &conv, &withActivation;
  void countActivation(Operation *op) {
    Value result = op->getResult(0);
    if (result.hasOneUse() && isFusableActivation(*result.getUsers().begin()))
      ++withActivation;
  }
};

/// Whether `shape` broadcasts to [m, n] without growing (Gemm's C).
bool broadcastsTo(ArrayRef<int64_t> shape, int64_t m, int64_t n) {
  if (shape.size() > 2)
    return false;
  int64_t want[2] = {m, n};
  for (size_t i = 0; i < shape.size(); ++i) {
    int64_t d = shape[shape.size() - 1 - i], w = want[1 - i];
    if (d != 1 && d != w)
      return false;
  }
  return true;
}

// Add(Conv(x, W, B), c) = Conv(x, W, B + c) for c constant per output channel;
// Add(MatMul(a, w), bias) = Gemm(a, w, bias) for 2-D a and w;
// Add(Gemm(a, b, C), bias) = Gemm(a, b, beta * C + bias) with beta = 1.
struct FoldAdd : OpRewritePattern<AddOp> {
  FoldAdd(MLIRContext *ctx, Counters &counters) : OpRewritePattern(ctx), counters(counters) {}

  LogicalResult matchAndRewrite(AddOp add, PatternRewriter &rewriter) const override {
    for (int i = 0; i < 2; ++i) {
      Value producer = add->getOperand(i), bias = add->getOperand(1 - i);
      if (!producer.hasOneUse() || !isConstant(bias) || !isRankedFloat(producer))
        continue;
      Operation *def = producer.getDefiningOp();
      if (isa_and_nonnull<ConvOp>(def) && succeeded(foldIntoConv(add, producer, bias, rewriter)))
        return success();
      if (isa_and_nonnull<MatMulOp>(def) && succeeded(matmulToGemm(add, producer, bias, rewriter)))
        return success();
      if (isa_and_nonnull<GemmOp>(def) && succeeded(foldIntoGemm(add, producer, bias, rewriter)))
        return success();
    }
    return rewriter.notifyMatchFailure(add, "not Conv, MatMul or Gemm plus a constant bias");
  }

  LogicalResult foldIntoConv(AddOp add, Value convOut, Value c, PatternRewriter &rewriter) const {
    std::optional<ConstConv> conv = matchConstConv(convOut);
    std::optional<Literal> lit = readConstant(c);
    if (!conv || !lit || lit->elementType != conv->weight.elementType)
      return failure();
    auto outType = cast<RankedTensorType>(convOut.getType());
    std::optional<std::vector<double>> t =
        perChannel(*lit, outType.getRank(), conv->outChannels());
    if (!t)
      return failure();
    Literal bias = conv->bias;
    for (size_t o = 0; o < t->size(); ++o)
      bias.floats[o] = roundToFloatType(bias.floats[o] + (*t)[o], bias.elementType);
    ConvOp fused = replaceConv(rewriter, add, *conv, conv->weight, bias);
    ++counters.conv;
    counters.countActivation(fused);
    return success();
  }

  LogicalResult matmulToGemm(AddOp add, Value mmOut, Value bias, PatternRewriter &rewriter) const {
    auto mm = mmOut.getDefiningOp<MatMulOp>();
    auto aType = dyn_cast<RankedTensorType>(mm.getA().getType());
    auto bType = dyn_cast<RankedTensorType>(mm.getB().getType());
    auto outType = cast<RankedTensorType>(mmOut.getType());
    auto biasType = cast<RankedTensorType>(bias.getType());
    if (!aType || !bType || aType.getRank() != 2 || bType.getRank() != 2 ||
        biasType.getElementType() != outType.getElementType() ||
        !broadcastsTo(biasType.getShape(), outType.getDimSize(0), outType.getDimSize(1)))
      return failure();
    Location loc = kiln::replacedNodesLoc({mm.getOperation(), add.getOperation()});
    auto gemm = GemmOp::create(rewriter, loc, TypeRange{add.getType()},
                               ValueRange{mm.getA(), mm.getB(), bias}, ArrayRef<NamedAttribute>{});
    rewriter.replaceOp(add, gemm->getResults());
    rewriter.eraseOp(mm);
    ++counters.matmul;
    counters.countActivation(gemm);
    return success();
  }

  LogicalResult foldIntoGemm(AddOp add, Value gemmOut, Value bias, PatternRewriter &rewriter) const {
    auto gemm = gemmOut.getDefiningOp<GemmOp>();
    auto outType = cast<RankedTensorType>(gemmOut.getType());
    if (outType.getRank() != 2)
      return failure();
    std::optional<Literal> b = readConstant(bias);
    if (!b || b->elementType != outType.getElementType())
      return failure();
    Literal c = Literal::zeros({}, b->elementType);
    c.floats = {0.0};
    double beta = gemm.getBeta().convertToDouble();
    if (!isa<NoneType>(gemm.getC().getType())) {
      std::optional<Literal> old = isConstant(gemm.getC()) ? readConstant(gemm.getC()) : std::nullopt;
      if (!old || old->elementType != b->elementType)
        return failure();
      c = std::move(*old);
    }
    std::optional<SmallVector<int64_t>> shape = broadcastShapes(c.shape, b->shape);
    if (!shape || !broadcastsTo(*shape, outType.getDimSize(0), outType.getDimSize(1)))
      return failure();
    Literal sum = Literal::zeros(*shape, b->elementType);
    std::vector<int64_t> ic = broadcastIndices(c.shape, *shape),
                         ib = broadcastIndices(b->shape, *shape);
    for (size_t i = 0; i < ic.size(); ++i)
      sum.floats[i] = roundToFloatType(beta * c.floats[ic[i]] + b->floats[ib[i]], sum.elementType);
    Location loc = kiln::replacedNodesLoc({gemm.getOperation(), add.getOperation()});
    Value newC = createConstant(rewriter, loc, sum);
    auto fused = cast<GemmOp>(rewriter.clone(*gemm));
    fused->setLoc(loc);
    fused->setOperand(2, newC);
    fused.setBetaAttr(rewriter.getF32FloatAttr(1.0));
    fused.getResult().setType(cast<TensorType>(add.getType()));
    rewriter.replaceOp(add, fused->getResults());
    rewriter.eraseOp(gemm);
    ++counters.gemm;
    counters.countActivation(fused);
    return success();
  }

  Counters &counters;
};

} // namespace

namespace kiln::fuse {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct FuseBiasPass : impl::FuseBiasBase<FuseBiasPass> {
  kiln::PassStatistic numMatMulToGemm{this, "matmul-bias-to-gemm", "MatMul + Add(bias) made Gemm"};
  kiln::PassStatistic numGemmBias{this, "gemm-bias", "Add(bias) folded into Gemm's C"};
  kiln::PassStatistic numConvBias{this, "conv-bias", "Add(bias) folded into Conv's B"};
  kiln::PassStatistic numWithActivation{this, "bias-with-activation",
                                        "Rewritten Conv/Gemm whose only user is an activation"};

  void runOnOperation() override {
    Counters counters{numMatMulToGemm, numGemmBias, numConvBias, numWithActivation};
    RewritePatternSet patterns(&getContext());
    patterns.add<FoldAdd>(&getContext(), counters);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
  }
};

} // namespace kiln::fuse
