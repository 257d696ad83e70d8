//===- PlanArena.cpp - Intermediate buffers as views of one arena ---------===//
//
// After bufferization every intermediate tensor of @kiln_main is a memref.alloc. This
// pass gives each one an offset in a single arena (an extra `memref<?xi8>` argument the
// runtime allocates once per session), so buffers whose lifetimes do not overlap share
// memory and a run makes no allocation.
//
// Sizes and offsets are pairs (base, perBatch) meaning base + perBatch * N, where N is
// the batch: the first dynamic dimension of the first input that has one (the same N the
// runtime uses to size the arena, see kiln/model_abi.h). A buffer qualifies when at most
// one size is dynamic and that size is k * batch: traced through memref.dim of
// allocations, views, casts and reshapes (a collapse of [batch, 128] is 128 * batch) and
// constant multiplications back to that input dimension or one with the same ONNX
// dim_param. Two buffers that are live at the
// same time are placed so that one ends before the other starts in *both* components,
// which keeps them apart for every N >= 0. Other buffers keep malloc.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/Interfaces/ViewLikeInterface.h"

namespace kiln {
#define GEN_PASS_DEF_PLANARENA
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

constexpr int64_t kAlignment = 64;

int64_t alignUp(int64_t bytes) { return (bytes + kAlignment - 1) / kAlignment * kAlignment; }

/// A size or offset in bytes: base + perBatch * N.
struct Linear {
  int64_t base = 0;
  int64_t perBatch = 0;
  Linear operator+(const Linear &o) const { return {base + o.base, perBatch + o.perBatch}; }
  bool allLessEqual(const Linear &o) const { return base <= o.base && perBatch <= o.perBatch; }
};

struct Buffer {
  memref::AllocOp alloc;
  Linear size;
  unsigned first = 0, last = 0; // live range, as indices of top-level ops
  Linear offset;
};

/// Where the batch comes from: an argument and dimension, and its dim_param name.
struct BatchSource {
  unsigned arg = 0;
  int64_t dim = 0;
  std::string param;
};

StringRef dimParam(func::FuncOp func, unsigned arg, int64_t dim) {
  auto params = func.getArgAttrOfType<ArrayAttr>(arg, "onnx.dim_params");
  if (!params || dim >= static_cast<int64_t>(params.size()))
    return "";
  auto str = dyn_cast<StringAttr>(params[dim]);
  return str ? str.getValue() : "";
}

std::optional<BatchSource> findBatch(func::FuncOp func, unsigned numInputs) {
  for (unsigned i = 0; i < numInputs; ++i) {
    auto type = dyn_cast<MemRefType>(func.getArgument(i).getType());
    // An optional input may be absent (its dims 0): it cannot give the batch.
    if (!type || func.getArgAttr(i, "kiln.optional"))
      continue;
    for (int64_t d = 0; d < type.getRank(); ++d)
      if (type.isDynamicDim(d))
        return BatchSource{i, d, dimParam(func, i, d).str()};
  }
  return std::nullopt;
}

/// True if input `arg`'s dim `d` is the batch: the batch dim itself or one sharing its
/// (non-empty) dim_param, which the runtime checks are equal.
bool isBatchDim(func::FuncOp func, const BatchSource &batch, unsigned arg, int64_t d) {
  if (arg == batch.arg && d == batch.dim)
    return true;
  return !batch.param.empty() && dimParam(func, arg, d) == batch.param;
}

std::optional<int64_t> batchMultiple(Value size, func::FuncOp func, const BatchSource &batch);

/// k if dim `d` of the buffer `v` is k * batch (k > 0), followed through allocations,
/// views and reshapes back to an input's dim.
std::optional<int64_t> dimMultiple(Value v, int64_t d, func::FuncOp func,
                                   const BatchSource &batch) {
  auto type = dyn_cast<MemRefType>(v.getType());
  if (!type || d >= type.getRank() || !type.isDynamicDim(d))
    return std::nullopt;
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    if (arg.getOwner() != &func.getBody().front())
      return std::nullopt;
    return isBatchDim(func, batch, arg.getArgNumber(), d) ? std::optional<int64_t>(1)
                                                          : std::nullopt;
  }
  Operation *def = v.getDefiningOp();
  auto dynamicOperand = [&](ValueRange sizes) -> std::optional<int64_t> {
    int64_t index = type.getDynamicDimIndex(d);
    if (index >= static_cast<int64_t>(sizes.size()))
      return std::nullopt;
    return batchMultiple(sizes[index], func, batch);
  };
  if (auto alloc = dyn_cast<memref::AllocOp>(def))
    return dynamicOperand(alloc.getDynamicSizes());
  if (auto view = dyn_cast<memref::ViewOp>(def))
    return dynamicOperand(view.getSizes());
  if (auto cast = dyn_cast<memref::CastOp>(def))
    return dimMultiple(cast.getSource(), d, func, batch);
  if (auto expand = dyn_cast<memref::ExpandShapeOp>(def)) {
    OpFoldResult size = expand.getMixedOutputShape()[d];
    if (auto value = dyn_cast<Value>(size))
      return batchMultiple(value, func, batch);
    return std::nullopt;
  }
  if (auto collapse = dyn_cast<memref::CollapseShapeOp>(def)) {
    MemRefType source = collapse.getSrcType();
    std::optional<int64_t> multiple;
    int64_t product = 1;
    SmallVector<ReassociationIndices> groups = collapse.getReassociationIndices();
    for (int64_t s : groups[d]) {
      if (!source.isDynamicDim(s)) {
        product *= source.getDimSize(s);
        continue;
      }
      if (multiple) // two dynamic dims: quadratic in the batch
        return std::nullopt;
      multiple = dimMultiple(collapse.getSrc(), s, func, batch);
      if (!multiple)
        return std::nullopt;
    }
    if (!multiple)
      return std::nullopt;
    return *multiple * product;
  }
  return std::nullopt;
}

