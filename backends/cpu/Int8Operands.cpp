//===- Int8Operands.cpp - The 8-bit operands of widened i32 contractions --===//
//
// MatMulInteger and ConvInteger lower to i32 contractions whose operands an elementwise
// generic widened from 8 bits (ext(x) - zero point, Support/QuantizedArithmetic.h).
// matchInt8Contraction finds those widenings on buffers, where bufferization may have
// reused the widened buffer for other values, so that the VNNI kernel (Int8Kernel.cpp)
// can read the 8-bit buffers; isDeadStore finds the widenings nothing reads afterwards.
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Contraction.h"
#include "ir/kiln/KilnDialect.h"

#include "mlir/Dialect/AMX/AMXDialect.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

using namespace mlir;

namespace kiln::cpu {
namespace {

/// A use of a buffer and the op of the block in question it happens in (the user or its
/// ancestor there).
using BlockUse = std::pair<OpOperand *, Operation *>;

/// Every use of `alloc`'s buffer, through collapse/expand views, with where it happens in
/// `block`; uses whose owner `skip` accepts are left out. nullopt when one happens
/// outside `block`. (Bufferization reuses buffers: there may be several writers.)
std::optional<SmallVector<BlockUse>> usesInBlock(memref::AllocOp alloc, Block *block,
                                                 function_ref<bool(Operation *)> skip) {
  SmallVector<BlockUse> uses;
  SmallVector<Value> worklist{alloc.getResult()};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      if (isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      if (skip(user))
        continue;
      Operation *at = block->findAncestorOpInBlock(*user);
      if (!at)
        return std::nullopt;
      uses.push_back({&use, at});
    }
  }
  return uses;
}

} // namespace

linalg::GenericOp lastWholeWriter(Value operand, Operation *contraction) {
  Value root = operand;
  while (Operation *def = root.getDefiningOp()) {
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def))
      break;
    root = def->getOperand(0);
  }
  auto alloc = root.getDefiningOp<memref::AllocOp>();
  if (!alloc)
    return {};
  // Every use of the buffer with where it happens in the contraction's block.
  std::optional<SmallVector<BlockUse>> uses =
      usesInBlock(alloc, contraction->getBlock(), [](Operation *) { return false; });
  if (!uses)
    return {};
  linalg::GenericOp writer;
  for (auto [use, at] : *uses) {
    auto generic = dyn_cast<linalg::GenericOp>(use->getOwner());
    if (generic && at == generic.getOperation() && generic.isDpsInit(use) &&
        use->get() == alloc.getResult() && generic->isBeforeInBlock(contraction) &&
        (!writer || writer->isBeforeInBlock(generic)))
      writer = generic;
  }
  if (!writer)
    return {};
  // Between it and the contraction, the buffer may only be read by linalg ops.
  for (auto [use, at] : *uses) {
    Operation *user = use->getOwner();
    if (at == writer.getOperation() || user == contraction || !writer->isBeforeInBlock(at) ||
        !at->isBeforeInBlock(contraction) || isa<memref::DeallocOp, memref::DimOp>(user))
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(user);
    if (!linalgOp || at != user || linalgOp.isDpsInit(use))
      return {};
  }
  if (writer.getNumDpsInits() != 1 || writer.getNumReductionLoops() != 0 ||
      writer.hasIndexSemantics() ||
      !writer.getMatchingIndexingMap(writer.getDpsInitOperand(0)).isIdentity())
    return {};
  return writer;
}

