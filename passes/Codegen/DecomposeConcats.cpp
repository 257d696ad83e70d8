//===- DecomposeConcats.cpp - Producers write straight into concat buffers -===//
//
// A tensor.concat bufferizes to a new buffer and one copy per input: in a Fire module,
// an Inception block, a DenseNet layer or a YOLO C2f block every concatenated
// activation is written twice. Here a concat becomes a tensor.empty of its result and
// one tensor.insert_slice per input, with the empty placed before the first op that
// computes any of the inputs; eliminate-empty-tensors (run right after) then makes each
// producer compute into its slice of the concat buffer, so no copy is left. A concat of
// concats (DenseNet) chains: the inner buffer becomes a slice of the outer one.
// Dynamic sizes are traced back through the producers' own shapes (tensor.dim of a
// result becomes the size its init was made with) and the pure arithmetic on them is
// recomputed before the first producer; when that fails the concat is left as it is.
// A concat with a block argument among its inputs is left as it is too: the argument is
// copied either way, so only the other inputs' copies would be saved, and one-shot
// bufferization's subset analysis of a dynamic slice of the argument's copy is expensive
// (a 12-layer decoder's KV-cache concats past|new took it over 15 minutes, against
// seconds without).
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Dominance.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

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

/// `v` as a value available right before `ip`: itself when it dominates `ip`, else a
/// clone before `ip` of the pure op computing it (operands made available alike).
/// Null when some op on the way is not pure or reads a value computed after `ip`.
Value availableBefore(Value v, Operation *ip, DominanceInfo &dominance, int depth = 0) {
  if (dominance.properlyDominates(v, ip))
    return v;
  Operation *def = v.getDefiningOp();
  if (!def || depth > 12 || !isPure(def) || def->getNumRegions() != 0 ||
      def->getNumResults() != 1)
    return Value();
  IRMapping mapping;
  for (Value operand : def->getOperands()) {
    Value available = availableBefore(operand, ip, dominance, depth + 1);
    if (!available)
      return Value();
    mapping.map(operand, available);
  }
  OpBuilder b(ip);
  return b.clone(*def, mapping)->getResult(0);
}

/// The sizes of each input of `concat` as values available before `ip`: tensor.dim of
/// the input, resolved through the producers' shapes to the sizes their inits were made
/// with, then recomputed before `ip`. nullopt when some size is not available.
std::optional<SmallVector<SmallVector<OpFoldResult>>> hoistedInputSizes(tensor::ConcatOp concat,
                                                                         Operation *ip) {
  OpBuilder b(concat);
  Location loc = concat.getLoc();
  SmallVector<SmallVector<OpFoldResult>> sizes;
  SmallVector<Operation *> dims;
  // The patterns below replace the dim ops; these casts keep hold of the final values.
  SmallVector<std::pair<OpFoldResult *, UnrealizedConversionCastOp>> anchors;
  for (Value input : concat.getInputs()) {
    auto type = cast<RankedTensorType>(input.getType());
    SmallVector<OpFoldResult> inputSizes;
    for (int64_t d = 0; d < type.getRank(); ++d) {
      if (!type.isDynamicDim(d)) {
        inputSizes.push_back(b.getIndexAttr(type.getDimSize(d)));
        continue;
      }
      auto dim = tensor::DimOp::create(b, loc, input, d);
      dims.push_back(dim);
      inputSizes.push_back(Value(dim));
    }
    sizes.push_back(std::move(inputSizes));
  }
  for (SmallVector<OpFoldResult> &inputSizes : sizes)
    for (OpFoldResult &size : inputSizes)
      if (auto v = dyn_cast<Value>(size))
        anchors.emplace_back(&size, UnrealizedConversionCastOp::create(b, loc, v.getType(), v));
  // tensor.dim of a result -> of its init -> the size the tensor.empty was given.
  RewritePatternSet patterns(concat.getContext());
  memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
  memref::populateResolveShapedTypeResultDimsPatterns(patterns);
  tensor::DimOp::getCanonicalizationPatterns(patterns, concat.getContext());
  (void)applyOpPatternsGreedily(
      dims, std::move(patterns),
      GreedyRewriteConfig().setStrictness(GreedyRewriteStrictness::ExistingAndNewOps));
  DominanceInfo dominance(concat->getParentOp());
  bool ok = true;
  for (auto [size, anchor] : anchors) {
    Value available = availableBefore(anchor.getOperand(0), ip, dominance);
    ok = ok && available;
    *size = available;
    anchor.erase();
  }
  if (!ok)
    return std::nullopt;
  return sizes;
}

LogicalResult decompose(tensor::ConcatOp concat) {
  if (llvm::any_of(concat.getInputs(), llvm::IsaPred<BlockArgument>))
    return failure();
  RankedTensorType type = concat.getResultType();
  Block *block = concat->getBlock();
  Operation *insertionPoint = concat;
  for (Value input : concat.getInputs())
    if (Operation *op = firstWriter(input, block); op && op->isBeforeInBlock(insertionPoint))
      insertionPoint = op;
  std::optional<SmallVector<SmallVector<OpFoldResult>>> sizes =
      hoistedInputSizes(concat, insertionPoint);
  if (!sizes)
    return failure();

  // The buffer, its size along the concatenated dim and each input's offset, all computed
  // before the first producer so that the producers can write into their slices.
  OpBuilder b(insertionPoint);
  Location loc = concat.getLoc();
  int64_t rank = type.getRank(), dim = concat.getDim();
  auto add = [&](OpFoldResult x, OpFoldResult y) -> OpFoldResult {
    std::optional<int64_t> cx = getConstantIntValue(x), cy = getConstantIntValue(y);
    if (cx && cy)
      return b.getIndexAttr(*cx + *cy);
    return Value(arith::AddIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, x),
                                       getValueOrCreateConstantIndexOp(b, loc, y)));
  };
  SmallVector<OpFoldResult> offsets{b.getIndexAttr(0)};
  for (const SmallVector<OpFoldResult> &inputSizes : *sizes)
    offsets.push_back(add(offsets.back(), inputSizes[dim]));
  SmallVector<Value> dynamicSizes;
  for (int64_t d = 0; d < rank; ++d)
    if (type.isDynamicDim(d))
      dynamicSizes.push_back(getValueOrCreateConstantIndexOp(
          b, loc, d == dim ? offsets.back() : sizes->front()[d]));
  Value result = tensor::EmptyOp::create(b, loc, type, dynamicSizes);
  b.setInsertionPoint(concat);
  SmallVector<OpFoldResult> strides(rank, b.getIndexAttr(1));
  for (auto [i, input] : llvm::enumerate(concat.getInputs())) {
    SmallVector<OpFoldResult> inputOffsets(rank, b.getIndexAttr(0));
    inputOffsets[dim] = offsets[i];
    result = tensor::InsertSliceOp::create(b, loc, input, result, inputOffsets, (*sizes)[i],
                                           strides);
  }
  // The result type may be more static than the inputs' (a cast on the way in).
  if (result.getType() != concat.getType())
    result = tensor::CastOp::create(b, loc, concat.getType(), result);
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