/// k if `size` is k * batch (k > 0).
std::optional<int64_t> batchMultiple(Value size, func::FuncOp func, const BatchSource &batch) {
  if (auto dim = size.getDefiningOp<memref::DimOp>()) {
    std::optional<int64_t> index = dim.getConstantIndex();
    if (!index)
      return std::nullopt;
    return dimMultiple(dim.getSource(), *index, func, batch);
  }
  if (auto mul = size.getDefiningOp<arith::MulIOp>()) {
    for (auto [x, y] : {std::pair(mul.getLhs(), mul.getRhs()), std::pair(mul.getRhs(), mul.getLhs())}) {
      std::optional<int64_t> factor = getConstantIntValue(y);
      if (!factor || *factor <= 0)
        continue;
      if (std::optional<int64_t> multiple = batchMultiple(x, func, batch))
        return *multiple * *factor;
    }
  }
  // A choice between two sizes that are both k * batch is k * batch: the checked
  // broadcast's result size select(a == 1, b, a), and max(a, b), where a and b are dims
  // sharing the batch's dim_param (which the runtime checks are equal).
  auto sameMultiple = [&](Value x, Value y) -> std::optional<int64_t> {
    std::optional<int64_t> kx = batchMultiple(x, func, batch);
    if (kx && kx == batchMultiple(y, func, batch))
      return kx;
    return std::nullopt;
  };
  if (auto select = size.getDefiningOp<arith::SelectOp>())
    return sameMultiple(select.getTrueValue(), select.getFalseValue());
  if (auto max = size.getDefiningOp<arith::MaxSIOp>())
    return sameMultiple(max.getLhs(), max.getRhs());
  if (auto max = size.getDefiningOp<arith::MaxUIOp>())
    return sameMultiple(max.getLhs(), max.getRhs());
  return std::nullopt;
}

/// The last top-level op (index into `order`) that uses `root` or a view of it; returns
/// the block's size if an alias escapes in a way this analysis does not follow.
unsigned lastUse(Value root, Block &block, const DenseMap<Operation *, unsigned> &order) {
  unsigned last = 0;
  SmallVector<Value> worklist{root};
  while (!worklist.empty()) {
    Value v = worklist.pop_back_val();
    for (OpOperand &use : v.getUses()) {
      Operation *user = use.getOwner();
      Operation *top = block.findAncestorOpInBlock(*user);
      if (!top)
        return block.getOperations().size();
      last = std::max(last, order.lookup(top));
      if (auto view = dyn_cast<ViewLikeOpInterface>(user)) {
        if (view.getViewSource() == v)
          for (Value result : user->getResults())
            worklist.push_back(result);
        continue;
      }
      if (isa<memref::CastOp>(user)) {
        worklist.push_back(user->getResult(0));
        continue;
      }
      // A memref stored in memory or returned through a region result can outlive
      // anything we can see here.
      for (Value result : user->getResults())
        if (isa<BaseMemRefType>(result.getType()))
          return block.getOperations().size();
    }
  }
  return last;
}

bool overlaps(const Buffer &a, const Buffer &b) { return a.first <= b.last && b.first <= a.last; }

/// True if `a` placed at `at` does not collide with the placed buffer `b`.
bool apart(const Linear &at, const Linear &size, const Buffer &b) {
  return (at + size).allLessEqual(b.offset) || (b.offset + b.size).allLessEqual(at);
}

struct PlanArenaPass : kiln::impl::PlanArenaBase<PlanArenaPass> {
  using PlanArenaBase::PlanArenaBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto func = module.lookupSymbol<func::FuncOp>(kiln::kEntryName);
    if (!func || func.isExternal())
      return;
    Block &entry = func.getBody().front();
    MLIRContext *ctx = &getContext();
    unsigned numInputs = numModelInputs;
    std::optional<BatchSource> batch = findBatch(func, numInputs);

    DenseMap<Operation *, unsigned> order;
    for (auto [i, op] : llvm::enumerate(entry.getOperations()))
      order[&op] = i;

