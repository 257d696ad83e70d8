//===- ResolveRuntimeRanks.cpp - Give run-time ranks a compiled form ------===//
//
// ONNX lets a value's rank depend on run-time data in two ways that exporters (and the
// ONNX function bodies of ops such as AffineGrid) write where the rank does not really
// vary, and which a compiled model, whose tensors all have a fixed rank, cannot take:
//
// * An If whose branches yield different ranks for a value that only feeds
//   broadcasting elementwise ops (Add, Mul, Where, the comparisons, ...) whose other
//   operands have at least the larger rank, e.g. a step that is a scalar 0 in one branch
//   and a [1] tensor in the other, multiplied by a [W] range. Numpy broadcasting aligns
//   shapes on the right, so leading 1 dims change nothing there: the branch with the
//   smaller rank gets them (an Unsqueeze before its yield) and the If has one rank.
//
// * A Squeeze without axes of a tensor with dynamic dims: it removes every dim of size
//   1, so its rank depends on the sizes. It is compiled as the Squeeze of the static
//   1 dims, assuming the dynamic dims are not 1, behind a run-time check per dynamic
//   dim (code KILN_MODEL_ERROR_SHAPE, the message says why), as ONNX Runtime would
//   compute another rank there.
//
// After each rewrite kiln-infer-shapes and kiln-fold-constants run again, so that the
// ranks found flow downstream (and what they make constant folds).
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

#include "mlir/Pass/PassManager.h"