namespace {

/// The widening of a contraction operand `operand` (an i32 buffer, through reshapes):
/// its lastWholeWriter, elementwise ext(x) or ext(x) - zero point, x an 8-bit input or
/// computed in the body.
std::optional<Int8Operand> matchWidening(Value operand, Operation *contraction) {
  linalg::GenericOp widening = lastWholeWriter(operand, contraction);
  if (!widening)
    return std::nullopt;
  Block *body = widening.getBody();
  if (!body->getArguments().back().use_empty())
    return std::nullopt;
  Int8Operand result;
  result.widening = widening;
  Value yielded = body->getTerminator()->getOperand(0), extended = yielded, zero;
  if (auto sub = yielded.getDefiningOp<arith::SubIOp>()) {
    extended = sub.getLhs();
    zero = sub.getRhs();
  }
  Operation *ext = extended.getDefiningOp();
  if (!ext || !isa<arith::ExtUIOp, arith::ExtSIOp>(ext) ||
      !ext->getOperand(0).getType().isInteger(8))
    return std::nullopt;
  result.isUnsigned = isa<arith::ExtUIOp>(ext);
  Value quantized = ext->getOperand(0);
  if (zero) {
    if (auto cst = zero.getDefiningOp<arith::ConstantOp>()) {
      auto attr = dyn_cast<IntegerAttr>(cst.getValue());
      if (!attr)
        return std::nullopt;
      result.zeroConstant = attr.getValue().getSExtValue();
    } else {
      // ext of a rank-0 input (a per-tensor zero point read from memory).
      Operation *zext = zero.getDefiningOp();
      auto arg = zext && zext->getNumOperands() == 1 ? dyn_cast<BlockArgument>(zext->getOperand(0))
                                                     : BlockArgument();
      if (!arg || arg.getOwner() != body || !isa<arith::ExtUIOp, arith::ExtSIOp>(zext) ||
          arg.getArgNumber() >= widening.getNumDpsInputs() || !arg.getType().isInteger(8))
        return std::nullopt;
      OpOperand *input = widening.getDpsInputOperand(arg.getArgNumber());
      auto type = dyn_cast<MemRefType>(input->get().getType());
      if (!type || type.getRank() != 0)
        return std::nullopt;
      result.zeroBuffer = input->get();
      result.zeroUnsigned = isa<arith::ExtUIOp>(zext);
    }
  }
  // The 8-bit value: an input read in place, or computed in the body (a quantization
  // fused into the widening), which the kernel then writes to a buffer of its own.
  if (auto arg = dyn_cast<BlockArgument>(quantized);
      arg && arg.getOwner() == body && arg.getArgNumber() < widening.getNumDpsInputs()) {
    OpOperand *input = widening.getDpsInputOperand(arg.getArgNumber());
    auto type = dyn_cast<MemRefType>(input->get().getType());
    if (type && type.getLayout().isIdentity() &&
        widening.getMatchingIndexingMap(input).isIdentity()) {
      result.narrow = input->get();
      return result;
    }
  }
  result.quantized = quantized;
  return result;
}

/// Whether `op` may write a buffer whose root is in `roots`. An op whose effects are
/// those of its body is judged by the ops in it: a VNNI kernel (scf.parallel) already
/// emitted for another contraction of the same widened operand (the Q, K and V
/// projections of one quantized activation) writes only its own output.
bool mayWrite(Operation *op, ArrayRef<Value> roots) {
  // A run-time check writes only the run's error status.
  if (isMemoryEffectFree(op) || isa<kilnir::CheckOp>(op))
    return false;
  if (op->hasTrait<OpTrait::HasRecursiveMemoryEffects>()) {
    for (Region &region : op->getRegions())
      for (Operation &nested : region.getOps())
        if (mayWrite(&nested, roots))
          return true;
    if (!isa<MemoryEffectOpInterface>(op))
      return false;
  }
  // An LLVM intrinsic on values (the kernel's vpdpbusd) writes no buffer, nor does the
  // glue's AMX query.
  if (auto call = dyn_cast<func::CallOp>(op);
      call && (call.getCallee().starts_with("llvm.") || call.getCallee() == "kiln_rt_amx_enabled") &&
      llvm::none_of(call->getOperandTypes(), [](Type t) { return isa<BaseMemRefType>(t); }))
    return false;
  // An AMX tile load only reads, a tile zero writes no buffer (their write effects keep
  // tile registers apart).
  if (isa<amx::TileLoadOp, amx::TileZeroOp>(op))
    return false;
  auto effects = dyn_cast<MemoryEffectOpInterface>(op);
  if (!effects)
    return true;
  SmallVector<MemoryEffects::EffectInstance> list;
  effects.getEffects(list);
  for (const MemoryEffects::EffectInstance &e : list) {
    if (!isa<MemoryEffects::Write, MemoryEffects::Free>(e.getEffect()))
      continue;
    Value v = e.getValue();
    if (!v || llvm::is_contained(roots, rootOf(v)))
      return true;
  }
  return false;
}

/// Whether an op in [from, until) of one block may write a buffer whose root is in `roots`.
bool writtenBetween(Operation *from, Operation *until, ArrayRef<Value> roots) {
  for (Operation *op = from; op && op != until; op = op->getNextNode())
    if (mayWrite(op, roots))
      return true;
  return false;
}

} // namespace

