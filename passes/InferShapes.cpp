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
    // Pre-order walk visits producers before consumers inside each block, and an op
    // before the ops in its regions: the graph is already in topological order.
    WalkResult result = module.walk<WalkOrder::PreOrder>([](Operation *op) {
      if (failed(kiln::onnxir::refineResultTypes(op)))
        return WalkResult::interrupt();
      return WalkResult::advance();
    });
    if (result.wasInterrupted())
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
