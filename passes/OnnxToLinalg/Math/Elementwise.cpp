//===- Elementwise.cpp - Lower elementwise onnx ops to linalg.generic -----===//
//
// Every unary, binary and variadic elementwise ONNX op (with numpy broadcasting) becomes
// one linalg.generic whose body is given here as scalar arith/math code. Later fusion
// merges chains of them into their producer.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Checks.h"
#include "passes/OnnxToLinalg/Common.h"
#include "passes/OnnxToLinalg/ShapeChecks.h"

#include <functional>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// What a scalar body sees: the op (for attributes), the input scalars, and whether the
/// ONNX element type of the first input is an unsigned integer.
struct ScalarContext {
  Operation *op;
  bool isUnsigned;
  Type resultElementType;
};

using ScalarFn = std::function<Value(OpBuilder &, Location, ValueRange, const ScalarContext &)>;

/// Lowers any elementwise op whose non-`none` operands are all broadcast together.
struct ElementwiseLowering : ConversionPattern {
  ElementwiseLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef opName,
                      ScalarFn fn)
      : ConversionPattern(converter, opName, /*benefit=*/1, ctx), fn(std::move(fn)) {}

  LogicalResult matchAndRewrite(Operation *op, ArrayRef<Value> operands,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    SmallVector<Value> inputs;
    for (Value operand : operands) {
      if (isa<NoneType>(operand.getType()))
        continue;
      if (!isa<RankedTensorType>(operand.getType()))
        return reject(rewriter, op, "an input is not a ranked tensor");
      if (cast<RankedTensorType>(operand.getType()).getRank() > resultType.getRank())
        return reject(rewriter, op, "an input has a higher rank than the result");
      inputs.push_back(operand);
    }
    for (unsigned i = 1; i < op->getNumResults(); ++i)
      if (!op->getResult(i).use_empty())
        return reject(rewriter, op, "a secondary result is used");
    // An integer divisor of zero traps (SIGFPE): check it before the kernel.
    if (isa<onnxir::DivOp, onnxir::ModOp>(op) && failed(checkDivisor(rewriter, op, inputs)))
      return failure();
    ScalarContext sc{op, isUnsignedInt(op->getOperand(0).getType()),
                     resultType.getElementType()};
    Value result = buildElementwise(
        rewriter, op->getLoc(), resultType, inputs,
        [&](OpBuilder &b, Location loc, ValueRange args) { return fn(b, loc, args, sc); }, op);
    // Secondary results are unused (checked above): they are dropped.
    SmallVector<Value> replacements(op->getNumResults(), Value());
    replacements[0] = result;
    rewriter.replaceOp(op, replacements);
    return success();
  }

  ScalarFn fn;
};

bool isFloat(Value v) { return isa<FloatType>(v.getType()); }

Value constantLike(OpBuilder &b, Location loc, Value like, double value) {
  return createScalarConstant(b, loc, like.getType(), value);
}

double f(Operation *op, StringRef name, double fallback) {
  if (auto attr = op->getAttrOfType<FloatAttr>(name))
    return attr.getValueAsDouble();
  return fallback;
}

int64_t i(Operation *op, StringRef name, int64_t fallback) {
  if (auto attr = op->getAttrOfType<IntegerAttr>(name))
    return attr.getInt();
  return fallback;
}

Value sigmoid(OpBuilder &b, Location loc, Value x) {
  Value one = constantLike(b, loc, x, 1.0);
  Value negX = arith::NegFOp::create(b, loc, x);
  Value e = math::ExpOp::create(b, loc, negX);
  return arith::DivFOp::create(b, loc, one, arith::AddFOp::create(b, loc, one, e));
}

/// max/min with ONNX semantics: NaN propagates for floats; signedness for ints.
Value maxOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isFloat(x))
    return arith::MaximumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MaxUIOp::create(b, loc, x, y))
                    : Value(arith::MaxSIOp::create(b, loc, x, y));
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isFloat(x))
    return arith::MinimumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MinUIOp::create(b, loc, x, y))
                    : Value(arith::MinSIOp::create(b, loc, x, y));
}

