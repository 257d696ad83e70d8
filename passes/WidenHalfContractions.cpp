//===- WidenHalfContractions.cpp - fp16/bf16 matmuls and convs in f32 ------===//
//
// A model exported in half precision (fp16 weights and activations throughout) has
// MatMul, Gemm, Conv and ConvTranspose on f16 tensors. The CPU backend's register-tiled
// kernels take f32 (and 8-bit); a half-precision contraction would be plain scalar
// loops, 60 times slower than the same layer in f32. Here each such op computes in f32:
// its half inputs are Cast to f32 (a constant weight folds to an f32 constant right
// after), and its result is Cast back to the op's own type, so every tensor between ops
// keeps the precision the model declares. The sums are exact f32 sums of the half
// inputs' products, rounded to half once, which is what ONNX Runtime's CPU kernels
// compute too.
//
//===----------------------------------------------------------------------===//

#include "passes/Passes.h"
#include "kiln/Statistic.h"

namespace kiln {
#define GEN_PASS_DEF_WIDENHALFCONTRACTIONS
#include "passes/Passes.h.inc"
} // namespace kiln

using namespace mlir;

namespace {

/// The ONNX TensorProto data type code of a half float type (Cast's `to`), or 0.
int64_t halfTypeCode(Type type) {
  if (type.isF16())
    return 10; // FLOAT16
  if (type.isBF16())
    return 16; // BFLOAT16
  return 0;
}

/// `type` (a tensor, ranked or not) with element type `element`.
Type withElement(Type type, Type element) {
  if (auto ranked = dyn_cast<RankedTensorType>(type))
    return RankedTensorType::get(ranked.getShape(), element);
  return UnrankedTensorType::get(element);
}

Value castTo(OpBuilder &b, Location loc, Value value, Type element, int64_t code) {
  OperationState state(loc, "onnx.Cast");
  state.addOperands(value);
  state.addAttribute("to", b.getI64IntegerAttr(code));
  state.addTypes(withElement(value.getType(), element));
  return b.create(state)->getResult(0);
}

struct WidenHalfContractionsPass
    : kiln::impl::WidenHalfContractionsBase<WidenHalfContractionsPass> {
  kiln::PassStatistic numWidened{this, "widened-ops", "Half-precision contractions run in f32"};

  void runOnOperation() override {
    SmallVector<Operation *> ops;
    getOperation().walk([&](Operation *op) {
      StringRef name = op->getName().getStringRef();
      if ((name == "onnx.MatMul" || name == "onnx.Gemm" || name == "onnx.Conv" ||
           name == "onnx.ConvTranspose") &&
          op->getNumResults() == 1) {
        auto type = dyn_cast<TensorType>(op->getResult(0).getType());
        if (type && halfTypeCode(type.getElementType()))
          ops.push_back(op);
      }
    });
    for (Operation *op : ops) {
      OpBuilder b(op);
      Location loc = op->getLoc();
      Type f32 = b.getF32Type();
      Type half = cast<TensorType>(op->getResult(0).getType()).getElementType();
      for (OpOperand &operand : op->getOpOperands()) {
        auto type = dyn_cast<TensorType>(operand.get().getType());
        if (type && halfTypeCode(type.getElementType()))
          operand.set(castTo(b, loc, operand.get(), f32, 1));
      }
      Value result = op->getResult(0);
      Type halfType = result.getType();
      result.setType(withElement(halfType, f32));
      b.setInsertionPointAfter(op);
      Value back = castTo(b, loc, result, half, halfTypeCode(half));
      result.replaceAllUsesExcept(back, back.getDefiningOp());
      ++numWidened;
    }
  }
};

} // namespace
