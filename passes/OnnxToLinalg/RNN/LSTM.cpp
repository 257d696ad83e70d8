//===- LSTM.cpp - Lower onnx.LSTM to a projection and a time loop ---------===//
//
// Gates in ONNX order i, o, f, c; per step and direction (Recurrence.h has the rest):
//   G  = XW[t] + H R^T                       (one [B, H] x [H, 4H] matmul into XW[t];
//                                             H quantized first with kQuantizeHiddenAttr,
//                                             an 8-bit product with kRecurrentWeightAttr)
//   i  = f(clip(Gi + Pi * C))     f = f(clip(Gf + Pf * C)), or 1 - i with input_forget
//   C' = f * C + i * g(clip(Gc))  o = f(clip(Go + Po * C'))     H' = o * h(C')
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/RNN/QuantizedRecurrence.h"
#include "passes/OnnxToLinalg/RNN/Recurrence.h"
#include "passes/OnnxToLinalg/Support/DynamicQuantization.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// Every version of LSTM: the operands and attributes are read by name and position
/// (X, W, R, B, sequence_lens, initial_h, initial_c, P), which all versions share.
struct LSTMLowering : ConversionPattern {
  LSTMLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op->getLoc();
    Value x = operands[0], w = operands[1], r = operands[2], bias = operands[3],
          lens = operands[4], initialH = operands[5], initialC = operands[6], p = operands[7];
    FailureOr<RecurrenceSpec> parsed =
        parseRecurrence(rewriter, op, x, w, r, /*numGates=*/4,
                        {ActivationKind::Sigmoid, ActivationKind::Tanh, ActivationKind::Tanh});
    if (failed(parsed))
      return failure();
    RecurrenceSpec spec = std::move(*parsed);
    int64_t d = spec.numDirections, hidden = spec.hidden;
    if (failed(checkSharedOperands(rewriter, spec, x, bias, lens,
                                   {{initialH, "initial_h"}, {initialC, "initial_c"}})) ||
        failed(checkOptionalOperand(rewriter, op, p, "P", {d, 3 * hidden})))
      return failure();
    bool inputForget = false;
    if (auto attr = op->getAttrOfType<IntegerAttr>("input_forget"))
      inputForget = attr.getInt() != 0;
    bool peepholes = !isa<NoneType>(p.getType());
    bool quantizeHidden = op->hasAttr(kQuantizeHiddenAttr);

    // DynamicQuantizeLSTM's R, for an 8-bit product with the quantized hidden state.
    std::optional<QuantizedRecurrentWeights> quantizedR;
    if (quantizeHidden)
      quantizedR = readQuantizedRecurrentWeights(rewriter, loc, spec);
    SmallVector<Value> rT, pi, po, pf;
    for (int64_t dir = 0; dir < d; ++dir) {
      if (!quantizedR)
        rT.push_back(weightsAsKN(rewriter, loc, r, dir, 1, 0, 4 * hidden));
      if (peepholes) {
        pi.push_back(directionVector(rewriter, loc, p, dir, 0, hidden));
        po.push_back(directionVector(rewriter, loc, p, dir, hidden, hidden));
        pf.push_back(directionVector(rewriter, loc, p, dir, 2 * hidden, hidden));
      }
    }
    CellFn cell = [&](OpBuilder &b, Location l, int64_t dir, Value xw, ValueRange states) {
      Value h = states[0], c = states[1];
      Value gates;
      if (quantizedR)
        // `b` is `rewriter` (lowerRecurrence builds the loop body with it).
        gates = quantizedRecurrentProduct(rewriter, l, op, h, *quantizedR, dir, xw);
      else if (quantizeHidden)
        gates = matmulInto(b, l, fakeQuantizeU8(b, l, h, dynamicU8Params(b, l, h)), rT[dir], xw);
      else
        gates = matmulInto(b, l, h, rT[dir], xw);
      SmallVector<Value> inputs{columns(b, l, gates, 0, hidden),
                                columns(b, l, gates, hidden, hidden),
                                columns(b, l, gates, 2 * hidden, hidden),
                                columns(b, l, gates, 3 * hidden, hidden), c};
      if (peepholes)
        inputs.append({pi[dir], po[dir], pf[dir]});
      const Activation &fAct = spec.activation(dir, 0), &gAct = spec.activation(dir, 1),
                       &hAct = spec.activation(dir, 2);
      return buildCellGeneric(
          b, l, h, inputs, 2, [&](OpBuilder &nb, Location sl, ValueRange a) {
            auto add = [&](Value u, Value v) { return Value(arith::AddFOp::create(nb, sl, u, v)); };
            auto mul = [&](Value u, Value v) { return Value(arith::MulFOp::create(nb, sl, u, v)); };
            auto gate = [&](const Activation &act, Value pre) {
              return applyActivation(nb, sl, act, clipScalar(nb, sl, spec, pre));
            };
            Value cOld = a[4];
            Value i = gate(fAct, peepholes ? add(a[0], mul(a[5], cOld)) : a[0]);
            Value f;
            if (inputForget) {
              Value one = arith::ConstantOp::create(nb, sl, nb.getFloatAttr(i.getType(), 1.0));
              f = arith::SubFOp::create(nb, sl, one, i);
            } else {
              f = gate(fAct, peepholes ? add(a[2], mul(a[7], cOld)) : a[2]);
            }
            Value cNew = add(mul(f, cOld), mul(i, gate(gAct, a[3])));
            Value o = gate(fAct, peepholes ? add(a[1], mul(a[6], cNew)) : a[1]);
            Value hNew = mul(o, applyActivation(nb, sl, hAct, cNew));
            return SmallVector<Value>{hNew, cNew};
          });
    };
    RecurrenceOperands recurrence{x, w, bias, lens, {initialH, initialC}};
    return lowerRecurrence(rewriter, *getTypeConverter(), spec, recurrence, 4 * hidden, cell);
  }
};

} // namespace

void populateLSTMPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  for (StringRef name : {"onnx.LSTM", "onnx.LSTMV7", "onnx.LSTMV1"})
    patterns.add<LSTMLowering>(converter, patterns.getContext(), name);
}

} // namespace kiln::conversion
