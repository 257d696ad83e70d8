//===- TileTransposes.cpp - Cache-blocked linalg.transpose ----------------===//
//
// convert-linalg-to-parallel-loops walks a transpose in the output's order: when the
// permutation moves the input's innermost dim, consecutive output elements are a whole
// input row apart and every read is a cache miss (a [1, 111, 111, 64] NHWC -> NCHW
// transpose ran at 0.4 GB/s). Tiling the two dims involved into square blocks keeps both
// sides of a block in cache. Other transposes (the innermost dim stays innermost) are
// row copies already and are left alone.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Linalg/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/PatternMatch.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_TILETRANSPOSES
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

struct TileTransposesPass : kiln::cpu::impl::TileTransposesBase<TileTransposesPass> {
  using TileTransposesBase::TileTransposesBase;

  void runOnOperation() override {
    SmallVector<linalg::TransposeOp> transposes;
    getOperation().walk([&](linalg::TransposeOp op) {
      if (op.hasPureBufferSemantics())
        transposes.push_back(op);
    });
    IRRewriter rewriter(&getContext());
    for (linalg::TransposeOp op : transposes) {
      ArrayRef<int64_t> perm = op.getPermutation();
      int64_t rank = perm.size();
      // Output dim `reader` reads the input's innermost dim.
      int64_t reader = llvm::find(perm, rank - 1) - perm.begin();
      if (rank < 2 || reader == rank - 1)
        continue;
      auto outType = cast<MemRefType>(op.getInit().getType());
      // Blocks only pay off when both dims span more than one block.
      auto big = [&](int64_t dim) {
        return outType.isDynamicDim(dim) || outType.getDimSize(dim) > tileSize;
      };
      if (!big(rank - 1) && !big(reader))
        continue;
      SmallVector<int64_t> sizes(rank, 0);
      sizes[rank - 1] = tileSize;
      sizes[reader] = tileSize;
      linalg::LinalgTilingOptions options;
      options.setTileSizes(sizes).setLoopType(linalg::LinalgTilingLoopType::ParallelLoops);
      rewriter.setInsertionPoint(op);
      FailureOr<linalg::TiledLinalgOp> tiled = linalg::tileLinalgOp(rewriter, op, options);
      if (failed(tiled))
        continue; // the untiled transpose is still correct
      rewriter.eraseOp(op);
    }
  }
};

} // namespace
