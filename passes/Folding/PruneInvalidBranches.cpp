//===- PruneInvalidBranches.cpp - Keep the only If branch a model can run -===//
//
// Exporters turn `x.squeeze(-1)` on a dynamic size into an If on `Shape(x)[-1] == 1`
// whose branches return different ranks, and the code after it then only works for one
// of them (silero-vad's decoder feeds the result to an LSTM; with the other rank ONNX
// Runtime fails at run time with "Input X must have 3 dimensions"). A run-time choice of
// rank has no compiled form, but here there is no choice to make: only one branch leads
// to a valid model.
//
// For each If whose condition is not a constant and whose branches yield different
// ranks, the pass tries both branches on a copy of the module: the branch replaces the
// If, then kiln-infer-shapes and kiln-fold-constants run (nested rank checks fold away
// once the rank is known). When exactly one branch gives a valid module, it replaces the
// If in the real module behind a kiln.check of the condition, so a run where the
// condition goes the other way stops with KILN_MODEL_ERROR_SHAPE and a message that
// says why, as ONNX Runtime would fail; the compiler warns about it. When both branches
// are valid (a real rank-polymorphic model) or neither is, the If stays, and its
// lowering explains why it cannot be compiled.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/PassManager.h"

#include <optional>

namespace kiln {
#define GEN_PASS_DEF_PRUNEINVALIDBRANCHES
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;
using kiln::onnxir::IfOp;

namespace {

/// True when some result of `op` has a different rank in the two branches.
bool branchRanksDiffer(IfOp op) {
  auto yielded = [](Region &r) { return r.front().getTerminator()->getOperandTypes(); };
  for (auto [a, b] : llvm::zip(yielded(op.getThenBranch()), yielded(op.getElseBranch()))) {
    auto ta = dyn_cast<RankedTensorType>(a), tb = dyn_cast<RankedTensorType>(b);
    if (ta && tb && ta.getRank() != tb.getRank())
      return true;
  }
  return false;
}

/// True when `cond` holds a single element whose position is known statically.
bool isSingleElement(Value cond) {
  auto type = dyn_cast<RankedTensorType>(cond.getType());
  return type && type.hasStaticShape() && type.getNumElements() == 1;
}

/// The Ifs this pass may resolve, in pre-order (an If before the Ifs in its branches).
SmallVector<IfOp> candidates(ModuleOp module) {
  SmallVector<IfOp> ifs;
  module.walk<WalkOrder::PreOrder>([&](IfOp op) {
    if (!isa_and_nonnull<kiln::onnxir::ConstantOp>(op.getCond().getDefiningOp()) &&
        isSingleElement(op.getCond()) && branchRanksDiffer(op))
      ifs.push_back(op);
  });
  return ifs;
}

/// Replaces `op` by the ops of one branch.
void inlineBranch(IfOp op, bool thenBranch) {
  Block &block = (thenBranch ? op.getThenBranch() : op.getElseBranch()).front();
  Operation *yield = block.getTerminator();
  SmallVector<Value> values(yield->getOperands());
  op->getBlock()->getOperations().splice(Block::iterator(op), block.getOperations(),
                                         block.begin(), Block::iterator(yield));
  op->replaceAllUsesWith(values);
  op->erase();
}

/// Infers and folds `module` again (after a branch replaced an If).
LogicalResult inferAndFold(ModuleOp module) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  pm.addPass(kiln::createInferShapes());
  pm.addPass(kiln::createFoldConstants());
  return pm.run(module);
}

/// An op's error as the user reads it: "node 'lstm' (LSTM): X has rank 5 != 3" rather
/// than "'onnx.LSTM' op X has rank 5 != 3".
std::string describeError(Diagnostic &diag) {
  std::string text = diag.str();
  StringRef rest = text;
  StringRef opName;
  if (rest.consume_front("'")) {
    size_t end = rest.find("' op ");
    if (end != StringRef::npos) {
      opName = rest.take_front(end);
      rest = rest.drop_front(end + 5);
    } else {
      rest = text;
    }
  }
  if (StringRef(text).starts_with("node ") || kiln::nodeNames(diag.getLocation()).empty())
    return text;
  return kiln::describeNode(diag.getLocation(), opName) + ": " + rest.str();
}

/// On a copy of `module`, replaces its `index`-th candidate If by one branch and infers
/// and folds the rest; returns the first error this reports, or nothing when the module
/// stays valid.
std::optional<std::string> tryBranch(ModuleOp module, size_t index, bool thenBranch) {
  OwningOpRef<ModuleOp> copy(module.clone());
  inlineBranch(candidates(*copy)[index], thenBranch);
  std::optional<std::string> error;
  ScopedDiagnosticHandler capture(module.getContext(), [&](Diagnostic &diag) {
    if (diag.getSeverity() == DiagnosticSeverity::Error && !error)
      error = describeError(diag);
    return success(); // the copy's diagnostics are not the user's
  });
  if (failed(inferAndFold(*copy)) && !error)
    error = "the model is not valid";
  return error;
}

/// kiln.check messages format `{}` as numbers: keep braces out of quoted text.
std::string withoutBraces(std::string text) {
  for (char &c : text)
    if (c == '{')
      c = '(';
    else if (c == '}')
      c = ')';
  return text;
}

struct PruneInvalidBranchesPass
    : kiln::impl::PruneInvalidBranchesBase<PruneInvalidBranchesPass> {
  kiln::PassStatistic numPruned{this, "pruned-branches",
                                "If ops replaced by the only branch that gives a valid model"};

  void runOnOperation() override {
    ModuleOp module = getOperation();
    // Ifs both of whose branches are valid (or neither) stay; they are skipped by index.
    size_t next = 0;
    while (true) {
      SmallVector<IfOp> ifs = candidates(module);
      if (next >= ifs.size())
        return;
      std::optional<std::string> thenError = tryBranch(module, next, /*thenBranch=*/true);
      std::optional<std::string> elseError = tryBranch(module, next, /*thenBranch=*/false);
      if (thenError.has_value() == elseError.has_value()) {
        ++next;
        continue;
      }
      bool keepThen = !thenError.has_value();
      prune(ifs[next], keepThen, keepThen ? *elseError : *thenError);
      ++numPruned;
      if (failed(inferAndFold(module)))
        return signalPassFailure();
    }
  }

  /// Replaces `op` by the branch it keeps, behind a run-time check of its condition.
  void prune(IfOp op, bool keepThen, StringRef otherError) {
    Location loc = op.getLoc();
    std::string node = kiln::describeNode(op);
    std::string condition = keepThen ? "true" : "false";
    std::string other = keepThen ? "false" : "true";
    op.emitWarning() << node << ": only the " << (keepThen ? "then" : "else")
                     << " branch gives a valid model (with the other, " << otherError
                     << "); compiled for a condition that is " << condition
                     << ", a run where it is " << other << " returns an error";

    OpBuilder b(op);
    Value cond = op.getCond();
    auto type = cast<RankedTensorType>(cond.getType());
    SmallVector<Value> zeros;
    if (type.getRank() > 0)
      zeros.assign(type.getRank(), arith::ConstantIndexOp::create(b, loc, 0));
    Value flag = tensor::ExtractOp::create(b, loc, cond, zeros);
    if (!keepThen)
      flag = arith::XOrIOp::create(b, loc, flag, arith::ConstantIntOp::create(b, loc, 1, 1));
    Value zero = arith::ConstantIntOp::create(b, loc, 0, 64);
    std::string message = withoutBraces(
        node + ": the model can only run when this condition is " + condition +
        " (when it is " + other + ", " + otherError.str() + ")");
    kiln::kilnir::CheckOp::create(b, loc, flag, zero, zero,
                                  b.getI32IntegerAttr(kiln::kilnir::kCheckShape),
                                  b.getStringAttr(message));
    inlineBranch(op, keepThen);
  }
};

} // namespace