/// The 8-bit values `operand`'s widening computes, written by a copy of it (right after
/// it) to a new buffer of the widened buffer's shape.
Value materializeNarrow(const Int8Operand &operand) {
  linalg::GenericOp widening = operand.widening;
  Location loc = widening.getLoc();
  OpBuilder b(widening);
  b.setInsertionPointAfter(widening);
  Value wide = widening.getDpsInitOperand(0)->get();
  auto type = MemRefType::get(cast<MemRefType>(wide.getType()).getShape(), b.getI8Type());
  Value narrow =
      memref::AllocOp::create(b, loc, type, wide.getDefiningOp<memref::AllocOp>().getDynamicSizes(),
                              b.getI64IntegerAttr(64));
  Block *body = widening.getBody();
  auto copy = linalg::GenericOp::create(
      b, loc, TypeRange{}, widening.getDpsInputs(), ValueRange{narrow},
                            widening.getIndexingMapsArray(), widening.getIteratorTypesArray(),
                            [&](OpBuilder &nb, Location l, ValueRange args) {
                              IRMapping map;
                              for (unsigned i = 0, e = widening.getNumDpsInputs(); i < e; ++i)
                                map.map(body->getArgument(i), args[i]);
                              for (Operation &op : body->without_terminator())
                                nb.clone(op, map);
                              linalg::YieldOp::create(nb, l,
                                                      map.lookupOrDefault(operand.quantized));
                            });
  // Marks such as kiln.vectorize (an im2col copy) stay with the copy.
  copy->setDiscardableAttrs(widening->getDiscardableAttrDictionary());
  return narrow;
}

namespace {

bool isDeadStore(linalg::GenericOp op) {
  if (!op.hasPureBufferSemantics() || op.getNumDpsInits() != 1)
    return false;
  OpOperand *init = op.getDpsInitOperand(0);
  auto alloc = init->get().getDefiningOp<memref::AllocOp>();
  if (!alloc || op.payloadUsesValueFromOperand(init))
    return false;
  // The other uses of the buffer where they happen in op's block.
  std::optional<SmallVector<BlockUse>> uses =
      usesInBlock(alloc, op->getBlock(), [&](Operation *user) {
        return user == op.getOperation() || isa<memref::DeallocOp, memref::DimOp>(user);
      });
  if (!uses)
    return false;
  // Dead unless something reads the buffer after op and before the next op that
  // overwrites all of it (a generic over its identity map that ignores the old values).
  Operation *nextWriter = nullptr;
  for (auto [use, at] : *uses) {
    auto generic = dyn_cast<linalg::GenericOp>(use->getOwner());
    if (generic && at == generic.getOperation() && op->isBeforeInBlock(at) &&
        use->get() == alloc.getResult() && generic.isDpsInit(use) &&
        !generic.payloadUsesValueFromOperand(use) && generic.getNumReductionLoops() == 0 &&
        generic.getMatchingIndexingMap(use).isIdentity() &&
        (!nextWriter || at->isBeforeInBlock(nextWriter)))
      nextWriter = at;
  }
  for (auto [use, at] : *uses) {
    if (!op->isBeforeInBlock(at) ||
        (nextWriter && !at->isBeforeInBlock(nextWriter) && at != nextWriter))
      continue;
    auto linalgOp = dyn_cast<linalg::LinalgOp>(use->getOwner());
    if (at == nextWriter && linalgOp && linalgOp.isDpsInit(use))
      continue;
    if (!linalgOp || !linalgOp.isDpsInit(use) || linalgOp.payloadUsesValueFromOperand(use))
      return false;
  }
  return true;
}

} // namespace

