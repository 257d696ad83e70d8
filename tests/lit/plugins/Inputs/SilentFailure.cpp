// A plugin whose pass fails without a diagnostic (as a greedy rewrite that never
// converges does): kilnc must still say which pass failed.
#include "kiln/PassPlugin.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln::test {
struct FailSilently : mlir::PassWrapper<FailSilently, mlir::OperationPass<mlir::ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(FailSilently)
  llvm::StringRef getArgument() const override { return "kiln-test-fail-silently"; }
  void runOnOperation() override { signalPassFailure(); }
};
} // namespace kiln::test

KILN_PASS_PLUGIN("kiln-test-silent-failure", "0",
                 [](kiln::PluginRegistrar &r) { r.addPass<kiln::test::FailSilently>(); })
