//===- UntieFillInits.cpp - One filled init per destination-passing op ----===//
//
// Every contraction starts from `linalg.fill %zero` of a `tensor.empty`; CSE merges the
// identical fills of same-shaped outputs, so two convolutions end up sharing one filled
// tensor as their init. One-shot bufferization then gives the second a copy of it (a
// full read and write per layer, and the zero fill can no longer be dropped by the
// kernel that would start its accumulators at zero). This pass, run after the last CSE
// before bufferization, gives each extra use its own clone of the fill (and of the
// tensor.empty under it), so every op writes its own buffer and the copies disappear.
// A tensor.empty shared by several ops (a max pool's -inf fill and a convolution's zero
// fill) is untied the same way: bufferization would otherwise hand both one buffer, and
// the convolution's result would look observable to the kernel that wants to keep it
// in registers and store only its epilogue's output (into a concatenation, say). So is a
// tensor.empty that is both a computation's init and the start of an insertion chain
// (Winograd's transformed input and its products, of one shape when C = M).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace kiln {
#define GEN_PASS_DEF_UNTIEFILLINITS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

struct UntieFillInitsPass : kiln::impl::UntieFillInitsBase<UntieFillInitsPass> {
  void runOnOperation() override {
    SmallVector<linalg::FillOp> fills;
    DenseMap<Operation *, unsigned> order; // pre-order position, i.e. program order
    getOperation()->walk<WalkOrder::PreOrder>([&](Operation *op) {
      order[op] = order.size();
      if (auto fill = dyn_cast<linalg::FillOp>(op); fill && fill.hasPureTensorSemantics())
        fills.push_back(fill);
    });
    for (linalg::FillOp fill : fills) {
      Value filled = fill.getResult(0);
      auto empty = fill.getDpsInitOperand(0)->get().getDefiningOp<tensor::EmptyOp>();
      // The uses as an init of a destination-passing op, in program order; the first
      // keeps the original.
      SmallVector<OpOperand *> inits;
      for (OpOperand &use : filled.getUses()) {
        auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        if (dps && dps.isDpsInit(&use))
          inits.push_back(&use);
      }
      if (inits.size() < 2 || !empty)
        continue;
      // Use lists are not in program order.
      llvm::stable_sort(inits, [&](OpOperand *x, OpOperand *y) {
        return order.lookup(x->getOwner()) < order.lookup(y->getOwner());
      });
      for (OpOperand *use : llvm::drop_begin(inits)) {
        OpBuilder b(use->getOwner());
        Operation *emptyClone = b.clone(*empty);
        IRMapping mapping;
        mapping.map(empty.getResult(), emptyClone->getResult(0));
        Operation *fillClone = b.clone(*fill, mapping);
        use->set(fillClone->getResult(0));
      }
    }
    // Empties in program order, each extra init use (in program order) given its own
    // clone right before the user, where the empty's dynamic sizes still dominate.
    SmallVector<tensor::EmptyOp> empties;
    getOperation()->walk([&](tensor::EmptyOp op) { empties.push_back(op); });
    for (tensor::EmptyOp empty : empties) {
      // Only the uses as the init of a computation: the slices of a padded or
      // concatenated buffer must keep sharing it.
      SmallVector<OpOperand *> uses;
      size_t otherUses = 0;
      for (OpOperand &use : empty->getUses()) {
        auto dps = dyn_cast<DestinationStyleOpInterface>(use.getOwner());
        if (dps && dps.isDpsInit(&use) && !isa<tensor::InsertSliceOp>(use.getOwner()))
          uses.push_back(&use);
        else
          ++otherUses;
      }
      if (uses.empty() || uses.size() + otherUses < 2)
        continue;
      llvm::stable_sort(uses, [&](OpOperand *x, OpOperand *y) {
        return order.lookup(x->getOwner()) < order.lookup(y->getOwner());
      });
      // When slices of the empty are in use too (an insertion chain starts from it), every
      // computation gets a clone: the chain keeps the original buffer to itself.
      for (OpOperand *use : otherUses ? ArrayRef(uses) : ArrayRef(uses).drop_front()) {
        OpBuilder b(use->getOwner());
        use->set(b.clone(*empty)->getResult(0));
      }
    }
  }
};

} // namespace
