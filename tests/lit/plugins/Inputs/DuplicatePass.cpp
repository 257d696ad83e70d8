// A plugin whose pass takes the name of one of Kiln's own (kiln-infer-shapes). MLIR's
// registry would abort; the loader must refuse it with a message.
#include "kiln/PassPlugin.h"

#include "mlir/IR/BuiltinOps.h"

namespace kiln::test {
struct ShadowInferShapes
    : mlir::PassWrapper<ShadowInferShapes, mlir::OperationPass<mlir::ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(ShadowInferShapes)
  llvm::StringRef getArgument() const override { return "kiln-infer-shapes"; }
  void runOnOperation() override {}
};
} // namespace kiln::test

KILN_PASS_PLUGIN("kiln-test-duplicate", "0",
                 [](kiln::PluginRegistrar &r) { r.addPass<kiln::test::ShadowInferShapes>(); })
