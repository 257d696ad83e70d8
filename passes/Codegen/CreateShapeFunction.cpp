//===- CreateShapeFunction.cpp - Output dims of the model from input dims --===//
//
// The runtime allocates output buffers before it runs the model, so the library
// exports kiln_model_output_dims. It is compiled from a clone of the entry function
// whose results are replaced by their dimensions; `tensor.dim` of a linalg result then
// resolves to the dims of its operands (ReifyRankedShapedTypeOpInterface) and the
// computation itself becomes dead; the dim of an scf.if result becomes a result of the
// if, each branch yielding the dim of what it yields. A data-dependent shape keeps the
// computation alive: still correct, only slower (the model then runs twice).
//
// The clone also carries the entry's kiln.check ops, so a bad input shape is refused
// before any kernel runs. Only the shape checks whose operands resolve to input dims and
// scalar arithmetic (or to what the output dims need anyway) stay: O(rank) work per op.
// Checks on tensor values (indices, divisors) and shape checks that would keep kernels
// alive are left to the entry function.
//
//===----------------------------------------------------------------------===//

#include "passes/Codegen/Passes.h"
#include "ir/kiln/KilnDialect.h"

#include "mlir/Analysis/SliceAnalysis.h"

#include "mlir/Dialect/MemRef/Transforms/Transforms.h"
#include "mlir/Dialect/SCF/Transforms/Patterns.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln {
#define GEN_PASS_DEF_CREATESHAPEFUNCTION
#include "passes/Codegen/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// tensor.dim of an scf.if result (a broadcast that only some sizes need) becomes one
/// more result of the if, each branch yielding the dim of what it yields: the dims then
/// resolve inside the branches and the tensors they computed become dead.
struct DimOfIfResult : OpRewritePattern<tensor::DimOp> {
  using OpRewritePattern::OpRewritePattern;

  LogicalResult matchAndRewrite(tensor::DimOp dim, PatternRewriter &rewriter) const override {
    auto result = dyn_cast<OpResult>(dim.getSource());
    auto ifOp = result ? dyn_cast<scf::IfOp>(result.getOwner()) : scf::IfOp();
    if (!ifOp || ifOp.getElseRegion().empty())
      return failure();
    // The index must be visible in the branches.
    if (!dim.getIndex().getParentRegion()->isAncestor(ifOp->getParentRegion()))
      return failure();
    SmallVector<Type> types(ifOp.getResultTypes());
    types.push_back(rewriter.getIndexType());
    rewriter.setInsertionPoint(ifOp);
    auto newIf = scf::IfOp::create(rewriter, ifOp.getLoc(), types, ifOp.getCondition(),
                                   /*withElseRegion=*/true);
    for (auto [from, to] : {std::pair<Region *, Region *>{&ifOp.getThenRegion(),
                                                          &newIf.getThenRegion()},
                            {&ifOp.getElseRegion(), &newIf.getElseRegion()}}) {
      if (!to->empty())
        rewriter.eraseBlock(&to->front());
      rewriter.inlineRegionBefore(*from, *to, to->end());
      auto yield = cast<scf::YieldOp>(to->front().getTerminator());
      rewriter.setInsertionPoint(yield);
      Value size = tensor::DimOp::create(rewriter, dim.getLoc(),
                                         yield.getOperand(result.getResultNumber()),
                                         dim.getIndex());
      SmallVector<Value> values(yield.getOperands());
      values.push_back(size);
      rewriter.replaceOpWithNewOp<scf::YieldOp>(yield, values);
    }
    rewriter.replaceOp(dim, newIf.getResults().back());
    rewriter.replaceOp(ifOp, newIf.getResults().drop_back());
    return success();
  }
};

