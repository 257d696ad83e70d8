//===- ElideOutputCopies.cpp - Compute model outputs in place -------------===//
//
// buffer-results-to-out-params leaves each model output computed in a buffer of its own
// and then copied into the output the caller passed (GPT-2's logits: 25 MB per batch
// item). When that buffer is a plain allocation of the same type whose last use is the
// copy, and the output argument is not touched before it, the computation can write the
// output directly: the allocation's uses become the argument and the copy goes. The same
// when the copy reads a reshape of the allocation (a collapse of a static one, or an
// expand of any: GPT-2's logits are the [batch * seq, vocab] matmul expanded to [batch,
// seq, vocab]): its uses become the argument viewed in the allocation's shape.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_ELIDEOUTPUTCOPIES
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// True if every use of `v` other than `last` is an op before `last` in `block`, and so
/// is every use of the views made of it (reshapes and slices: the unit-height view of a
/// 1-D convolution's output); no other op may make a buffer of it (an alias that could
/// outlive the copy).
bool usedOnlyBefore(Value v, Operation *last, Block &block) {
  for (Operation *user : v.getUsers()) {
    if (user == last || isa<memref::DeallocOp>(user))
      continue;
    Operation *top = block.findAncestorOpInBlock(*user);
    if (!top || !top->isBeforeInBlock(last))
      return false;
    for (Value result : user->getResults()) {
      if (!isa<BaseMemRefType>(result.getType()))
        continue;
      auto view = dyn_cast<ViewLikeOpInterface>(user);
      if (!view || view.getViewSource() != v || !usedOnlyBefore(result, last, block))
        return false;
    }
  }
  return true;
}

struct ElideOutputCopiesPass
    : kiln::impl::ElideOutputCopiesBase<ElideOutputCopiesPass> {
  kiln::PassStatistic numElided{this, "elided-copies", "Outputs computed in place"};

  void runOnOperation() override {
    auto func = getOperation().lookupSymbol<func::FuncOp>(kiln::kEntryName);
    if (!func || func.isExternal())
      return;
    Block &entry = func.getBody().front();
    SmallVector<memref::CopyOp> copies;
    for (auto copy : entry.getOps<memref::CopyOp>())
      copies.push_back(copy);
    for (memref::CopyOp copy : copies) {
      auto out = dyn_cast<BlockArgument>(copy.getTarget());
      // The buffer, or a reshape of it (a 2x2 stride-2 ConvTranspose computes
      // [n, m, h, 2, w, 2] and collapses it to the [n, m, 2h, 2w] output).
      Operation *reshape = copy.getSource().getDefiningOp();
      if (!isa_and_nonnull<memref::CollapseShapeOp, memref::ExpandShapeOp>(reshape))
        reshape = nullptr;
      auto alloc = (reshape ? reshape->getOperand(0) : copy.getSource())
                       .getDefiningOp<memref::AllocOp>();
      if (!out || out.getOwner() != &entry || !alloc || alloc->getBlock() != &entry ||
          !alloc.getType().getLayout().isIdentity() ||
          (reshape ? reshape->getResult(0).getType() != out.getType() ||
                         // Its inverse, an expand_shape, would need the dynamic sizes.
                         (isa<memref::CollapseShapeOp>(reshape) &&
                          !alloc.getType().hasStaticShape())
                   : alloc.getType() != out.getType()))
        continue;
      // The output must not be read or written before the copy, nor the buffer after it.
      if (!llvm::all_of(out.getUsers(), [&](Operation *u) { return u == copy; }) ||
          !usedOnlyBefore(alloc, copy, entry))
        continue;
      SmallVector<Operation *> deallocs;
      for (Operation *user : alloc->getUsers())
        if (isa<memref::DeallocOp>(user))
          deallocs.push_back(user);
      for (Operation *dealloc : deallocs)
        dealloc->erase();
      copy->erase();
      Value replacement = out;
      if (reshape) {
        // The output viewed in the buffer's shape: the inverse reshape.
        OpBuilder b(alloc);
        if (auto collapse = dyn_cast<memref::CollapseShapeOp>(reshape))
          replacement = memref::ExpandShapeOp::create(b, alloc.getLoc(), alloc.getType(), out,
                                                      collapse.getReassociationIndices());
        else
          replacement = memref::CollapseShapeOp::create(
              b, alloc.getLoc(), out,
              cast<memref::ExpandShapeOp>(reshape).getReassociationIndices());
      }
      alloc.getResult().replaceAllUsesWith(replacement);
      alloc->erase();
      ++numElided;
    }
  }
};

} // namespace
