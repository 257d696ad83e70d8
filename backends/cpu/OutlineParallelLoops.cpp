//===- OutlineParallelLoops.cpp - scf.parallel to runtime parallel-for ----===//
//
// The backend owns no threads: a top-level parallel loop is outlined into a function
// over a chunk [begin, end) of its first dimension and handed to the runtime's
// parallel-for (through the C glue's kiln_rt_parallel_for). This pass does the
// outlining on scf/memref; LowerParallelDispatch.cpp does the call once every captured
// value has an LLVM type (a memref is then a handful of scalars, easy to pack).
//
//===----------------------------------------------------------------------===//

#include "backends/cpu/Passes.h"

#include "mlir/Dialect/SCF/Utils/Utils.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"
#include "mlir/IR/IRMapping.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/RegionUtils.h"

namespace kiln::cpu {
#define GEN_PASS_DEF_OUTLINEPARALLELLOOPS
#include "backends/cpu/Passes.h.inc"
} // namespace kiln::cpu

using namespace mlir;

namespace {

/// The operations a chunk should execute at least before the loop is split: below it
/// waking a second thread costs more than it saves. MobileNetV3-Small's 142 kernels at
/// batch 1 include 97 that run under 10 us on one thread; split over 2 threads every
/// one got slower (a border fill 1.7 -> 7.3 us).
constexpr int64_t kMinChunkOps = 1 << 14;
/// A loop of unknown trip count counts as this many iterations.
constexpr int64_t kDynamicTrips = 16;
constexpr int64_t kCostCap = int64_t(1) << 40;

int64_t saturatingMul(int64_t a, int64_t b) {
  return a != 0 && b > kCostCap / a ? kCostCap : std::min(a * b, kCostCap);
}

/// A loop dim's trip count where its bounds are constants, else kDynamicTrips.
int64_t trips(Value lb, Value ub, Value step) {
  std::optional<int64_t> l = getConstantIntValue(lb), u = getConstantIntValue(ub),
                         s = getConstantIntValue(step);
  if (!l || !u || !s || *s <= 0)
    return kDynamicTrips;
  return std::max<int64_t>(0, (*u - *l + *s - 1) / *s);
}

/// The operations one execution of `block` runs: nested loops count their trip counts
/// (static ones; a dynamic one kDynamicTrips), an scf.if its larger branch. A vector op
/// counts as one: the estimate is of instructions, not of scalar work.
int64_t estimateOps(Block &block) {
  int64_t ops = 0;
  for (Operation &op : block) {
    int64_t cost = 1;
    if (auto loop = dyn_cast<scf::ForOp>(op)) {
      cost = saturatingMul(trips(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()),
                           estimateOps(*loop.getBody()) + 1);
    } else if (auto loop = dyn_cast<scf::ParallelOp>(op)) {
      cost = estimateOps(*loop.getBody()) + 1;
      for (auto [lb, ub, step] :
           llvm::zip(loop.getLowerBound(), loop.getUpperBound(), loop.getStep()))
        cost = saturatingMul(cost, trips(lb, ub, step));
    } else if (op.getNumRegions() > 0) {
      int64_t largest = 0;
      for (Region &region : op.getRegions())
        for (Block &inner : region)
          largest = std::max(largest, estimateOps(inner));
      cost += largest;
    }
    ops = std::min(ops + cost, kCostCap);
  }
  return ops;
}

/// Values that are cheaper to rematerialize in the body than to pass in.
bool isRematerializable(Value value) {
  Operation *def = value.getDefiningOp();
  return def && def->getNumOperands() == 0 && def->hasTrait<OpTrait::ConstantLike>();
}

/// Outlines one loop; `index` makes the generated names unique in the module.
/// `opsPerIteration` estimates one iteration of its first dim.
void outline(scf::ParallelOp loop, unsigned index, ModuleOp module, int64_t opsPerIteration) {
  Location loc = loop.getLoc();
  MLIRContext *ctx = loop.getContext();
  OpBuilder b(ctx);
  Type indexType = b.getIndexType();

  // Everything the body and the loop bounds use from above becomes an argument.
  llvm::SetVector<Value> used;
  getUsedValuesDefinedAbove(loop.getRegion(), used);
  for (Value v : loop.getOperands())
    used.insert(v);
  SmallVector<Value> captures;
  for (Value v : used)
    if (!isRematerializable(v))
      captures.push_back(v);

  // The body: func @kiln_par_body<N>(%begin, %end, captures...).
  SmallVector<Type> argTypes{indexType, indexType};
  for (Value v : captures)
    argTypes.push_back(v.getType());
  b.setInsertionPointToEnd(module.getBody());
  std::string bodyName = ("kiln_par_body" + Twine(index)).str();
  auto body = func::FuncOp::create(b, loc, bodyName, b.getFunctionType(argTypes, {}));
  body.setPrivate();
  Block *entry = body.addEntryBlock();
  b.setInsertionPointToStart(entry);

  IRMapping map;
  for (Value v : used)
    if (isRematerializable(v))
      map.map(v, b.clone(*v.getDefiningOp())->getResult(0));
  for (auto [v, arg] : llvm::zip(captures, entry->getArguments().drop_front(2)))
    map.map(v, arg);

  // for %k = begin to end: iv0 = lb0 + k * step0, then the remaining dimensions.
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  auto chunk = scf::ForOp::create(b, loc, entry->getArgument(0), entry->getArgument(1), one);
  b.setInsertionPointToStart(chunk.getBody());
  Value lb0 = map.lookup(loop.getLowerBound()[0]);
  Value step0 = map.lookup(loop.getStep()[0]);
  Value iv0 = arith::AddIOp::create(
      b, loc, lb0, arith::MulIOp::create(b, loc, chunk.getInductionVar(), step0));
  map.map(loop.getInductionVars()[0], iv0);

  auto cloneBody = [&](OpBuilder &nb) {
    for (Operation &op : loop.getBody()->without_terminator())
      nb.clone(op, map);
  };
  if (loop.getNumLoops() == 1) {
    cloneBody(b);
  } else {
    auto mapAll = [&](ValueRange values) {
      SmallVector<Value> mapped;
      for (Value v : values.drop_front())
        mapped.push_back(map.lookup(v));
      return mapped;
    };
    scf::ParallelOp::create(
        b, loc, mapAll(loop.getLowerBound()), mapAll(loop.getUpperBound()),
        mapAll(loop.getStep()), [&](OpBuilder &nb, Location, ValueRange ivs) {
          // getInductionVars() returns a temporary vector: keep it alive while zipping.
          SmallVector<Value> oldIvs = loop.getInductionVars();
          for (auto [oldIv, newIv] : llvm::zip(ArrayRef<Value>(oldIvs).drop_front(), ivs))
            map.map(oldIv, newIv);
          cloneBody(nb);
        });
  }
  b.setInsertionPointToEnd(entry);
  func::ReturnOp::create(b, loc);

  // At the loop: trip count of dim 0, the grain (iterations per chunk: enough for
  // kMinChunkOps), then the dispatch placeholder call.
  b.setInsertionPoint(loop);
  Value lb = loop.getLowerBound()[0], ub = loop.getUpperBound()[0], step = loop.getStep()[0];
  Value trip = arith::CeilDivSIOp::create(b, loc, arith::SubIOp::create(b, loc, ub, lb), step);
  Value grain = arith::ConstantIndexOp::create(
      b, loc, std::max<int64_t>(1, llvm::divideCeil(kMinChunkOps, opsPerIteration)));
  SmallVector<Value> callArgs{trip, grain};
  llvm::append_range(callArgs, captures);
  SmallVector<Type> dispatchTypes{indexType, indexType};
  for (Value v : captures)
    dispatchTypes.push_back(v.getType());
  std::string dispatchName = (kiln::kDispatchPrefix + Twine(index)).str();
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToEnd(module.getBody());
    auto decl = func::FuncOp::create(b, loc, dispatchName, b.getFunctionType(dispatchTypes, {}));
    decl.setPrivate();
  }
  func::CallOp::create(b, loc, dispatchName, TypeRange{}, callArgs);
  loop.erase();
}