struct CreateShapeFunctionPass
    : kiln::impl::CreateShapeFunctionBase<CreateShapeFunctionPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    auto entry = module.lookupSymbol<func::FuncOp>(kiln::kEntryName);
    if (!entry) {
      module.emitError() << "no @" << kiln::kEntryName << " function to derive shapes from";
      return signalPassFailure();
    }
    OpBuilder b(&getContext());
    b.setInsertionPointAfter(entry);
    auto shapes = cast<func::FuncOp>(b.clone(*entry));
    shapes.setName(kiln::kShapeFunctionName);
    // Checks of index and divisor values guard kernels the shape function does not
    // run; kept, they would keep those values' computation alive.
    shapes.walk([](kiln::kilnir::CheckOp check) {
      if (kiln::kilnir::isDataCheck(check.getCode()))
        check.erase();
    });
    // Argument and result attributes describe the model's tensors, not these.
    shapes.removeArgAttrsAttr();
    shapes.removeResAttrsAttr();

    auto ret = cast<func::ReturnOp>(shapes.getBody().back().getTerminator());
    b.setInsertionPoint(ret);
    Location loc = ret.getLoc();
    SmallVector<Value> dims;
    for (Value result : ret.getOperands()) {
      auto type = dyn_cast<RankedTensorType>(result.getType());
      if (!type) {
        ret.emitError() << "model output of type " << result.getType()
                        << " is not a ranked tensor";
        return signalPassFailure();
      }
      for (int64_t d = 0; d < type.getRank(); ++d) {
        Value dim = type.isDynamicDim(d)
                        ? Value(tensor::DimOp::create(b, loc, result, d))
                        : Value(arith::ConstantIndexOp::create(b, loc, type.getDimSize(d)));
        dims.push_back(arith::IndexCastOp::create(b, loc, b.getI64Type(), dim));
      }
    }
    auto dimsType = RankedTensorType::get({static_cast<int64_t>(dims.size())}, b.getI64Type());
    Value packed = tensor::FromElementsOp::create(b, loc, dimsType, dims);
    func::ReturnOp::create(b, loc, packed);
    ret.erase();
    shapes.setFunctionType(
        b.getFunctionType(shapes.getArgumentTypes(), TypeRange{dimsType}));

    // Resolve tensor.dim of op results to dims of their operands, then let the now
    // unused computation fold away.
    RewritePatternSet patterns(&getContext());
    memref::populateResolveRankedShapedTypeResultDimsPatterns(patterns);
    tensor::DimOp::getCanonicalizationPatterns(patterns, &getContext());
    // A loop result whose yield only writes into its iter_arg (the Y of a recurrent
    // layer, a Scan output) has the dims of the loop's init.
    scf::populateSCFForLoopCanonicalizationPatterns(patterns);
    patterns.add<DimOfIfResult>(&getContext());
    scf::IfOp::getCanonicalizationPatterns(patterns, &getContext());
    FrozenRewritePatternSet frozen(std::move(patterns));
    // Every pattern moves a dim towards the inputs or erases dead ops, so the rewrite
    // terminates; a deep model (GPT-2 with a KV cache, 12 layers) needs more than the
    // driver's default of 10 sweeps to get there.
    GreedyRewriteConfig config;
    config.setMaxIterations(kMaxSweeps);
    if (failed(applyPatternsGreedily(shapes, frozen, config)))
      return notConverged(shapes);
    // Drop the checks that are not cheap here, then let what only they used fold away.
    if (pruneChecks(shapes) && failed(applyPatternsGreedily(shapes, frozen, config)))
      return notConverged(shapes);
  }

  static constexpr int64_t kMaxSweeps = 1000;

  void notConverged(func::FuncOp shapes) {
    shapes.emitError() << "kiln-create-shape-function: the output dims did not resolve in "
                       << kMaxSweeps << " sweeps of the rewrite driver";
    signalPassFailure();
  }

  /// Whether `op` is scalar work the shape function may do for a check: arithmetic on
  /// integers and indices, or a read (dim, extract) of a function argument.
  static bool isCheapScalarOp(Operation *op) {
    if (op->getNumRegions() != 0 || !isMemoryEffectFree(op))
      return false;
    if (isa<tensor::DimOp, tensor::ExtractOp>(op))
      return isa<BlockArgument>(op->getOperand(0));
    return llvm::all_of(op->getResultTypes(), [](Type t) { return t.isIntOrIndex(); });
  }

  /// Erases the shape checks of the shape function that need more than cheap scalar work
  /// beyond what the output dims need (data checks are gone already). Returns true if any.
  static bool pruneChecks(func::FuncOp shapes) {
    auto ret = cast<func::ReturnOp>(shapes.getBody().back().getTerminator());
    SetVector<Operation *> needed;
    BackwardSliceOptions options;
    options.omitUsesFromAbove = false;
    (void)getBackwardSlice(ret.getOperation(), &needed, options);
    SmallVector<kiln::kilnir::CheckOp> doomed;
    shapes.walk([&](kiln::kilnir::CheckOp check) {
      SetVector<Operation *> slice;
      (void)getBackwardSlice(check.getOperation(), &slice, options);
      if (!llvm::all_of(slice, [&](Operation *op) {
            return needed.contains(op) || isCheapScalarOp(op);
          }))
        doomed.push_back(check);
    });
    for (kiln::kilnir::CheckOp check : doomed)
      check.erase();
    return !doomed.empty();
  }
};

} // namespace
