//===- MatchEpilogue.cpp - The elementwise consumer a register tile absorbs -===//
//
// kiln-lower-contractions fuses the elementwise linalg.generic that reads a contraction's
// C (bias, BatchNorm, activation, residual add; also through an expand_shape of C, as
// attention heads read a projection) into the tile's store: matchEpilogue finds it,
// checks that moving the kernel to it changes nothing observable, and gives every
// operand C's shape (collapse views, or a map that splits C's rows for an output that
// cannot be viewed so). Also the buffer helpers the matchers share.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln::cpu {

bool innermostContiguous(Value v) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type)
    return false;
  if (type.getRank() == 0)
    return true;
  SmallVector<int64_t> strides;
  int64_t offset;
  return succeeded(type.getStridesAndOffset(strides, offset)) && strides.back() == 1;
}

/// Every result is a dim or the constant 0 (a broadcast operand).
bool isDimOrZeroMap(AffineMap map) {
  return llvm::all_of(map.getResults(), [](AffineExpr e) {
    if (isa<AffineDimExpr>(e))
      return true;
    auto c = dyn_cast<AffineConstantExpr>(e);
    return c && c.getValue() == 0;
  });
}

bool endsWithDim(AffineMap map, int64_t dim) {
  return map.getNumResults() > 0 && map.getResults().back() == getAffineDimExpr(dim, map.getContext());
}

/// The buffer a view chain starts from.
Value rootOf(Value v) {
  while (Operation *def = v.getDefiningOp()) {
    if (auto view = dyn_cast<ViewLikeOpInterface>(def))
      v = view.getViewSource();
    else
      break;
  }
  return v;
}

/// Pure ops and allocations: moving code past them changes nothing.
bool isPureOrAlloc(Operation *op) {
  if (isMemoryEffectFree(op))
    return true;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return false;
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  return llvm::all_of(list, [](const MemoryEffects::EffectInstance &e) {
    return isa<MemoryEffects::Allocate>(e.getEffect());
  });
}