void eraseDeadStores(ModuleOp module) {
  SmallVector<linalg::GenericOp> dead;
  module.walk([&](linalg::GenericOp op) {
    if (isDeadStore(op))
      dead.push_back(op);
  });
  for (linalg::GenericOp op : dead)
    op->erase();
}

std::optional<Int8Contraction> matchInt8Contraction(const Contraction &ct, Operation *until) {
  auto elementOf = [](Value v) { return cast<MemRefType>(v.getType()).getElementType(); };
  if (!elementOf(ct.c).isInteger(32) || ct.k.size() != 1)
    return std::nullopt;
  std::optional<Int8Operand> a = matchWidening(ct.a, ct.op);
  std::optional<Int8Operand> b = a ? matchWidening(ct.b, ct.op) : std::nullopt;
  if (!a || !b)
    return std::nullopt;
  MLIRContext *ctx = ct.op->getContext();
  AffineExpr k = getAffineDimExpr(ct.k[0], ctx), n = getAffineDimExpr(ct.n, ctx);
  // A is read 4 bytes along k at a time: k its innermost index, used nowhere else.
  ArrayRef<AffineExpr> aResults = ct.mapA.getResults();
  if (aResults.empty() || aResults.back() != k ||
      llvm::any_of(aResults.drop_back(), [&](AffineExpr e) { return e.isFunctionOfDim(ct.k[0]); }))
    return std::nullopt;
  // B (unless packed) is read 16 columns at a time: n its innermost index, the others
  // k and batch dims.
  if (!ct.mapB.isProjectedPermutation() || ct.mapB.getNumResults() == 0 ||
      ct.mapB.getResults().back() != n || !ct.mapB.isFunctionOfDim(ct.k[0]))
    return std::nullopt;
  for (AffineExpr e : ct.mapB.getResults()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (e != k && e != n && !llvm::is_contained(ct.batch, static_cast<int64_t>(d)))
      return std::nullopt;
  }
  // The narrow buffers (and zero points) must hold the widened values until the kernel.
  SmallVector<Value> roots;
  for (const Int8Operand *operand : {&*a, &*b}) {
    if (operand->narrow)
      roots.push_back(rootOf(operand->narrow));
    if (operand->zeroBuffer)
      roots.push_back(rootOf(operand->zeroBuffer));
  }
  for (const Int8Operand *operand : {&*a, &*b})
    if (writtenBetween(operand->widening->getNextNode(), until, roots))
      return std::nullopt;
  // The narrow buffers have identity layouts (matchWidening) and reshapes keep them
  // row-major, so A's k and B's n are read with unit stride.
  return Int8Contraction{ct, *a, *b};
}
/// The bytes of the constant global `v` reads (through reshapes), row-major.
std::optional<ArrayRef<int8_t>> constantBytes(Value v, ModuleOp module,
                                              std::vector<int8_t> &storage) {
  while (Operation *def = v.getDefiningOp()) {
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def))
      break;
    v = def->getOperand(0);
  }
  auto get = v.getDefiningOp<memref::GetGlobalOp>();
  if (!get)
    return std::nullopt;
  auto global = module.lookupSymbol<memref::GlobalOp>(get.getNameAttr());
  if (!global || !global.getConstant() || !global.getType().getLayout().isIdentity() ||
      !global.getType().hasStaticShape())
    return std::nullopt;
  int64_t count = global.getType().getNumElements();
  Attribute init = global.getInitialValue().value_or(Attribute());
  if (auto dense = dyn_cast_or_null<DenseIntElementsAttr>(init)) {
    // 4-bit (and narrower) elements too, one per byte, zero-extended.
    if (dense.getElementType().getIntOrFloatBitWidth() > 8)
      return std::nullopt;
    storage.clear();
    for (const APInt &value : dense.getValues<APInt>())
      storage.push_back(static_cast<int8_t>(value.getZExtValue()));
    return ArrayRef<int8_t>(storage);
  }
  if (auto resource = dyn_cast_or_null<DenseResourceElementsAttr>(init)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob || !resource.getElementType().isInteger(8))
      return std::nullopt;
    ArrayRef<char> data = blob->getData();
    if (static_cast<int64_t>(data.size()) != count)
      return std::nullopt;
    return ArrayRef<int8_t>(reinterpret_cast<const int8_t *>(data.data()), data.size());
  }
  return std::nullopt;
}