struct OutlineParallelLoopsPass
    : kiln::cpu::impl::OutlineParallelLoopsBase<OutlineParallelLoopsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<scf::ParallelOp> loops;
    module.walk([&](scf::ParallelOp loop) {
      // Outermost loops without reductions only: nested ones run inside a chunk.
      if (loop->getParentOfType<scf::ParallelOp>() || loop.getNumResults() != 0)
        return;
      loops.push_back(loop);
    });
    unsigned index = 0;
    IRRewriter rewriter(&getContext());
    for (scf::ParallelOp loop : loops) {
      // One iteration of the dim the runtime splits runs the body once per point of the
      // dims that stay inside it: all but the first, or after the merge below only the
      // innermost. (Estimated now: the merged loop's bounds are not constants yet.)
      int64_t opsPerIteration = estimateOps(*loop.getBody()) + 1;
      for (unsigned d = loop.getNumLoops() > 2 ? loop.getNumLoops() - 1 : 1;
           d < loop.getNumLoops(); ++d)
        opsPerIteration = saturatingMul(
            opsPerIteration,
            trips(loop.getLowerBound()[d], loop.getUpperBound()[d], loop.getStep()[d]));
      // The runtime splits the first dimension only: merge every dimension but the
      // innermost into it, so a [1, 12, 128, 128] Softmax at batch 1 still has 1536 rows
      // to share, while the innermost loop stays a plain (vectorizable) loop.
      if (loop.getNumLoops() > 2) {
        std::vector<unsigned> outer;
        for (unsigned d = 0; d + 1 < loop.getNumLoops(); ++d)
          outer.push_back(d);
        std::vector<unsigned> inner{loop.getNumLoops() - 1};
        // The new loop goes right where the old one was (which is erased), after the
        // ops computing its bounds.
        Operation *after = loop->getNextNode();
        rewriter.setInsertionPoint(loop);
        collapseParallelLoops(rewriter, loop, {outer, inner});
        loop = cast<scf::ParallelOp>(after->getPrevNode());
      }
      outline(loop, index++, module, std::max<int64_t>(1, opsPerIteration));
    }
    hoistStaticAllocas(module);
  }

  /// scf.parallel is an automatic allocation scope: an alloca in its body lives for one
  /// iteration (a kernel's stack scratch). Outlined, that body becomes the body of a
  /// sequential loop, where each iteration's llvm.alloca would grow the stack (4 KiB per
  /// AMX block: 12 MiB for a 1024 x 3072 product). An alloca of a static size moves to
  /// its function's entry instead, once per call: the iterations of a chunk run one after
  /// the other on one thread, so they can share it.
  static void hoistStaticAllocas(ModuleOp module) {
    module.walk([](func::FuncOp func) {
      if (func.isExternal())
        return;
      Block &entry = func.getBody().front();
      SmallVector<memref::AllocaOp> nested;
      func.walk([&](memref::AllocaOp alloca) {
        if (alloca->getBlock() != &entry && alloca->getNumOperands() == 0)
          nested.push_back(alloca);
      });
      for (memref::AllocaOp alloca : nested)
        alloca->moveBefore(&entry, entry.begin());
    });
  }
};

} // namespace