namespace {

/// The first op after `ct` that touches C, if the ops before it can run before the
/// contraction: the fused kernel runs where the epilogue is, so nothing in between may
/// write A or B or touch C. Skipped: the fills of the next convolution's padded input
/// (which the epilogue then writes into), and sibling convolutions that read the same
/// input (a detection head's branches, lowered one after the other before their
/// activations). Null when such an op comes first or an effect is unknown.
Operation *findEpilogueCandidate(const Contraction &ct) {
  Value rootA = rootOf(ct.a), rootB = rootOf(ct.b), rootC = rootOf(ct.c);
  int budget = 64; // ops looked at, to bound compile time
  for (Operation *next = ct.op->getNextNode(); next && budget-- > 0;
       next = next->getNextNode()) {
    if (isPureOrAlloc(next))
      continue;
    std::optional<SmallVector<MemoryEffects::EffectInstance>> effects =
        getEffectsRecursively(next);
    if (!effects)
      return nullptr;
    for (const MemoryEffects::EffectInstance &effect : *effects) {
      Value target = effect.getValue();
      if (!target)
        return nullptr;
      Value root = rootOf(target);
      if (root == rootC)
        return next;
      if (isa<MemoryEffects::Write>(effect.getEffect()) && (root == rootA || root == rootB))
        return nullptr;
    }
  }
  return nullptr;
}

bool isElementwiseBody(Block *body) {
  for (Operation &op : body->without_terminator()) {
    if (!OpTrait::hasElementwiseMappableTraits(&op) || op.getNumRegions() != 0)
      return false;
    for (Type t : llvm::concat<Type>(op.getOperandTypes(), op.getResultTypes()))
      if (!t.isIntOrFloat())
        return false;
  }
  return true;
}

/// Whether `body` yields an 8-bit value widened to i32 (ext, or ext minus a zero point):
/// the operand of a later 8-bit contraction (a static quantization of this one's result),
/// which stays an op of its own so that that contraction finds its 8-bit values
/// (Int8Operands.cpp) and takes the VNNI kernel.
bool yieldsWidened8Bit(Block *body) {
  Value v = body->getTerminator()->getOperand(0);
  if (auto sub = v.getDefiningOp<arith::SubIOp>())
    v = sub.getLhs();
  Operation *ext = v.getDefiningOp();
  return ext && isa<arith::ExtUIOp, arith::ExtSIOp>(ext) &&
         ext->getOperand(0).getType().isInteger(8);
}

/// An epilogue operand's map over the epilogue's dims rewritten over C's dims, where
/// epilogue dims `groups[g]` are the split of C's dim g (an expand_shape view of C):
/// the operand must use each group whole and in order, or not at all. `collapse` lists
/// the operand dims to merge so that its shape matches (a group of one is no change).
std::optional<AffineMap> mapOverC(AffineMap map, ArrayRef<ReassociationIndices> groups,
                                  SmallVectorImpl<ReassociationIndices> &collapse) {
  MLIRContext *ctx = map.getContext();
  SmallVector<int64_t> groupOf(map.getNumDims(), -1);
  for (auto [g, group] : llvm::enumerate(groups))
    for (int64_t e : group)
      groupOf[e] = g;
  SmallVector<AffineExpr> exprs;
  for (unsigned i = 0; i < map.getNumResults();) {
    auto d = dyn_cast<AffineDimExpr>(map.getResult(i));
    if (!d) { // a broadcast 0
      exprs.push_back(map.getResult(i));
      collapse.push_back({static_cast<int64_t>(i++)});
      continue;
    }
    const ReassociationIndices &group = groups[groupOf[d.getPosition()]];
    if (i + group.size() > map.getNumResults())
      return std::nullopt;
    ReassociationIndices positions;
    for (auto [j, e] : llvm::enumerate(group)) {
      if (map.getResult(i + j) != getAffineDimExpr(e, ctx))
        return std::nullopt;
      positions.push_back(i + j);
    }
    exprs.push_back(getAffineDimExpr(groupOf[d.getPosition()], ctx));
    collapse.push_back(positions);
    i += group.size();
  }
  return AffineMap::get(groups.size(), 0, exprs, ctx);
}

/// The indices of a buffer with the epilogue's dims (C's dim g split into dims
/// `groups[g]`, sized as in `type`) as a map over C's dims: each group's dims are C's
/// index split by the (static) sizes of the dims after it. nullopt when one is dynamic.
std::optional<AffineMap> splitRowsMap(ArrayRef<ReassociationIndices> groups, MemRefType type) {
  MLIRContext *ctx = type.getContext();
  SmallVector<AffineExpr> exprs;
  for (auto [g, group] : llvm::enumerate(groups)) {
    int64_t inner = 1;
    SmallVector<AffineExpr> split(group.size());
    for (int64_t i = group.size() - 1; i >= 0; --i) {
      AffineExpr e = getAffineDimExpr(g, ctx);
      if (inner != 1)
        e = e.floorDiv(inner);
      if (i == 0) {
        split[i] = e;
        break;
      }
      int64_t size = type.getDimSize(group[i]);
      if (ShapedType::isDynamic(size) || size <= 0)
        return std::nullopt;
      split[i] = e % size;
      inner *= size;
    }
    exprs.append(split.begin(), split.end());
  }
  return AffineMap::get(groups.size(), 0, exprs, ctx);
}

bool needsCollapse(ArrayRef<ReassociationIndices> collapse) {
  return llvm::any_of(collapse, [](const ReassociationIndices &g) { return g.size() > 1; });
}

} // namespace

