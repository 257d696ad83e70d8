//===- Elementwise.cpp - Lower elementwise math ops to linalg.generic -----===//
//
// The unary math functions, the arithmetic of two broadcast operands (Add, Sub, Mul, Div,
// Pow, Mod) and the variadic Max, Min, Sum and Mean: one ElementwiseLowering each, whose
// scalar body is given here. The activations live in Activation.cpp.
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

/// Folds a variadic op (Max, Min, Sum, Mean) pairwise over its inputs.
ScalarFn variadic(std::function<Value(OpBuilder &, Location, Value, Value, bool)> combine,
                  bool mean = false) {
  return [combine, mean](OpBuilder &b, Location loc, ValueRange args, const ScalarContext &sc) {
    Value acc = args[0];
    for (Value arg : args.drop_front())
      acc = combine(b, loc, acc, arg, sc.isUnsigned);
    if (mean && args.size() > 1)
      acc = arith::DivFOp::create(b, loc, acc,
                                  constantLike(b, loc, acc, static_cast<double>(args.size())));
    return acc;
  };
}

/// Unary float op that maps to one math/arith op.
template <typename MathOp> ScalarFn unaryFloat() {
  return [](OpBuilder &b, Location loc, ValueRange args, const ScalarContext &) -> Value {
    return MathOp::create(b, loc, args[0]);
  };
}

} // namespace

void populateMathElementwisePatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(fn));
  };
  add("onnx.Exp", unaryFloat<math::ExpOp>());
  add("onnx.Log", unaryFloat<math::LogOp>());
  add("onnx.Sqrt", unaryFloat<math::SqrtOp>());
  add("onnx.Sin", unaryFloat<math::SinOp>());
  add("onnx.Cos", unaryFloat<math::CosOp>());
  add("onnx.Tan", unaryFloat<math::TanOp>());
  add("onnx.Tanh", unaryFloat<math::TanhOp>());
  add("onnx.Asin", unaryFloat<math::AsinOp>());
  add("onnx.Acos", unaryFloat<math::AcosOp>());
  add("onnx.Atan", unaryFloat<math::AtanOp>());
  add("onnx.Sinh", unaryFloat<math::SinhOp>());
  add("onnx.Cosh", unaryFloat<math::CoshOp>());
  add("onnx.Asinh", unaryFloat<math::AsinhOp>());
  add("onnx.Acosh", unaryFloat<math::AcoshOp>());
  add("onnx.Atanh", unaryFloat<math::AtanhOp>());
  add("onnx.Erf", unaryFloat<math::ErfOp>());
  add("onnx.Floor", unaryFloat<math::FloorOp>());
  add("onnx.Ceil", unaryFloat<math::CeilOp>());
  add("onnx.Round", unaryFloat<math::RoundEvenOp>());
  add("onnx.Abs", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) -> Value {
    if (isFloat(a[0]))
      return math::AbsFOp::create(b, loc, a[0]);
    return sc.isUnsigned ? a[0] : Value(math::AbsIOp::create(b, loc, a[0]));
  });
  add("onnx.Neg", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) -> Value {
    if (isFloat(a[0]))
      return arith::NegFOp::create(b, loc, a[0]);
    return arith::SubIOp::create(b, loc, constantLike(b, loc, a[0], 0), a[0]);
  });
  add("onnx.Reciprocal", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::DivFOp::create(b, loc, constantLike(b, loc, a[0], 1.0), a[0]));
  });
  add("onnx.Sign", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value minusOne = constantLike(b, loc, a[0], -1);
    Value gt = compare(b, loc, a[0], zero, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                       arith::CmpIPredicate::ugt, sc.isUnsigned);
    Value lt = compare(b, loc, a[0], zero, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                       arith::CmpIPredicate::ult, sc.isUnsigned);
    Value r = arith::SelectOp::create(b, loc, lt, minusOne, zero);
    return Value(arith::SelectOp::create(b, loc, gt, one, r));
  });
  add("onnx.Add", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return isFloat(a[0]) ? Value(arith::AddFOp::create(b, loc, a[0], a[1]))
                         : Value(arith::AddIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.Sub", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return isFloat(a[0]) ? Value(arith::SubFOp::create(b, loc, a[0], a[1]))
                         : Value(arith::SubIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.Mul", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return isFloat(a[0]) ? Value(arith::MulFOp::create(b, loc, a[0], a[1]))
                         : Value(arith::MulIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.Div", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    if (isFloat(a[0]))
      return Value(arith::DivFOp::create(b, loc, a[0], a[1]));
    if (sc.isUnsigned)
      return Value(arith::DivUIOp::create(b, loc, a[0], a[1]));
    // INT_MIN / -1 overflows (SIGFPE on x86); it wraps to INT_MIN, as in ONNX Runtime:
    // divide by 1 instead and negate (wrapping) where the divisor is -1.
    Value minusOne = constantLike(b, loc, a[1], -1);
    Value isMinusOne = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, a[1], minusOne);
    Value safe = arith::SelectOp::create(b, loc, isMinusOne, constantLike(b, loc, a[1], 1), a[1]);
    Value q = arith::DivSIOp::create(b, loc, a[0], safe);
    Value negated = arith::SubIOp::create(b, loc, constantLike(b, loc, a[0], 0), a[0]);
    return Value(arith::SelectOp::create(b, loc, isMinusOne, negated, q));
  });
  add("onnx.Pow", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value x = a[0], y = a[1];
    if (isFloat(x)) {
      if (y.getType() != x.getType())
        y = castScalar(b, loc, y, x.getType(), isUnsignedInt(sc.op->getOperand(1).getType()),
                       false);
      return Value(math::PowFOp::create(b, loc, x, y));
    }
    if (isFloat(y)) // int base, float exponent: compute in the exponent's type
      return castScalar(b, loc,
                        math::PowFOp::create(b, loc, castScalar(b, loc, x, y.getType(),
                                                                sc.isUnsigned, false), y),
                        x.getType(), false, sc.isUnsigned);
    if (y.getType() != x.getType())
      y = castScalar(b, loc, y, x.getType(), false, false);
    return Value(math::IPowIOp::create(b, loc, x, y));
  });
  // fmod=1: C fmod (the result takes the dividend's sign); fmod=0: Python/numpy mod (the
  // divisor's sign), for integers and, since opset 10's relaxation in newer ONNX, floats.
  add("onnx.Mod", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    bool fmod = intAttrOr(sc.op, "fmod", 0);
    Value x = a[0], y = a[1];
    if (isFloat(x)) {
      Value r = arith::RemFOp::create(b, loc, x, y);
      if (fmod)
        return r;
      Value zero = constantLike(b, loc, r, 0);
      Value rNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, r, zero);
      Value yNeg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OLT, y, zero);
      Value rNonZero = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::ONE, r, zero);
      Value fix = arith::AndIOp::create(b, loc, rNonZero, arith::XOrIOp::create(b, loc, rNeg, yNeg));
      return Value(arith::SelectOp::create(b, loc, fix, arith::AddFOp::create(b, loc, r, y), r));
    }
    if (sc.isUnsigned)
      return Value(arith::RemUIOp::create(b, loc, x, y));
    // INT_MIN % -1 overflows in the division (SIGFPE on x86); every x % -1 is 0, so
    // take the remainder by 1 instead.
    Value isMinusOne =
        arith::CmpIOp::create(b, loc, arith::CmpIPredicate::eq, y, constantLike(b, loc, y, -1));
    Value safe = arith::SelectOp::create(b, loc, isMinusOne, constantLike(b, loc, y, 1), y);
    Value r = arith::RemSIOp::create(b, loc, x, safe);
    if (fmod)
      return r;
    Value zero = constantLike(b, loc, r, 0);
    Value rNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, r, zero);
    Value dNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, y, zero);
    Value rNonZero = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, r, zero);
    Value fix = arith::AndIOp::create(b, loc, rNonZero, arith::XOrIOp::create(b, loc, rNeg, dNeg));
    return Value(arith::SelectOp::create(b, loc, fix, arith::AddIOp::create(b, loc, r, y), r));
  });
  add("onnx.Max", variadic(maxOf));
  add("onnx.Min", variadic(minOf));
  add("onnx.Sum", variadic([](OpBuilder &b, Location loc, Value x, Value y, bool) {
    return isFloat(x) ? Value(arith::AddFOp::create(b, loc, x, y))
                      : Value(arith::AddIOp::create(b, loc, x, y));
  }));
  add("onnx.Mean", variadic([](OpBuilder &b, Location loc, Value x, Value y, bool) {
    return Value(arith::AddFOp::create(b, loc, x, y));
  }, /*mean=*/true));
}

} // namespace kiln::conversion
