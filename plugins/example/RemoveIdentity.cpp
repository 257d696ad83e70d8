//===- RemoveIdentity.cpp - Replace onnx.Identity by its input ------------===//

#include "Passes.h"

#include "ir/onnx/OnnxDialect.h"
#include "kiln/Statistic.h"

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::example {
#define GEN_PASS_DEF_REMOVEIDENTITY
#include "Passes.h.inc"

namespace {
/// Identity(x) = x, when the result has x's type.
struct ForwardIdentityInput : mlir::OpRewritePattern<onnxir::IdentityOp> {
  ForwardIdentityInput(mlir::MLIRContext *ctx, bool keepOutputs, kiln::PassStatistic &removed)
      : OpRewritePattern(ctx), keepOutputs(keepOutputs), removed(removed) {}

  mlir::LogicalResult matchAndRewrite(onnxir::IdentityOp op,
                                      mlir::PatternRewriter &rewriter) const override {
    if (op.getInput().getType() != op.getOutput().getType())
      return rewriter.notifyMatchFailure(op, "the result type differs from the input type");
    if (keepOutputs && llvm::any_of(op->getUsers(), [](mlir::Operation *user) {
          return mlir::isa<mlir::func::ReturnOp>(user);
        }))
      return rewriter.notifyMatchFailure(op, "keep-outputs: the result is a graph output");
    rewriter.replaceOp(op, op.getInput());
    ++removed;
    return mlir::success();
  }

  bool keepOutputs;
  kiln::PassStatistic &removed;
};
} // namespace

/// In a named namespace: MLIR identifies a pass class without an explicit TypeID by its
/// name, so an anonymous-namespace pass could collide with another plugin's.
struct RemoveIdentity : impl::RemoveIdentityBase<RemoveIdentity> {
  using RemoveIdentityBase::RemoveIdentityBase;

  /// Printed by --kiln-stats (mlir::Pass::Statistic counts nothing in release builds).
  kiln::PassStatistic numRemoved{this, "identities-removed",
                                 "onnx.Identity ops replaced by their input"};

  void runOnOperation() override {
    mlir::RewritePatternSet patterns(&getContext());
    patterns.add<ForwardIdentityInput>(&getContext(), keepOutputs, numRemoved);
    if (failed(mlir::applyPatternsGreedily(getOperation(), std::move(patterns))))
      signalPassFailure();
  }
};
} // namespace kiln::example