Value compare(OpBuilder &b, Location loc, Value x, Value y, arith::CmpFPredicate fp,
              arith::CmpIPredicate sp, arith::CmpIPredicate up, bool isUnsigned) {
  if (isFloat(x))
    return arith::CmpFOp::create(b, loc, fp, x, y);
  return arith::CmpIOp::create(b, loc, isUnsigned ? up : sp, x, y);
}

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

void addUnaryMath(const TypeConverter &tc, RewritePatternSet &p) {
  MLIRContext *ctx = p.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    p.add<ElementwiseLowering>(tc, ctx, name, std::move(fn));
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
  add("onnx.Identity", [](OpBuilder &, Location, ValueRange a, const ScalarContext &) {
    return a[0];
  });
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
  add("onnx.Not", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], constantLike(b, loc, a[0], 1)));
  });
  add("onnx.BitwiseNot", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], constantLike(b, loc, a[0], -1)));
  });
  add("onnx.IsNaN", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNO, a[0], a[0]));
  });
  add("onnx.IsInf", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value inf = constantLike(b, loc, a[0], std::numeric_limits<double>::infinity());
    Value ninf = constantLike(b, loc, a[0], -std::numeric_limits<double>::infinity());
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], inf);
    Value neg = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, a[0], ninf);
    Value falseV = arith::ConstantOp::create(b, loc, b.getBoolAttr(false));
    if (!i(sc.op, "detect_positive", 1))
      pos = falseV;
    if (!i(sc.op, "detect_negative", 1))
      neg = falseV;
    return Value(arith::OrIOp::create(b, loc, pos, neg));
  });
}