std::optional<std::vector<uint32_t>> widenedConstant(Value operand, Operation *contraction,
                                                     ModuleOp module) {
  std::optional<Int8Operand> widening = matchWidening(operand, contraction);
  if (!widening || !widening->narrow || widening->zeroBuffer)
    return std::nullopt;
  std::vector<int8_t> storage;
  std::optional<ArrayRef<int8_t>> bytes = constantBytes(widening->narrow, module, storage);
  if (!bytes)
    return std::nullopt;
  int64_t zero = widening->zeroConstant.value_or(0);
  std::vector<uint32_t> words;
  words.reserve(bytes->size());
  for (int8_t byte : *bytes) {
    int64_t value = widening->isUnsigned ? static_cast<uint8_t>(byte) : byte;
    words.push_back(static_cast<uint32_t>(static_cast<int32_t>(value - zero)));
  }
  return words;
}

Value viewLike(OpBuilder &b, Value operand, Value narrow) {
  SmallVector<Operation *> views;
  for (Value v = operand; Operation *def = v.getDefiningOp(); v = def->getOperand(0)) {
    if (!isa<memref::CollapseShapeOp, memref::ExpandShapeOp>(def))
      break;
    views.push_back(def);
  }
  Value v = narrow;
  for (Operation *view : llvm::reverse(views)) {
    if (auto collapse = dyn_cast<memref::CollapseShapeOp>(view)) {
      v = memref::CollapseShapeOp::create(b, view->getLoc(), v, collapse.getReassociationIndices());
    } else {
      auto expand = cast<memref::ExpandShapeOp>(view);
      auto type = MemRefType::get(expand.getResultType().getShape(),
                                  cast<MemRefType>(narrow.getType()).getElementType());
      v = memref::ExpandShapeOp::create(b, view->getLoc(), type, v,
                                        expand.getReassociationIndices(),
                                        expand.getMixedOutputShape());
    }
  }
  return v;
}

Value foldWidenedConstant(OpBuilder &b, Value operand, Operation *contraction, ModuleOp module) {
  std::optional<std::vector<uint32_t>> words = widenedConstant(operand, contraction, module);
  if (!words)
    return Value();
  Value root = operand;
  while (isa_and_nonnull<memref::CollapseShapeOp, memref::ExpandShapeOp>(root.getDefiningOp()))
    root = root.getDefiningOp()->getOperand(0);
  auto type = MemRefType::get(cast<MemRefType>(root.getType()).getShape(), b.getI32Type());
  std::string name = "__kiln_widened";
  for (int i = 0; module.lookupSymbol(name); ++i)
    name = "__kiln_widened_" + std::to_string(i);
  OpBuilder mb(module.getBodyRegion());
  mb.setInsertionPointToStart(module.getBody());
  auto attr = DenseResourceElementsAttr::get(
      RankedTensorType::get(type.getShape(), type.getElementType()), name,
      HeapAsmResourceBlob::allocateAndCopyInferAlign<uint32_t>(*words));
  memref::GlobalOp::create(mb, contraction->getLoc(), name, mb.getStringAttr("private"), type, attr,
                           /*constant=*/true, mb.getI64IntegerAttr(64));
  Value global = memref::GetGlobalOp::create(b, contraction->getLoc(), type, name);
  return viewLike(b, operand, global);
}

} // namespace kiln::cpu