namespace kiln {
#define GEN_PASS_DEF_RESOLVERUNTIMERANKS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using namespace kiln::onnxir;

namespace {

/// The yielded values of a region's block.
ValueRange yielded(Region &region) { return region.front().getTerminator()->getOperands(); }

/// True when `use` reads its operand only through multidirectional (numpy)
/// broadcasting against other operands of rank >= `rank`, or only for its element
/// type: prepending 1 dims to that operand, up to `rank` dims, changes nothing.
bool isRankInsensitiveUse(OpOperand &use, int64_t rank) {
  Operation *user = use.getOwner();
  if (isa<CastLikeOp>(user))
    return use.getOperandNumber() == 1; // target_type: only its element type matters
  if (!isa<AddOp, SubOp, MulOp, DivOp, PowOp, ModOp, MaxOp, MinOp, SumOp, MeanOp, AndOp, OrOp,
           XorOp, BitShiftOp, BitwiseAndOp, BitwiseOrOp, BitwiseXorOp, EqualOp, LessOp,
           GreaterOp, LessOrEqualOp, GreaterOrEqualOp, WhereOp>(user))
    return false;
  for (OpOperand &other : user->getOpOperands()) {
    if (other.getOperandNumber() == use.getOperandNumber())
      continue;
    auto type = dyn_cast<RankedTensorType>(other.get().getType());
    if (type && type.getRank() >= rank)
      return true;
  }
  return false;
}

/// A rank-0 or 1-D i64 constant.
Value i64Constant(OpBuilder &b, Location loc, ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({static_cast<int64_t>(values.size())}, b.getI64Type());
  return ConstantOp::create(b, loc, TypeRange{type}, ValueRange{},
                            ArrayRef<NamedAttribute>{b.getNamedAttr(
                                "value", DenseElementsAttr::get(type, values))})
      .getResult();
}

/// Gives result `index` of `op` the larger of its two branch ranks when the smaller
/// one differs only by leading 1 dims and every use is rank-insensitive; true if it did.
bool unifyResultRank(IfOp op, unsigned index) {
  Value thenValue = yielded(op.getThenBranch())[index];
  Value elseValue = yielded(op.getElseBranch())[index];
  auto thenType = dyn_cast<RankedTensorType>(thenValue.getType());
  auto elseType = dyn_cast<RankedTensorType>(elseValue.getType());
  if (!thenType || !elseType || thenType.getRank() == elseType.getRank())
    return false;
  bool thenLow = thenType.getRank() < elseType.getRank();
  RankedTensorType low = thenLow ? thenType : elseType, high = thenLow ? elseType : thenType;
  int64_t extra = high.getRank() - low.getRank();
  // The larger rank's leading dims must be 1 (else the smaller one's shape could not
  // broadcast to the same result in every user).
  for (int64_t d = 0; d < extra; ++d)
    if (high.getDimSize(d) != 1)
      return false;
  for (OpOperand &use : op->getResult(index).getUses())
    if (!isRankInsensitiveUse(use, high.getRank()))
      return false;
  Region &region = thenLow ? op.getThenBranch() : op.getElseBranch();
  Operation *yield = region.front().getTerminator();
  OpBuilder b(yield);
  Location loc = yield->getLoc();
  SmallVector<int64_t> axes, shape(extra, 1);
  for (int64_t d = 0; d < extra; ++d)
    axes.push_back(d);
  llvm::append_range(shape, low.getShape());
  Value expanded =
      UnsqueezeOp::create(b, loc, TypeRange{low.clone(shape)},
                          ValueRange{yield->getOperand(index), i64Constant(b, loc, axes)},
                          ArrayRef<NamedAttribute>{})
          .getResult();
  yield->setOperand(index, expanded);
  return true;
}

/// Rewrites a Squeeze without axes of a tensor with dynamic dims as the Squeeze of its
/// static 1 dims, behind a check that no dynamic dim is 1; true if it did.
bool resolveSqueeze(SqueezeOp op) {
  auto type = dyn_cast<RankedTensorType>(op.getData().getType());
  if (!isa<NoneType>(op.getAxes().getType()) || !type || type.hasStaticShape())
    return false;
  OpBuilder b(op);
  Location loc = op.getLoc();
  Value data = op.getData();
  std::string node = kiln::describeNode(op);
  SmallVector<int64_t> axes, kept;
  for (auto [d, size] : llvm::enumerate(type.getShape())) {
    if (size == 1) {
      axes.push_back(d);
      continue;
    }
    kept.push_back(size);
    if (!ShapedType::isDynamic(size))
      continue;
    Value dim = tensor::DimOp::create(b, loc, data, d);
    Value one = arith::ConstantIndexOp::create(b, loc, 1);
    Value ok = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, dim, one);
    Value axis = arith::ConstantIndexOp::create(b, loc, d);
    kiln::kilnir::CheckOp::create(
        b, loc, ok, axis, dim, b.getI32IntegerAttr(kiln::kilnir::kCheckShape),
        b.getStringAttr(node + ": without axes, Squeeze removes every dim of size 1, and dim "
                               "{} is only known at run time (here {}); the model was "
                               "compiled for a size other than 1, which keeps its rank"));
  }
  Value result = data;
  if (!axes.empty())
    result = SqueezeOp::create(b, loc, TypeRange{type.clone(kept)},
                               ValueRange{data, i64Constant(b, loc, axes)},
                               ArrayRef<NamedAttribute>{})
                 .getResult();
  op.getResult().replaceAllUsesWith(result);
  op->erase();
  return true;
}

LogicalResult inferAndFold(ModuleOp module) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  pm.addPass(kiln::createInferShapes());
  pm.addPass(kiln::createFoldConstants());
  return pm.run(module);
}

struct ResolveRuntimeRanksPass : kiln::impl::ResolveRuntimeRanksBase<ResolveRuntimeRanksPass> {
  kiln::PassStatistic numIfs{this, "unified-if-ranks",
                             "If results given one rank (leading 1 dims before broadcasting)"};
  kiln::PassStatistic numSqueezes{this, "resolved-squeezes",
                                  "Squeezes without axes compiled for dynamic dims other than 1"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    while (true) {
      bool changed = false;
      module.walk([&](IfOp op) {
        for (unsigned i = 0; i < op->getNumResults(); ++i)
          if (unifyResultRank(op, i)) {
            ++numIfs;
            changed = true;
          }
      });
      SmallVector<SqueezeOp> squeezes;
      module.walk([&](SqueezeOp op) { squeezes.push_back(op); });
      for (SqueezeOp op : squeezes)
        if (resolveSqueeze(op)) {
          ++numSqueezes;
          changed = true;
        }
      if (!changed)
        return;
      if (failed(inferAndFold(module)))
        return signalPassFailure();
    }
  }
};

} // namespace
