//===- ForwardSliceCopies.cpp - Compute into a slice instead of copying there -===//
//
// One-shot bufferization computes an op's result in place into a slice of a larger
// buffer only when the slice is extracted and inserted back around that op alone. An op
// with several results that are each inserted into a slice of one buffer (Winograd's
// input transform: 16 results, one slice of the transformed input each) gets the first
// slice in place and, for every other result, a buffer of its own and a copy:
//
//   %t = memref.alloc()               // written by %op, read by nothing else
//   linalg.generic ... outs(%s0, %t)   // %s0 is already a slice of %big
//   %s1 = memref.subview %big[1, ...]
//   memref.copy %t, %s1
//
// Here the copy goes and %op writes the slice: the subview is cloned before the
// allocation's first use and replaces it. Conditions: the allocation is in the copy's
// block with no users but linalg ops before the copy (and deallocs), the first of which
// does not read it; the subview's operands are defined before that first use (or are an
// allocation in the block, which moves up); and
// nothing between the first use and the copy touches the buffer under the slice except
// through subviews disjoint from it along a dim with static offsets and sizes.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Utils/MemRefUtils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/Dominance.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_FORWARDSLICECOPIES
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Two subviews of one source whose index ranges do not overlap along some dim with a
/// static offset, size and stride in both (the k dim of Winograd's [n, th, tw, 16, c]
/// slices, whatever n, th and tw are).
bool disjoint(memref::SubViewOp a, memref::SubViewOp b) {
  if (a.getSource() != b.getSource())
    return false;
  for (auto [offA, sizeA, strideA, offB, sizeB, strideB] :
       llvm::zip(a.getMixedOffsets(), a.getMixedSizes(), a.getMixedStrides(),
                 b.getMixedOffsets(), b.getMixedSizes(), b.getMixedStrides())) {
    std::optional<int64_t> oA = getConstantIntValue(offA), nA = getConstantIntValue(sizeA),
                           sA = getConstantIntValue(strideA), oB = getConstantIntValue(offB),
                           nB = getConstantIntValue(sizeB), sB = getConstantIntValue(strideB);
    if (!oA || !nA || !sA || !oB || !nB || !sB)
      continue;
    if (*nA <= 0 || *nB <= 0)
      return true; // an empty slice overlaps nothing
    int64_t lastA = *oA + (*nA - 1) * *sA, lastB = *oB + (*nB - 1) * *sB;
    if (lastA < *oB || lastB < *oA)
      return true;
  }
  return false;
}

/// Whether `op` (or an op nested in it) may read or write the memory of `root` other than
/// through `except` or subviews of `root`'s slice source disjoint from `slice`.
bool touches(Operation *op, Value root, memref::SubViewOp slice, Value except) {
  WalkResult result = op->walk([&](Operation *inner) {
    if (isa<ViewLikeOpInterface>(inner))
      return WalkResult::advance(); // a view reads and writes nothing
    for (Value operand : inner->getOperands()) {
      auto buffer = dyn_cast<MemrefValue>(operand);
      if (!buffer || operand == except || memref::skipViewLikeOps(buffer) != root)
        continue;
      auto view = operand.getDefiningOp<memref::SubViewOp>();
      if (!view || !disjoint(view, slice))
        return WalkResult::interrupt();
    }
    return WalkResult::advance();
  });
  return result.wasInterrupted();
}

/// Whether the linalg op `op` reads its init `v` (its block argument has a use).
bool readsInit(linalg::LinalgOp op, Value v) {
  for (OpOperand &init : op.getDpsInitsMutable())
    if (init.get() == v && op.payloadUsesValueFromOperand(&init))
      return true;
  return false;
}

struct ForwardSliceCopiesPass : kiln::impl::ForwardSliceCopiesBase<ForwardSliceCopiesPass> {
  kiln::PassStatistic numForwarded{this, "forwarded-copies",
                                   "Results computed in the slice they were copied to"};

  bool forward(memref::CopyOp copy, DominanceInfo &dominance) {
    auto alloc = copy.getSource().getDefiningOp<memref::AllocOp>();
    auto slice = copy.getTarget().getDefiningOp<memref::SubViewOp>();
    Block *block = copy->getBlock();
    if (!alloc || !slice || alloc->getBlock() != block)
      return false;
    // Every other user: a linalg op before the copy (the first one only writes it) or a
    // dealloc after it.
    Operation *first = nullptr;
    SmallVector<Operation *> deallocs;
    for (Operation *user : alloc->getUsers()) {
      if (user == copy)
        continue;
      if (isa<memref::DeallocOp>(user)) {
        deallocs.push_back(user);
        continue;
      }
      auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
      if (!linalgOp || user->getBlock() != block || !user->isBeforeInBlock(copy) ||
          !linalgOp.hasPureBufferSemantics())
        return false;
      if (!first || user->isBeforeInBlock(first))
        first = user;
    }
    if (!first || readsInit(cast<linalg::LinalgOp>(first), alloc))
      return false;
    // The slice can be made before the first use; an allocation of the same block made
    // after it (the buffer bufferization made for the insertions) moves up.
    SmallVector<Operation *> late;
    for (Value operand : slice->getOperands()) {
      if (dominance.properlyDominates(operand, first))
        continue;
      auto lateAlloc = operand.getDefiningOp<memref::AllocOp>();
      if (!lateAlloc || lateAlloc->getBlock() != block ||
          !llvm::all_of(lateAlloc->getOperands(),
                        [&](Value v) { return dominance.properlyDominates(v, first); }))
        return false;
      late.push_back(lateAlloc);
    }
    Value root = memref::skipViewLikeOps(slice.getSource());
    for (Operation *op = first; op != copy.getOperation(); op = op->getNextNode())
      if (touches(op, root, slice, alloc))
        return false;
    for (Operation *lateAlloc : late)
      lateAlloc->moveBefore(first);
    OpBuilder b(first);
    Operation *early = b.clone(*slice.getOperation());
    for (Operation *dealloc : deallocs)
      dealloc->erase();
    copy->erase();
    alloc.getResult().replaceAllUsesWith(early->getResult(0));
    alloc->erase();
    if (slice->use_empty())
      slice->erase();
    return true;
  }

  void runOnOperation() override {
    DominanceInfo dominance(getOperation());
    SmallVector<memref::CopyOp> copies;
    getOperation()->walk([&](memref::CopyOp copy) { copies.push_back(copy); });
    for (memref::CopyOp copy : copies)
      if (forward(copy, dominance))
        ++numForwarded;
  }
};

} // namespace
