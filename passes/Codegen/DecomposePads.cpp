//===- DecomposePads.cpp - Producers write straight into padded buffers ---===//
//
// A tensor.pad bufferizes to a new buffer, a fill of all of it, and a copy of the source
// into its interior: the padded input of every convolution costs a full extra read and
// write of the activation. Here a pad with a constant value becomes fills of its border
// only (two slabs per padded dim: before and after the source) and a
// tensor.insert_slice of the source; eliminate-empty-tensors (run right after) then lets
// the op producing the source write into the interior of the padded buffer, so neither
// the copy nor a fill of the interior is left. Other pads take upstream's
// DecomposePadOpPattern (one fill of everything, then the insert_slice).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSEPADS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// tensor.pad with a padding value defined outside its region (a constant) as border
/// fills plus the source's insert_slice.
struct PadToBorderFills : OpRewritePattern<tensor::PadOp> {
  PadToBorderFills(MLIRContext *ctx) : OpRewritePattern(ctx, /*benefit=*/2) {}

  LogicalResult matchAndRewrite(tensor::PadOp pad, PatternRewriter &rewriter) const override {
    Value value = pad.getConstantPaddingValue();
    if (!value)
      return rewriter.notifyMatchFailure(pad, "the padding value depends on the position");
    Location loc = pad.getLoc();
    RankedTensorType type = pad.getResultType();
    int64_t rank = type.getRank();
    auto toValue = [&](OpFoldResult r) { return getValueOrCreateConstantIndexOp(rewriter, loc, r); };
    SmallVector<OpFoldResult> low = pad.getMixedLowPad(), high = pad.getMixedHighPad();
    // The padded buffer and its border go before the op producing the source, sized from
    // that op's own result shape, so that eliminate-empty-tensors can make the producer
    // write into the buffer even when sizes are dynamic (the replacement slice must
    // dominate the producer). Otherwise they go at the pad.
    SmallVector<OpFoldResult> srcSizes;
    Operation *producer = pad.getSource().getDefiningOp();
    // Values the pad uses dominate it; those defined in an enclosing block (or block
    // arguments) then dominate the producer too, those of the pad's block must come first.
    auto dominatesProducer = [&](OpFoldResult r) {
      auto v = dyn_cast<Value>(r);
      Operation *def = v ? v.getDefiningOp() : nullptr;
      return !def || def->getBlock() != producer->getBlock() || def->isBeforeInBlock(producer);
    };
    if (producer && producer->getBlock() == pad->getBlock() &&
        dominatesProducer(value) && llvm::all_of(low, dominatesProducer) &&
        llvm::all_of(high, dominatesProducer)) {
      ReifiedRankedShapedTypeDims shapes;
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPoint(producer);
      if (succeeded(reifyResultShapes(rewriter, producer, shapes))) {
        unsigned result = cast<OpResult>(pad.getSource()).getResultNumber();
        srcSizes = shapes[result];
      }
    }
    OpBuilder::InsertionGuard guard(rewriter);
    if (!srcSizes.empty())
      rewriter.setInsertionPoint(producer);
    else
      srcSizes = tensor::getMixedSizes(rewriter, loc, pad.getSource());
    SmallVector<OpFoldResult> sizes;
    SmallVector<Value> dynamicSizes;
    for (int64_t d = 0; d < rank; ++d) {
      if (!type.isDynamicDim(d)) {
        sizes.push_back(rewriter.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      Value size = arith::AddIOp::create(
          rewriter, loc, arith::AddIOp::create(rewriter, loc, toValue(low[d]), toValue(srcSizes[d])),
          toValue(high[d]));
      sizes.push_back(size);
      dynamicSizes.push_back(size);
    }
    Value result = tensor::EmptyOp::create(rewriter, loc, type, dynamicSizes);
    SmallVector<OpFoldResult> zeros(rank, rewriter.getIndexAttr(0)),
        ones(rank, rewriter.getIndexAttr(1));
    auto fillSlab = [&](int64_t d, OpFoldResult offset, OpFoldResult extent) {
      if (isConstantIntValue(extent, 0))
        return;
      SmallVector<OpFoldResult> offsets = zeros, slabSizes = sizes;
      offsets[d] = offset;
      slabSizes[d] = extent;
      Value slab = tensor::ExtractSliceOp::create(rewriter, loc, result, offsets, slabSizes, ones);
      Value filled = linalg::FillOp::create(rewriter, loc, value, slab).getResult(0);
      result = tensor::InsertSliceOp::create(rewriter, loc, filled, result, offsets, slabSizes, ones);
    };
    for (int64_t d = 0; d < rank; ++d) {
      fillSlab(d, rewriter.getIndexAttr(0), low[d]);
      Value end = arith::AddIOp::create(rewriter, loc, toValue(low[d]), toValue(srcSizes[d]));
      fillSlab(d, end, high[d]);
    }
    rewriter.setInsertionPoint(pad);
    result = tensor::InsertSliceOp::create(rewriter, loc, pad.getSource(), result, low, srcSizes,
                                           ones);
    rewriter.replaceOp(pad, result);
    return success();
  }
};

struct DecomposePadsPass : kiln::impl::DecomposePadsBase<DecomposePadsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<PadToBorderFills>(&getContext());
    linalg::populateDecomposePadPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
