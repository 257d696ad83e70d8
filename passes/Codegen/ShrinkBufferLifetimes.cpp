//===- ShrinkBufferLifetimes.cpp - Heap buffers live only while used ------===//
//
// The buffer deallocation pipeline frees a buffer at the end of the block that
// allocates it; bufferization allocates where the tensor was created. Here each
// alloc/dealloc pair of one block moves inward, to the first and last op of the block
// that touch the buffer or a view of it (an op with nested regions counts as one op).
// Nothing moves for a buffer that may escape: one of its views yielded, returned,
// passed to a call, stored, its pointer taken, or a result of a non-view op that takes it.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/CallInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_SHRINKBUFFERLIFETIMES
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// Whether `op`, given a view of the buffer as an operand, may keep it past its own
/// execution or hand it on.
bool mayEscape(Operation *op) {
  // A pointer taken out of the buffer may be used after the op that takes it.
  if (op->hasTrait<OpTrait::IsTerminator>() || isa<CallOpInterface>(op) ||
      isa<memref::ExtractAlignedPointerAsIndexOp, memref::ExtractStridedMetadataOp>(op))
    return true;
  if (auto store = dyn_cast<memref::StoreOp>(op))
    return isa<BaseMemRefType>(store.getValueToStore().getType());
  return llvm::any_of(op->getResultTypes(),
                      [](Type t) { return isa<BaseMemRefType>(t); });
}

/// Shrinks the lifetime of `alloc` in its block; false when it has to stay.
bool shrink(memref::AllocOp alloc) {
  Block *block = alloc->getBlock();
  memref::DeallocOp dealloc;
  Operation *first = nullptr, *last = nullptr;
  SmallVector<Value> worklist{alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (Operation *user : v.getUsers()) {
      if (auto d = dyn_cast<memref::DeallocOp>(user)) {
        if (v != alloc.getResult() || dealloc || d->getBlock() != block)
          return false;
        dealloc = d;
        continue;
      }
      if (isa<ViewLikeOpInterface>(user) && user->getNumResults() == 1) {
        worklist.push_back(user->getResult(0));
      } else if (mayEscape(user)) {
        return false;
      }
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at)
        return false;
      if (!first || at->isBeforeInBlock(first))
        first = at;
      if (!last || last->isBeforeInBlock(at))
        last = at;
    }
  }
  if (!dealloc || !first || !last->isBeforeInBlock(dealloc))
    return false;
  if (alloc->isBeforeInBlock(first))
    alloc->moveBefore(first);
  if (last->getNextNode() != dealloc)
    dealloc->moveAfter(last);
  return true;
}

struct ShrinkBufferLifetimesPass
    : kiln::impl::ShrinkBufferLifetimesBase<ShrinkBufferLifetimesPass> {
  void runOnOperation() override {
    SmallVector<memref::AllocOp> allocs;
    getOperation().walk([&](memref::AllocOp op) { allocs.push_back(op); });
    for (memref::AllocOp alloc : allocs)
      (void)shrink(alloc);
  }
};

} // namespace
