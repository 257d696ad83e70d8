//===- Activation.cpp - Lower onnx activation functions to linalg.generic -===//
//
// Relu and its relatives, Sigmoid, Swish, SwiGLU, Gelu and Clip: elementwise ops of the
// Math category whose scalar bodies read attributes (alpha, beta, approximate, ...).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1.0);
  Value negX = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, negX);
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

} // namespace

void populateActivationPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(fn));
  };
  add("onnx.Relu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    return maxOf(b, loc, a[0], constantLike(b, loc, a[0], 0), sc.isUnsigned);
  });
  add("onnx.Sigmoid", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return sigmoid(b, loc, a[0]);
  });
  // Swish(x) = x * sigmoid(alpha * x); SwiGLU(a, b) = Swish(a) * b (equal shapes).
  add("onnx.Swish", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value alpha = constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.0));
    return Value(arith::MulFOp::create(
        b, loc, a[0], sigmoid(b, loc, arith::MulFOp::create(b, loc, alpha, a[0]))));
  });
  add("onnx.SwiGLU", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value alpha = constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.0));
    Value swish = arith::MulFOp::create(
        b, loc, a[0], sigmoid(b, loc, arith::MulFOp::create(b, loc, alpha, a[0])));
    return Value(arith::MulFOp::create(b, loc, swish, a[1]));
  });
  add("onnx.LeakyRelu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0);
    Value scaled = arith::MulFOp::create(
        b, loc, a[0], constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 0.01)));
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(arith::SelectOp::create(b, loc, pos, a[0], scaled));
  });
  add("onnx.PRelu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0);
    if (!isFloat(a[0])) {
      Value pos = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero);
      return Value(
          arith::SelectOp::create(b, loc, pos, a[0], arith::MulIOp::create(b, loc, a[0], a[1])));
    }
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(
        arith::SelectOp::create(b, loc, pos, a[0], arith::MulFOp::create(b, loc, a[0], a[1])));
  });
  add("onnx.Elu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, a[0]), one);
    Value neg = arith::MulFOp::create(
        b, loc, constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.0)), em1);
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(arith::SelectOp::create(b, loc, pos, a[0], neg));
  });
  add("onnx.Celu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
    Value alpha = constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.0));
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value e = math::ExpOp::create(b, loc, arith::DivFOp::create(b, loc, a[0], alpha));
    Value neg = arith::MulFOp::create(b, loc, alpha, arith::SubFOp::create(b, loc, e, one));
    return Value(arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, zero, a[0]),
                                       arith::MinimumFOp::create(b, loc, zero, neg)));
  });
  add("onnx.Selu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value alpha =
        constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.67326319217681884765625));
    Value gamma =
        constantLike(b, loc, a[0], floatAttrOr(sc.op, "gamma", 1.05070102214813232421875));
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value neg = arith::MulFOp::create(
        b, loc, alpha, arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, a[0]), one));
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(
        arith::MulFOp::create(b, loc, gamma, arith::SelectOp::create(b, loc, pos, a[0], neg)));
  });
  add("onnx.HardSigmoid", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value v = arith::AddFOp::create(
        b, loc,
        arith::MulFOp::create(b, loc, a[0],
                              constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 0.2))),
        constantLike(b, loc, a[0], floatAttrOr(sc.op, "beta", 0.5)));
    v = arith::MaximumFOp::create(b, loc, v, constantLike(b, loc, a[0], 0));
    return Value(arith::MinimumFOp::create(b, loc, v, constantLike(b, loc, a[0], 1)));
  });
  add("onnx.HardSwish", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    Value v = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, a[0], constantLike(b, loc, a[0], 1.0 / 6.0)),
        constantLike(b, loc, a[0], 0.5));
    v = arith::MaximumFOp::create(b, loc, v, constantLike(b, loc, a[0], 0));
    v = arith::MinimumFOp::create(b, loc, v, constantLike(b, loc, a[0], 1));
    return Value(arith::MulFOp::create(b, loc, a[0], v));
  });
  add("onnx.Softplus", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, a[0])));
  });
  add("onnx.Softsign", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    Value denom = arith::AddFOp::create(b, loc, constantLike(b, loc, a[0], 1),
                                        math::AbsFOp::create(b, loc, a[0]));
    return Value(arith::DivFOp::create(b, loc, a[0], denom));
  });
  add("onnx.Mish", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    Value sp = math::Log1pOp::create(b, loc, math::ExpOp::create(b, loc, a[0]));
    return Value(arith::MulFOp::create(b, loc, a[0], math::TanhOp::create(b, loc, sp)));
  });
  add("onnx.ThresholdedRelu", [](OpBuilder &b, Location loc, ValueRange a,
                                 const ScalarContext &sc) {
    Value alpha = constantLike(b, loc, a[0], floatAttrOr(sc.op, "alpha", 1.0));
    Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], alpha);
    return Value(arith::SelectOp::create(b, loc, gt, a[0], constantLike(b, loc, a[0], 0)));
  });
  add("onnx.Gelu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value x = a[0];
    Value half = constantLike(b, loc, x, 0.5), one = constantLike(b, loc, x, 1.0);
    auto approx = sc.op->getAttrOfType<StringAttr>("approximate");
    Value inner;
    if (approx && approx.getValue() == "tanh") {
      Value x3 = arith::MulFOp::create(b, loc, x, arith::MulFOp::create(b, loc, x, x));
      Value poly = arith::AddFOp::create(
          b, loc, x, arith::MulFOp::create(b, loc, constantLike(b, loc, x, 0.044715), x3));
      inner = math::TanhOp::create(
          b, loc, arith::MulFOp::create(b, loc, constantLike(b, loc, x, 0.7978845608028654), poly));
    } else {
      inner = math::ErfOp::create(
          b, loc, arith::MulFOp::create(b, loc, x, constantLike(b, loc, x, 0.7071067811865476)));
    }
    return Value(arith::MulFOp::create(
        b, loc, arith::MulFOp::create(b, loc, half, x), arith::AddFOp::create(b, loc, one, inner)));
  });
  // Clip: min and max are optional scalar inputs; absent ones are `none` and skipped, so
  // which of args[1..] is which depends on the original operands.
  add("onnx.Clip", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value x = a[0];
    unsigned next = 1;
    if (!isa<NoneType>(sc.op->getOperand(1).getType()))
      x = maxOf(b, loc, x, a[next++], sc.isUnsigned);
    if (sc.op->getNumOperands() > 2 && !isa<NoneType>(sc.op->getOperand(2).getType()))
      x = minOf(b, loc, x, a[next++], sc.isUnsigned);
    return x;
  });
}

} // namespace kiln::conversion