    SmallVector<Buffer> buffers;
    int64_t unplanned = 0, intermediates = 0;
    for (Operation &op : entry.getOperations()) {
      auto alloc = dyn_cast<memref::AllocOp>(op);
      if (!alloc)
        continue;
      MemRefType type = alloc.getType();
      Type elem = type.getElementType();
      int64_t bits = elem.isIntOrFloat() ? elem.getIntOrFloatBitWidth() : 0;
      bool planned = bits > 0 && (bits == 1 || bits % 8 == 0) &&
                     type.getLayout().isIdentity() && type.getNumDynamicDims() <= 1;
      int64_t elements = 1;
      for (Value size : alloc.getDynamicSizes()) {
        std::optional<int64_t> multiple =
            batch ? batchMultiple(size, func, *batch) : std::nullopt;
        planned &= multiple.has_value();
        elements *= multiple.value_or(1);
      }
      for (int64_t d : type.getShape())
        elements *= ShapedType::isDynamic(d) ? 1 : d;
      int64_t bytes = elements * (bits == 1 ? 1 : bits / 8);
      intermediates += bytes;
      if (!planned) {
        ++unplanned;
        continue;
      }
      Buffer buffer;
      buffer.alloc = alloc;
      buffer.size = type.getNumDynamicDims() ? Linear{0, alignUp(bytes)} : Linear{alignUp(bytes), 0};
      buffer.first = order[alloc];
      buffer.last = std::max(buffer.first, lastUse(alloc, entry, order));
      buffers.push_back(buffer);
    }

    // Largest first, each at the valid candidate offset that costs least at batch 8.
    llvm::stable_sort(buffers, [](const Buffer &a, const Buffer &b) {
      return std::make_pair(a.size.perBatch, a.size.base) >
             std::make_pair(b.size.perBatch, b.size.base);
    });
    SmallVector<Buffer *> placed;
    Linear arena;
    for (Buffer &buffer : buffers) {
      SmallVector<Linear> candidates{{0, 0}};
      Linear highest;
      for (Buffer *other : placed) {
        if (!overlaps(buffer, *other))
          continue;
        Linear end = other->offset + other->size;
        candidates.push_back(end);
        highest = {std::max(highest.base, end.base), std::max(highest.perBatch, end.perBatch)};
      }
      candidates.push_back(highest); // always valid
      std::optional<Linear> best;
      for (const Linear &at : candidates) {
        bool ok = llvm::all_of(placed, [&](Buffer *other) {
          return !overlaps(buffer, *other) || apart(at, buffer.size, *other);
        });
        if (ok && (!best || at.base + 8 * at.perBatch < best->base + 8 * best->perBatch))
          best = at;
      }
      buffer.offset = *best;
      Linear end = buffer.offset + buffer.size;
      arena = {std::max(arena.base, end.base), std::max(arena.perBatch, end.perBatch)};
      placed.push_back(&buffer);
    }

    // The arena is the last argument of @kiln_main, planned or not, so the C glue has
    // one calling convention.
    OpBuilder b(ctx);
    auto arenaType = MemRefType::get({ShapedType::kDynamic}, b.getI8Type());
    if (failed(func.insertArgument(func.getNumArguments(), arenaType, {}, func.getLoc())))
      return signalPassFailure();
    Value arenaArg = func.getArguments().back();
    b.setInsertionPointToStart(&entry);
    Value n;
    if (batch && llvm::any_of(buffers, [](const Buffer &x) { return x.offset.perBatch; }))
      n = memref::DimOp::create(b, func.getLoc(), func.getArgument(batch->arg), batch->dim);
    for (Buffer &buffer : buffers) {
      b.setInsertionPoint(buffer.alloc);
      Location loc = buffer.alloc.getLoc();
      Value offset = arith::ConstantIndexOp::create(b, loc, buffer.offset.base);
      if (buffer.offset.perBatch) {
        Value scaled = arith::MulIOp::create(
            b, loc, n, arith::ConstantIndexOp::create(b, loc, buffer.offset.perBatch));
        offset = arith::AddIOp::create(b, loc, offset, scaled);
      }
      Value view = memref::ViewOp::create(b, loc, buffer.alloc.getType(), arenaArg, offset,
                                          buffer.alloc.getDynamicSizes());
      buffer.alloc.replaceAllUsesWith(view);
      buffer.alloc.erase();
    }

    module->setAttr("kiln.arena_base_bytes", b.getI64IntegerAttr(arena.base));
    module->setAttr("kiln.arena_per_batch_bytes", b.getI64IntegerAttr(arena.perBatch));
    module->setAttr("kiln.intermediates_bytes", b.getI64IntegerAttr(intermediates));
    module->setAttr("kiln.arena_buffers", b.getI64IntegerAttr(buffers.size()));
    module->setAttr("kiln.heap_buffers", b.getI64IntegerAttr(unplanned));
  }
};

} // namespace
