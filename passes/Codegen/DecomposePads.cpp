//===- DecomposePads.cpp - Producers write straight into padded buffers ---===//
//
// A tensor.pad bufferizes to a new buffer, a fill of all of it, and a copy of the source
// into its interior: the padded input of every convolution costs a full extra read and
// write of the activation. Written as fill + tensor.insert_slice (upstream's
// DecomposePadOpPattern) instead, eliminate-empty-tensors (run right after) lets the
// op producing the source write into the interior of the padded buffer, and the copy
// disappears.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSEPADS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct DecomposePadsPass : kiln::impl::DecomposePadsBase<DecomposePadsPass> {
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    linalg::populateDecomposePadPatterns(patterns);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};

} // namespace