void addActivations(const TypeConverter &tc, RewritePatternSet &p) {
  MLIRContext *ctx = p.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    p.add<ElementwiseLowering>(tc, ctx, name, std::move(fn));
  };
  add("onnx.Relu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    return maxOf(b, loc, a[0], constantLike(b, loc, a[0], 0), sc.isUnsigned);
  });
  add("onnx.Sigmoid", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return sigmoid(b, loc, a[0]);
  });
  add("onnx.LeakyRelu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0);
    Value scaled = arith::MulFOp::create(b, loc, a[0],
                                         constantLike(b, loc, a[0], f(sc.op, "alpha", 0.01)));
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(arith::SelectOp::create(b, loc, pos, a[0], scaled));
  });
  add("onnx.PRelu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0);
    if (!isFloat(a[0])) {
      Value pos = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::sgt, a[0], zero);
      return Value(arith::SelectOp::create(b, loc, pos, a[0],
                                           arith::MulIOp::create(b, loc, a[0], a[1])));
    }
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(
        arith::SelectOp::create(b, loc, pos, a[0], arith::MulFOp::create(b, loc, a[0], a[1])));
  });
  add("onnx.Elu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value em1 = arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, a[0]), one);
    Value neg = arith::MulFOp::create(b, loc, constantLike(b, loc, a[0], f(sc.op, "alpha", 1.0)),
                                      em1);
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(arith::SelectOp::create(b, loc, pos, a[0], neg));
  });
  add("onnx.Celu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    // max(0, x) + min(0, alpha * (exp(x / alpha) - 1))
    Value alpha = constantLike(b, loc, a[0], f(sc.op, "alpha", 1.0));
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value e = math::ExpOp::create(b, loc, arith::DivFOp::create(b, loc, a[0], alpha));
    Value neg = arith::MulFOp::create(b, loc, alpha, arith::SubFOp::create(b, loc, e, one));
    return Value(arith::AddFOp::create(b, loc, arith::MaximumFOp::create(b, loc, zero, a[0]),
                                       arith::MinimumFOp::create(b, loc, zero, neg)));
  });
  add("onnx.Selu", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value alpha = constantLike(b, loc, a[0], f(sc.op, "alpha", 1.67326319217681884765625));
    Value gamma = constantLike(b, loc, a[0], f(sc.op, "gamma", 1.05070102214813232421875));
    Value zero = constantLike(b, loc, a[0], 0), one = constantLike(b, loc, a[0], 1);
    Value neg = arith::MulFOp::create(
        b, loc, alpha, arith::SubFOp::create(b, loc, math::ExpOp::create(b, loc, a[0]), one));
    Value pos = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], zero);
    return Value(arith::MulFOp::create(b, loc, gamma,
                                       arith::SelectOp::create(b, loc, pos, a[0], neg)));
  });
  add("onnx.HardSigmoid", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    Value v = arith::AddFOp::create(
        b, loc, arith::MulFOp::create(b, loc, a[0], constantLike(b, loc, a[0], f(sc.op, "alpha", 0.2))),
        constantLike(b, loc, a[0], f(sc.op, "beta", 0.5)));
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
    Value alpha = constantLike(b, loc, a[0], f(sc.op, "alpha", 1.0));
    Value gt = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, a[0], alpha);
    return Value(arith::SelectOp::create(b, loc, gt, a[0], constantLike(b, loc, a[0], 0)));
  });
  add("onnx.Shrink", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    // y = x < -lambd ? x + bias : (x > lambd ? x - bias : 0), in the input's type.
    Value x = a[0];
    double lambdV = f(sc.op, "lambd", 0.5), biasV = f(sc.op, "bias", 0.0);
    Value lambd = constantLike(b, loc, x, lambdV), negLambd = constantLike(b, loc, x, -lambdV);
    Value bias = constantLike(b, loc, x, biasV), zero = constantLike(b, loc, x, 0);
    Value lt = compare(b, loc, x, negLambd, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt,
                       arith::CmpIPredicate::ult, sc.isUnsigned);
    Value gt = compare(b, loc, x, lambd, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt,
                       arith::CmpIPredicate::ugt, sc.isUnsigned);
    Value plus = isFloat(x) ? Value(arith::AddFOp::create(b, loc, x, bias))
                            : Value(arith::AddIOp::create(b, loc, x, bias));
    Value minus = isFloat(x) ? Value(arith::SubFOp::create(b, loc, x, bias))
                             : Value(arith::SubIOp::create(b, loc, x, bias));
    Value r = arith::SelectOp::create(b, loc, gt, minus, zero);
    return Value(arith::SelectOp::create(b, loc, lt, plus, r));
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
  // Inference-mode Dropout is the identity (the mask result, if any, must be unused).
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

void addBinary(const TypeConverter &tc, RewritePatternSet &p) {
  MLIRContext *ctx = p.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    p.add<ElementwiseLowering>(tc, ctx, name, std::move(fn));
  };
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
    bool fmod = i(sc.op, "fmod", 0);
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
  add("onnx.And", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::AndIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.Or", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::OrIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.Xor", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.BitwiseAnd", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::AndIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.BitwiseOr", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::OrIOp::create(b, loc, a[0], a[1]));
  });
  add("onnx.BitwiseXor", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], a[1]));
  });
  // Signed right shifts are arithmetic; a shift amount < 0 or >= the bit width gives what
  // the sign extension alone produces (-1 for a right shift of a negative value, else 0).
  add("onnx.BitShift", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    auto dir = sc.op->getAttrOfType<StringAttr>("direction");
    bool left = dir && dir.getValue() == "LEFT";
    Value x = a[0], y = a[1];
    unsigned width = x.getType().getIntOrFloatBitWidth();
    Value zero = constantLike(b, loc, x, 0);
    Value widthV = constantLike(b, loc, y, width);
    Value inRange = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ult, y, widthV);
    Value shifted = left ? Value(arith::ShLIOp::create(b, loc, x, y))
                    : sc.isUnsigned ? Value(arith::ShRUIOp::create(b, loc, x, y))
                                    : Value(arith::ShRSIOp::create(b, loc, x, y));
    Value fill = zero;
    if (!left && !sc.isUnsigned) {
      Value negative = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, x, zero);
      fill = arith::SelectOp::create(b, loc, negative, constantLike(b, loc, x, -1), zero);
    }
    return Value(arith::SelectOp::create(b, loc, inRange, shifted, fill));
  });
  using FP = arith::CmpFPredicate;
  using IP = arith::CmpIPredicate;
  auto cmp = [&](StringRef name, FP fp, IP sp, IP up) {
    add(name, [=](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
      return compare(b, loc, a[0], a[1], fp, sp, up, sc.isUnsigned);
    });
  };
  cmp("onnx.Equal", FP::OEQ, IP::eq, IP::eq);
  cmp("onnx.Less", FP::OLT, IP::slt, IP::ult);
  cmp("onnx.LessOrEqual", FP::OLE, IP::sle, IP::ule);
  cmp("onnx.Greater", FP::OGT, IP::sgt, IP::ugt);
  cmp("onnx.GreaterOrEqual", FP::OGE, IP::sge, IP::uge);
  add("onnx.Where", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::SelectOp::create(b, loc, a[0], a[1], a[2]));
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

