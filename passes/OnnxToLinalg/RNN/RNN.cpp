//===- RNN.cpp - Lower onnx.RNN to a projection and a time loop -----------===//
//
// Per step and direction (Recurrence.h has the rest): H' = f(clip(XW[t] + H R^T)), the
// matmul accumulating into that step's XW.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/RNN/Recurrence.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// Every version of RNN: operands X, W, R, B, sequence_lens, initial_h by position.
struct RNNLowering : ConversionPattern {
  RNNLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op->getLoc();
    Value x = operands[0], w = operands[1], r = operands[2], bias = operands[3],
          lens = operands[4], initialH = operands[5];
    FailureOr<RecurrenceSpec> parsed =
        parseRecurrence(rewriter, op, x, w, r, /*numGates=*/1, {ActivationKind::Tanh});
    if (failed(parsed))
      return failure();
    RecurrenceSpec spec = std::move(*parsed);
    int64_t d = spec.numDirections, hidden = spec.hidden;
    if (failed(checkSharedOperands(rewriter, spec, x, bias, lens, {{initialH, "initial_h"}})))
      return failure();

    SmallVector<Value> rT;
    for (int64_t dir = 0; dir < d; ++dir)
      rT.push_back(weightsAsKN(rewriter, loc, r, dir, 1, 0, hidden));
    CellFn cell = [&](OpBuilder &b, Location l, int64_t dir, Value xw, ValueRange states) {
      Value pre = matmulInto(b, l, states[0], rT[dir], xw);
      const Activation &fAct = spec.activation(dir, 0);
      return buildCellGeneric(b, l, states[0], {pre}, 1,
                              [&](OpBuilder &nb, Location sl, ValueRange a) {
                                return SmallVector<Value>{
                                    applyActivation(nb, sl, fAct, clipScalar(nb, sl, spec, a[0]))};
                              });
    };
    RecurrenceOperands recurrence{x, w, bias, lens, {initialH}};
    return lowerRecurrence(rewriter, *getTypeConverter(), spec, recurrence, hidden, cell);
  }
};

} // namespace

void populateRNNPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  for (StringRef name : {"onnx.RNN", "onnx.RNNV7", "onnx.RNNV1"})
    patterns.add<RNNLowering>(converter, patterns.getContext(), name);
}

} // namespace kiln::conversion
