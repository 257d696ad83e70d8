//===- InferShapes.cpp - Refine result types of onnx ops ------------------===//

#include "passes/Passes.h"

namespace kiln {
#define GEN_PASS_DEF_INFERSHAPES
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// A graph input declared as a sequence of tensors of unknown rank takes the rank of the
/// tensors the graph inserts into it: a compiled sequence holds tensors of one rank
/// (docs/sequences.md), so that is the only rank it can have.
void refineSequenceArguments(func::FuncOp func) {
  if (func.isExternal())
    return;
  bool changed = false;
  for (BlockArgument arg : func.getArguments()) {
    auto seq = dyn_cast<kiln::onnxir::SeqType>(arg.getType());
    auto element = seq ? dyn_cast<UnrankedTensorType>(seq.getElementType())
                       : UnrankedTensorType();
    if (!element)
      continue;
    std::optional<int64_t> rank;
    bool agree = true;
    for (Operation *user : arg.getUsers()) {
      auto insert = dyn_cast<kiln::onnxir::SequenceInsertOp>(user);
      auto tensor = insert && insert.getInputSequence() == arg
                        ? dyn_cast<RankedTensorType>(insert.getTensor().getType())
                        : RankedTensorType();
      if (!tensor || tensor.getElementType() != element.getElementType())
        continue;
      agree &= !rank || *rank == tensor.getRank();
      rank = tensor.getRank();
    }
    if (!rank || !agree)
      continue;
    arg.setType(kiln::onnxir::SeqType::get(
        func.getContext(),
        RankedTensorType::get(SmallVector<int64_t>(*rank, ShapedType::kDynamic),
                              element.getElementType())));
    changed = true;
  }
  if (changed)
    func.setFunctionType(FunctionType::get(func.getContext(), func.getBody().getArgumentTypes(),
                                           func.getResultTypes()));
}

/// A SequenceEmpty of unknown element rank takes the rank the graph gives its value: the
/// element type of the Loop body input it initializes, or the rank of the tensors inserted
/// into it (a compiled sequence holds one rank).
void refineEmptySequences(func::FuncOp func) {
  func.walk([](kiln::onnxir::SequenceEmptyOp empty) {
    auto seq = cast<kiln::onnxir::SeqType>(empty.getType());
    auto element = dyn_cast<UnrankedTensorType>(seq.getElementType());
    if (!element)
      return;
    RankedTensorType found;
    bool agree = true;
    auto consider = [&](RankedTensorType type) {
      if (!type || type.getElementType() != element.getElementType())
        return;
      agree &= !found || found.getRank() == type.getRank();
      if (!found)
        found = type;
    };
    for (OpOperand &use : empty->getUses()) {
      Operation *user = use.getOwner();
      if (auto loop = dyn_cast<kiln::onnxir::LoopOp>(user)) {
        unsigned first = loop.getVInitial().getBeginOperandIndex();
        unsigned index = use.getOperandNumber();
        Block &body = loop.getBody().front();
        if (index >= first && 2 + (index - first) < body.getNumArguments())
          if (auto bodySeq = dyn_cast<kiln::onnxir::SeqType>(
                  body.getArgument(2 + (index - first)).getType()))
            consider(dyn_cast<RankedTensorType>(bodySeq.getElementType()));
      } else if (auto insert = dyn_cast<kiln::onnxir::SequenceInsertOp>(user)) {
        if (use.get() == insert.getInputSequence())
          consider(dyn_cast<RankedTensorType>(insert.getTensor().getType()));
      }
    }
    if (!found || !agree)
      return;
    empty.getResult().setType(kiln::onnxir::SeqType::get(
        empty.getContext(),
        RankedTensorType::get(SmallVector<int64_t>(found.getRank(), ShapedType::kDynamic),
                              element.getElementType())));
  });
}

struct InferShapesPass : kiln::impl::InferShapesBase<InferShapesPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    module.walk([](func::FuncOp func) {
      refineSequenceArguments(func);
      refineEmptySequences(func);
    });
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
