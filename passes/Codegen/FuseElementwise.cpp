//===- FuseElementwise.cpp - Elementwise fusion that keeps contractions whole ---===//
//
// Upstream's linalg-fuse-elementwise-ops, with one difference: a contraction (matmul,
// the im2col form of a convolution) is never reshaped or fused into. Upstream would push
// the expand_shape after a [b*s, K] x [K, N] matmul, or after the [N, M, OH*OW] conv
// contraction, up into the contraction, giving it several n dims (oh, ow) and short
// vector rows; kiln-lower-contractions wants the collapsed form, and fuses the
// elementwise consumers as its epilogue itself, looking through the expand_shape. A
// copy that moves the innermost dim is not fused into its consumers either.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Affine/IR/AffineOps.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/Transforms/Transforms.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_FUSEELEMENTWISE
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Matmul-like ops and convolutions (window maps such as oh + kh), which the backend
/// lowers to tiled kernels only while their bodies are a plain multiply-accumulate.
bool isContraction(Operation *op) {
  auto linalgOp = dyn_cast_or_null<linalg::LinalgOp>(op);
  return linalgOp && (linalg::isaContractionOpInterface(linalgOp) ||
                      linalg::isaConvolutionOpInterface(linalgOp));
}

/// A generic that only copies its input to a permutation of it that moves the innermost
/// dim (ConvTranspose's permutation of taps). It runs in the order that reads its input
/// row by row; fused into an elementwise consumer it would run in the consumer's order,
/// reading across rows, and the consumer's body would no longer vectorize (a Sigmoid
/// after a 2x2 stride-2 ConvTranspose: 2 ms instead of 0.2).
bool isInnermostMovingCopy(Operation *op) {
  auto generic = dyn_cast_or_null<linalg::GenericOp>(op);
  if (!generic || generic.getNumDpsInputs() != 1 || generic.getNumDpsInits() != 1)
    return false;
  Block *body = generic.getBody();
  if (body->getTerminator()->getOperand(0) != body->getArgument(0))
    return false;
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  return maps[0].isPermutation() && maps[1].isPermutation() && maps[0].getNumResults() > 0 &&
         maps[0].getResults().back() != maps[1].getResults().back();
}

/// A collapse_shape of such a copy's result whose innermost group merges dims into a row
/// of which the innermost is shorter than a vector: expanding its consumer through it
/// (upstream's reshape propagation) would give the consumer that short innermost loop (a
/// [.., 320, 2] view of a [.., 640] row), which does not vectorize. (Other collapses
/// propagate: the 8-bit convolutions' widenings rely on it.)
bool collapsesShortInnermost(Operation *op) {
  auto collapse = dyn_cast<tensor::CollapseShapeOp>(op);
  if (!collapse || !isInnermostMovingCopy(collapse.getSrc().getDefiningOp()))
    return false;
  SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
  ArrayRef<int64_t> shape = collapse.getSrcType().getShape();
  return !groups.empty() && groups.back().size() > 1 && !ShapedType::isDynamic(shape.back()) &&
         shape.back() < 16;
}

/// The CPU backend vectorizes generics marked `kiln.vectorize` (Winograd's transforms)
/// itself; a fused op keeps the mark of the ops it was made from. Fusion builds the fused
/// generic right before the consumer (which the control function below marks when the
/// producer is marked), then redirects the consumer's uses and erases it; a rewrite of a
/// marked generic (canonicalization) likewise builds its replacement before it.
constexpr llvm::StringLiteral kVectorize = "kiln.vectorize";

struct KeepVectorizeMark : RewriterBase::Listener {
  void notifyOperationInserted(Operation *op, OpBuilder::InsertPoint) override {
    Operation *next = op->getNextNode();
    if (isa<linalg::GenericOp>(op) && next && isa<linalg::GenericOp>(next) &&
        next->hasAttr(kVectorize))
      op->setAttr(kVectorize, UnitAttr::get(op->getContext()));
  }
};

struct FuseElementwisePass : kiln::impl::FuseElementwiseBase<FuseElementwisePass> {
  void runOnOperation() override {
    MLIRContext *ctx = &getContext();
    // With dynamic sizes a producer's result also feeds the tensor.dim ops that size its
    // consumers' outputs; those are resolved to the producer's own operands (the
    // ResolveShapedTypeResultDims patterns below) and do not count as uses.
    linalg::ControlFusionFn control = [](OpOperand *fused) {
      Operation *producer = fused->get().getDefiningOp();
      if (!producer || producer->getNumResults() != 1)
        return false;
      int64_t uses = llvm::count_if(producer->getUses(), [](OpOperand &use) {
        return !isa<tensor::DimOp>(use.getOwner());
      });
      if (uses != 1)
        return false;
      if (isContraction(producer) || isContraction(fused->getOwner()) ||
          isInnermostMovingCopy(producer) || collapsesShortInnermost(producer))
        return false;
      // The consumer, which the fused op replaces, carries the producer's mark.
      if (producer->hasAttr(kVectorize))
        fused->getOwner()->setAttr(kVectorize, UnitAttr::get(producer->getContext()));
      return true;
    };
    RewritePatternSet patterns(ctx);
    linalg::populateElementwiseOpsFusionPatterns(patterns, control);
    linalg::populateFoldReshapeOpsByExpansionPatterns(patterns, control);
    tensor::populateBubbleUpExpandShapePatterns(patterns);
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    memref::populateResolveShapedTypeResultDimsPatterns(patterns);
    affine::AffineApplyOp::getCanonicalizationPatterns(patterns, ctx);
    linalg::GenericOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::ExpandShapeOp::getCanonicalizationPatterns(patterns, ctx);
    tensor::CollapseShapeOp::getCanonicalizationPatterns(patterns, ctx);
    ctx->getLoadedDialect<linalg::LinalgDialect>()->getCanonicalizationPatterns(patterns);
    linalg::populateConstantFoldLinalgOperations(patterns, control);
    KeepVectorizeMark listener;
    if (failed(applyPatternsGreedily(
            getOperation(), std::move(patterns),
            GreedyRewriteConfig().setUseTopDownTraversal().setListener(&listener))))
      signalPassFailure();
  }
};

} // namespace