/// Matches the elementwise consumer of C (possibly of an expand_shape view of C, as when
/// a [b, s, 768] MatMul result is read as [b, s, 12, 64] heads) and, on success, creates
/// the collapse_shape views that give every operand C's shape.
std::optional<Epilogue> matchEpilogue(const Contraction &ct) {
  auto op = dyn_cast_or_null<linalg::GenericOp>(findEpilogueCandidate(ct));
  if (!op || !op.hasPureBufferSemantics() || op.getNumDpsInits() != 1 ||
      op.getNumReductionLoops() != 0 || op.hasIndexSemantics() || op.getNumResults() != 0)
    return std::nullopt;
  Block *body = op.getBody();
  if (!isElementwiseBody(body) || !body->getArguments().back().use_empty() ||
      yieldsWidened8Bit(body))
    return std::nullopt;

  // Which input is C, and how the epilogue's dims group into C's.
  std::optional<unsigned> cInput;
  memref::ExpandShapeOp expand;
  for (OpOperand *input : op.getDpsInputOperands()) {
    auto view = input->get().getDefiningOp<memref::ExpandShapeOp>();
    bool isC = input->get() == ct.c || (view && view.getSrc() == ct.c);
    if (!isC)
      continue;
    if (cInput)
      return std::nullopt;
    cInput = input->getOperandNumber();
    if (input->get() != ct.c)
      expand = view;
  }
  if (!cInput)
    return std::nullopt;
  int64_t cRank = ct.mapC.getNumResults();
  SmallVector<ReassociationIndices> groups;
  if (expand) {
    groups = expand.getReassociationIndices();
  } else {
    for (int64_t d = 0; d < cRank; ++d)
      groups.push_back({d});
  }
  if (static_cast<int64_t>(groups.size()) != cRank ||
      op.getNumLoops() != static_cast<unsigned>(groups.back().back() + 1))
    return std::nullopt;

  Epilogue epi;
  epi.op = op;
  epi.cInput = *cInput;
  SmallVector<SmallVector<ReassociationIndices>> collapses;
  SmallVector<AffineMap> cMaps;
  for (OpOperand &operand : op->getOpOperands()) {
    SmallVector<ReassociationIndices> collapse;
    AffineMap map = op.getMatchingIndexingMap(&operand);
    if (!isDimOrZeroMap(map))
      return std::nullopt;
    std::optional<AffineMap> overC = mapOverC(map, groups, collapse);
    if (!overC)
      return std::nullopt;
    bool isC = operand.getOperandNumber() == epi.cInput;
    bool isOutput = op.isDpsInit(&operand);
    if ((isC || isOutput) && !overC->isIdentity())
      return std::nullopt;
    auto type = cast<MemRefType>(operand.get().getType());
    // A strided view collapses when its grouped dims are contiguous with each other
    // (an output that is a channel slice of a concatenation: rows of 64 in rows of 128).
    // An output that does not (the interior of the next convolution's padded input) is
    // stored through a map that splits C's rows instead.
    if (needsCollapse(collapse) && !isC &&
        !memref::CollapseShapeOp::isGuaranteedCollapsible(type, collapse)) {
      if (!isOutput)
        return std::nullopt;
      // Each vector along the kernel's vector dim (up to 16 lanes, starting at a multiple
      // of its width) must stay within one row of the output: that dim's group may be
      // split only when its innermost size is a multiple of 16 (NCHW pixels of a 6x7
      // image are not).
      std::optional<AffineMap> split = splitRowsMap(groups, type);
      if (!split)
        return std::nullopt;
      for (auto [g, group] : llvm::enumerate(groups)) {
        bool vectorDim = ct.mapC.getResult(g) == getAffineDimExpr(ct.n, op.getContext());
        if (vectorDim && group.size() > 1 && type.getDimSize(group.back()) % 16 != 0)
          return std::nullopt;
      }
      epi.outputMap = split->compose(ct.mapC);
      collapse.clear();
      for (int64_t d = 0; d < type.getRank(); ++d)
        collapse.push_back({d});
    }
    if (!isC && !isOutput) {
      // Read as a vector along n, or as a scalar broadcast over n.
      AffineMap composed = overC->compose(ct.mapC);
      bool vectorized = endsWithDim(composed, ct.n);
      // A vector of i1 loads packed bits, but i1 buffers hold a byte per element.
      if (vectorized && (!innermostContiguous(operand.get()) ||
                         type.getElementType().getIntOrFloatBitWidth() < 8))
        return std::nullopt;
      unsigned uses =
          llvm::count(composed.getResults(), getAffineDimExpr(ct.n, op.getContext()));
      if (uses > (vectorized ? 1u : 0u))
        return std::nullopt;
    }
    if (isOutput && !innermostContiguous(operand.get()))
      return std::nullopt;
    collapses.push_back(collapse);
    cMaps.push_back(*overC);
  }

  // The epilogue now writes its output while the kernel still reads A and B, and C is
  // never written: both must be unobservable unless the output is C itself.
  Value output = op.getDpsInitOperand(0)->get();
  bool writesC = output == ct.c || (expand && output == expand.getResult());
  if (!writesC) {
    Value root = rootOf(output);
    if (root == rootOf(ct.a) || root == rootOf(ct.b))
      return std::nullopt;
    // C in a function argument (a model output computed in place) is seen by the caller.
    if (isa<BlockArgument>(rootOf(ct.c)))
      return std::nullopt;
    auto harmless = [&](Operation *user) {
      return user == static_cast<Operation *>(ct.op) || user == op.getOperation() ||
             isa<linalg::FillOp, memref::DeallocOp, memref::DimOp>(user);
    };
    for (Operation *user : ct.c.getUsers()) {
      if (expand && user == expand.getOperation()) {
        if (!llvm::all_of(expand->getUsers(), harmless))
          return std::nullopt;
        continue;
      }
      if (!harmless(user))
        return std::nullopt;
    }
  }

  // Views with C's shape, right before the epilogue (where the fused code goes).
  OpBuilder b(op);
  for (OpOperand &operand : op->getOpOperands()) {
    unsigned q = operand.getOperandNumber();
    Value v = operand.get();
    if (q == epi.cInput)
      v = ct.c;
    else if (needsCollapse(collapses[q]))
      v = memref::CollapseShapeOp::create(b, op.getLoc(), v, collapses[q]);
    if (op.isDpsInit(&operand)) {
      epi.output = v;
    } else {
      epi.inputs.push_back(v);
      epi.inputMaps.push_back(cMaps[q].compose(ct.mapC));
    }
  }
  return epi;
}

} // namespace kiln::cpu
