//===- GRU.cpp - Lower onnx.GRU to a projection and a time loop -----------===//
//
// Gates in ONNX order z, r, h; per step and direction (Recurrence.h has the rest), with
// linear_before_reset = 0 (XW holds Wb + Rb of all three gates):
//   [Gz Gr] = XW[t, zr] + H Rzr^T      z = f(clip(Gz))   r = f(clip(Gr))
//   Gh      = XW[t, h] + (r * H) Rh^T  H' = (1 - z) * g(clip(Gh)) + z * H
// and with linear_before_reset = 1 (XW holds Wb + Rb of z, r and Wbh only):
//   [Sz Sr Sh] = H R^T                 z = f(clip(XWz + Sz))   r = f(clip(XWr + Sr))
//   H' = (1 - z) * g(clip(XWh + r * (Sh + Rbh))) + z * H
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/RNN/Recurrence.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// (1 - z) * ht + z * h.
Value blend(OpBuilder &b, Location loc, Value z, Value ht, Value h) {
  Value one = arith::ConstantOp::create(b, loc, b.getFloatAttr(z.getType(), 1.0));
  Value keep = arith::MulFOp::create(b, loc, z, h);
  Value fresh = arith::MulFOp::create(b, loc, arith::SubFOp::create(b, loc, one, z), ht);
  return arith::AddFOp::create(b, loc, fresh, keep);
}

/// Every version of GRU: operands X, W, R, B, sequence_lens, initial_h by position.
/// GRU-1 and GRU-3 have no layout (0) and GRU-1 no linear_before_reset (0); their
/// output_sequence only says whether Y is wanted, which the graph already tells.
struct GRULowering : ConversionPattern {
  GRULowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name)
      : ConversionPattern(converter, name, /*benefit=*/1, ctx) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op->getLoc();
    Value x = operands[0], w = operands[1], r = operands[2], bias = operands[3],
          lens = operands[4], initialH = operands[5];
    FailureOr<RecurrenceSpec> parsed =
        parseRecurrence(rewriter, op, x, w, r, /*numGates=*/3,
                        {ActivationKind::Sigmoid, ActivationKind::Tanh});
    if (failed(parsed))
      return failure();
    RecurrenceSpec spec = std::move(*parsed);
    int64_t d = spec.numDirections, hidden = spec.hidden;
    if (failed(checkSharedOperands(rewriter, spec, x, bias, lens, {{initialH, "initial_h"}})))
      return failure();
    bool linearBeforeReset = false;
    if (auto attr = op->getAttrOfType<IntegerAttr>("linear_before_reset"))
      linearBeforeReset = attr.getInt() != 0;
    bool hasBias = !isa<NoneType>(bias.getType());

    SmallVector<Value> rZR, rH, rAll, rbh;
    for (int64_t dir = 0; dir < d; ++dir) {
      if (linearBeforeReset) {
        rAll.push_back(weightsAsKN(rewriter, loc, r, dir, 1, 0, 3 * hidden));
        rbh.push_back(hasBias ? directionVector(rewriter, loc, bias, dir, 5 * hidden, hidden)
                              : Value());
      } else {
        rZR.push_back(weightsAsKN(rewriter, loc, r, dir, 1, 0, 2 * hidden));
        rH.push_back(weightsAsKN(rewriter, loc, r, dir, 1, 2 * hidden, hidden));
      }
    }
    auto gate = [&](OpBuilder &b, Location l, const Activation &act, Value pre) {
      return applyActivation(b, l, act, clipScalar(b, l, spec, pre));
    };
    CellFn cell = [&](OpBuilder &b, Location l, int64_t dir, Value xw, ValueRange states) {
      Value h = states[0];
      const Activation &fAct = spec.activation(dir, 0), &gAct = spec.activation(dir, 1);
      if (!linearBeforeReset) {
        Value zr = matmulInto(b, l, h, rZR[dir], columns(b, l, xw, 0, 2 * hidden));
        SmallVector<Value> zAndRh = buildCellGeneric(
            b, l, h, {columns(b, l, zr, 0, hidden), columns(b, l, zr, hidden, hidden), h}, 2,
            [&](OpBuilder &nb, Location sl, ValueRange a) {
              Value z = gate(nb, sl, fAct, a[0]);
              Value rh = arith::MulFOp::create(nb, sl, gate(nb, sl, fAct, a[1]), a[2]);
              return SmallVector<Value>{z, rh};
            });
        Value gh = matmulInto(b, l, zAndRh[1], rH[dir], columns(b, l, xw, 2 * hidden, hidden));
        return buildCellGeneric(b, l, h, {zAndRh[0], gh, h}, 1,
                                [&](OpBuilder &nb, Location sl, ValueRange a) {
                                  Value ht = gate(nb, sl, gAct, a[1]);
                                  return SmallVector<Value>{blend(nb, sl, a[0], ht, a[2])};
                                });
      }
      Value s = matmulInto(b, l, h, rAll[dir], Value());
      SmallVector<Value> inputs;
      for (Value t : {xw, s})
        for (int64_t g = 0; g < 3; ++g)
          inputs.push_back(columns(b, l, t, g * hidden, hidden));
      inputs.push_back(h);
      if (rbh[dir])
        inputs.push_back(rbh[dir]);
      return buildCellGeneric(
          b, l, h, inputs, 1, [&](OpBuilder &nb, Location sl, ValueRange a) {
            auto add = [&](Value u, Value v) { return Value(arith::AddFOp::create(nb, sl, u, v)); };
            Value z = gate(nb, sl, fAct, add(a[0], a[3]));
            Value rg = gate(nb, sl, fAct, add(a[1], a[4]));
            Value sh = a.size() > 7 ? add(a[5], a[7]) : a[5];
            Value ht = gate(nb, sl, gAct, add(a[2], arith::MulFOp::create(nb, sl, rg, sh)));
            return SmallVector<Value>{blend(nb, sl, z, ht, a[6])};
          });
    };
    RecurrenceOperands recurrence{x, w, bias, lens, {initialH}};
    return lowerRecurrence(rewriter, *getTypeConverter(), spec, recurrence,
                           linearBeforeReset ? 2 * hidden : 3 * hidden, cell);
  }
};

} // namespace

void populateGRUPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  for (StringRef name : {"onnx.GRU", "onnx.GRUV7", "onnx.GRUV3", "onnx.GRUV1"})
    patterns.add<GRULowering>(converter, patterns.getContext(), name);
}

} // namespace kiln::conversion
