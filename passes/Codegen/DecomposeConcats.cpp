//===- DecomposeConcats.cpp - Producers write straight into concat buffers -===//
//
// A tensor.concat bufferizes to a new buffer and one copy per input: in a Fire module,
// an Inception block or a DenseNet layer every concatenated activation is written
// twice. Here a statically shaped concat becomes a tensor.empty of its result and one
// tensor.insert_slice per input, with the empty placed before the first op that
// computes any of the inputs; eliminate-empty-tensors (run right after) then makes each
// producer compute into its slice of the concat buffer, so no copy is left. A concat of
// concats (DenseNet) chains: the inner buffer becomes a slice of the outer one.
// Dynamically shaped concats are left to bufferization (their sizes are not known
// where the producers start).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace kiln {
#define GEN_PASS_DEF_DECOMPOSECONCATS
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The first op of `block` that writes the buffer `v` will live in: `v`'s chain of
/// destinations (DPS inits, insert_slice destinations) walked back to where it starts.
/// A tensor.empty at the start counts only when every use of it is a slice op (the
/// buffer of an already decomposed concat or pad), not a shared init of unrelated ops.
Operation *firstWriter(Value v, Block *block) {
  Operation *first = nullptr;
  auto consider = [&](Operation *op) {
    if (op->getBlock() == block && (!first || op->isBeforeInBlock(first)))
      first = op;
  };
  while (Operation *def = v.getDefiningOp()) {
    if (def->getBlock() != block)
      break;
    if (auto empty = dyn_cast<tensor::EmptyOp>(def)) {
      if (llvm::all_of(empty->getUsers(), [](Operation *user) {
            return isa<tensor::InsertSliceOp, tensor::ExtractSliceOp>(user);
          }))
        consider(def);
      break;
    }
    consider(def);
    if (auto insert = dyn_cast<tensor::InsertSliceOp>(def)) {
      v = insert.getDest();
      continue;
    }
    auto dps = dyn_cast<DestinationStyleOpInterface>(def);
    if (!dps || !dps.hasPureTensorSemantics())
      break;
    v = dps.getTiedOpOperand(cast<OpResult>(v))->get();
  }
  return first;
}

LogicalResult decompose(tensor::ConcatOp concat) {
  RankedTensorType type = concat.getResultType();
  if (!type.hasStaticShape())
    return failure();
  Block *block = concat->getBlock();
  Operation *insertionPoint = concat;
  for (Value input : concat.getInputs())
    if (Operation *op = firstWriter(input, block); op && op->isBeforeInBlock(insertionPoint))
      insertionPoint = op;

  OpBuilder b(insertionPoint);
  Location loc = concat.getLoc();
  Value result = tensor::EmptyOp::create(b, loc, type.getShape(), type.getElementType());
  b.setInsertionPoint(concat);
  int64_t rank = type.getRank(), dim = concat.getDim(), offset = 0;
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  for (Value input : concat.getInputs()) {
    auto inputType = cast<RankedTensorType>(input.getType());
    SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes;
    for (int64_t size : inputType.getShape())
      sizes.push_back(b.getIndexAttr(size));
    offsets[dim] = b.getIndexAttr(offset);
    offset += inputType.getDimSize(dim);
    result = tensor::InsertSliceOp::create(b, loc, input, result, offsets, sizes, strides);
  }
  concat.replaceAllUsesWith(result);
  concat.erase();
  return success();
}

struct DecomposeConcatsPass : kiln::impl::DecomposeConcatsBase<DecomposeConcatsPass> {
  void runOnOperation() override {
    // In program order: an inner concat is decomposed before the outer one that uses it,
    // so the outer buffer is placed before the inner one.
    SmallVector<tensor::ConcatOp> concats;
    getOperation().walk([&](tensor::ConcatOp op) { concats.push_back(op); });
    for (tensor::ConcatOp concat : concats)
      (void)decompose(concat);
  }
};

} // namespace