/// Cast and CastLike: the destination element type is the result's (CastLike's result
/// takes it from `target_type`); signedness comes from the ONNX types.
template <typename OpTy> struct CastLowering : OpConversionPattern<OpTy> {
  using OpConversionPattern<OpTy>::OpConversionPattern;
  LogicalResult matchAndRewrite(OpTy op, typename OpTy::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto inType = dyn_cast<RankedTensorType>(adaptor.getInput().getType());
    if (!inType)
      return reject(rewriter, op, "the input is not a ranked tensor");
    // The result has the input's shape; only its element type is ever in doubt.
    auto declared = dyn_cast<TensorType>(
        this->getTypeConverter()->convertType(op.getOutput().getType()));
    if (!declared)
      return reject(rewriter, op, "the result is not a tensor");
    auto resultType = RankedTensorType::get(inType.getShape(), declared.getElementType());
    Type src = inType.getElementType(), dst = resultType.getElementType();
    if (!src.isIntOrFloat() || !dst.isIntOrFloat())
      return reject(rewriter, op, "only numeric and bool casts are supported");
    bool srcUnsigned = isUnsignedInt(op.getInput().getType());
    bool dstUnsigned = isUnsignedInt(op.getOutput().getType());
    Value result = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getInput(),
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return castScalar(b, loc, a[0], dst, srcUnsigned, dstUnsigned, op.getSaturate() != 0,
                            op.getRoundMode());
        });
    result = castWithCheck(rewriter, op.getLoc(), op, result, declared);
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Dropout is the identity at inference. Training mode draws random masks: Kiln compiles
/// inference, so a training_mode that is not a constant false is refused rather than
/// silently computed as the identity.
struct DropoutLowering : OpConversionPattern<DropoutOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(DropoutOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Value training = op.getTrainingMode();
    if (!isa<NoneType>(training.getType())) {
      std::optional<SmallVector<int64_t>> value = matchConstantI64s(training);
      if (!value || value->size() != 1 || (*value)[0] != 0)
        return reject(rewriter, op, "training mode (training_mode not a constant false) is not "
                                    "supported: Kiln compiles models for inference");
    }
    auto type = dyn_cast<RankedTensorType>(adaptor.getData().getType());
    if (!type)
      return reject(rewriter, op, "the input is not a ranked tensor");
    Location loc = op.getLoc();
    Value result = adaptor.getData();
    Type declared = getTypeConverter()->convertType(op.getOutput().getType());
    if (declared)
      result = castWithCheck(rewriter, loc, op, result, declared);
    // At inference nothing is dropped: the mask is all true.
    Value mask;
    if (!op.getMask().use_empty()) {
      auto maskType = RankedTensorType::get(type.getShape(), rewriter.getI1Type());
      Value empty = createEmpty(rewriter, loc, maskType, getDynamicSizes(rewriter, loc, adaptor.getData()));
      Value one = arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(true));
      mask = linalg::FillOp::create(rewriter, loc, one, empty).getResult(0);
      Type maskDeclared = getTypeConverter()->convertType(op.getMask().getType());
      if (maskDeclared)
        mask = castWithCheck(rewriter, loc, op, mask, maskDeclared, "the mask");
    }
    rewriter.replaceOp(op, {result, mask});
    return success();
  }
};

} // namespace

void populateElementwisePatterns(const OnnxTypeConverter &converter,
                                 RewritePatternSet &patterns) {
  addUnaryMath(converter, patterns);
  addActivations(converter, patterns);
  addBinary(converter, patterns);
  patterns.add<CastLowering<CastOp>, CastLowering<CastLikeOp>, DropoutLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
