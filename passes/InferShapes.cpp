//===- InferShapes.cpp - Refine result types of onnx ops ------------------===//

#include "passes/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {
struct InferShapesPass : kiln::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    // The graph is in topological order: each block is visited producers first. An op
    // with regions (If, Loop, Scan) comes after its regions, which it types first.
    for (Region &region : module->getRegions())
      if (failed(kiln::onnxir::inferShapesInRegion(region)))
        return signalPassFailure();
    kiln::syncFunctionResultTypes(module);
  }
};
} // namespace

void kiln::syncFunctionResultTypes(ModuleOp module) {
  module.walk([](func::FuncOp func) {
    if (func.isExternal())
      return;
    auto ret = cast<func::ReturnOp>(func.getBody().back().getTerminator());
    SmallVector<Type> results(ret.getOperandTypes());
    func.setFunctionType(FunctionType::get(func.getContext(), func.getArgumentTypes(), results));
  });
}
