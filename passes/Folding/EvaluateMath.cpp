//===- EvaluateMath.cpp - Elementwise ONNX ops on constants -----------------===//
//
// Float math is done in double and rounded once to the element type, which gives the
// correctly rounded f16/bf16/f32 result for + - * / and sqrt (double has more than
// twice their precision). Integer math wraps to the element width; division truncates
// toward zero. Division by zero, float-to-int casts out of range and ui64 arithmetic
// are not folded.
//
//===----------------------------------------------------------------------===//

#include "passes/Folding/Evaluate.h"

#include "ir/onnx/OnnxDialect.h"

#include "llvm/ADT/StringSwitch.h"

#include <cmath>
#include <functional>

using namespace mlir;

namespace kiln::folding {
namespace {

Type resultElementType(Operation *op) {
  auto type = dyn_cast<TensorType>(op->getResult(0).getType());
  return type ? type.getElementType() : Type();
}

bool isUI64(Type type) {
  auto intType = dyn_cast<IntegerType>(type);
  return intType && intType.isUnsigned() && intType.getWidth() == 64;
}

/// result[i] = f(a[i], b[i]) with broadcasting, computed in the operands' domain
/// (double for floats, int64 for integers) and stored as `resultType`.
std::optional<Literal>
binary(const Literal &a, const Literal &b, Type resultType,
       const std::function<std::optional<double>(double, double)> &onFloats,
       const std::function<std::optional<int64_t>(int64_t, int64_t)> &onInts) {
  if (a.elementType != b.elementType)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> shape = broadcastShapes(a.shape, b.shape);
  if (!shape)
    return std::nullopt;
  std::vector<int64_t> ia = broadcastIndices(a.shape, *shape);
  std::vector<int64_t> ib = broadcastIndices(b.shape, *shape);
  Literal out = Literal::zeros(*shape, resultType);
  for (size_t i = 0; i < ia.size(); ++i) {
    if (a.isFloat()) {
      if (!onFloats)
        return std::nullopt;
      std::optional<double> r = onFloats(a.floats[ia[i]], b.floats[ib[i]]);
      if (!r)
        return std::nullopt;
      if (out.isFloat())
        out.floats[i] = roundToFloatType(*r, resultType);
      else
        out.ints[i] = wrapToIntType(static_cast<int64_t>(*r), resultType);
    } else {
      if (!onInts || isUI64(a.elementType))
        return std::nullopt;
      std::optional<int64_t> r = onInts(a.ints[ia[i]], b.ints[ib[i]]);
      if (!r)
        return std::nullopt;
      out.ints[i] = wrapToIntType(*r, resultType);
    }
  }
  return out;
}

/// Two's complement arithmetic without signed-overflow UB.
int64_t wrapAdd(int64_t x, int64_t y) { return int64_t(uint64_t(x) + uint64_t(y)); }
int64_t wrapSub(int64_t x, int64_t y) { return int64_t(uint64_t(x) - uint64_t(y)); }
int64_t wrapMul(int64_t x, int64_t y) { return int64_t(uint64_t(x) * uint64_t(y)); }

std::optional<Literal> evaluateBinary(StringRef name, const Literal &a, const Literal &b,
                                      Type resultType) {
  using F = std::function<std::optional<double>(double, double)>;
  using I = std::function<std::optional<int64_t>(int64_t, int64_t)>;
  auto cmp = [&](auto pred) {
    return binary(
        a, b, resultType, [=](double x, double y) -> std::optional<double> { return pred(x, y); },
        [=](int64_t x, int64_t y) -> std::optional<int64_t> { return pred(x, y); });
  };
  if (name == "Add")
    return binary(a, b, resultType, F([](double x, double y) { return x + y; }), I(wrapAdd));
  if (name == "Sub")
    return binary(a, b, resultType, F([](double x, double y) { return x - y; }), I(wrapSub));
  if (name == "Mul")
    return binary(a, b, resultType, F([](double x, double y) { return x * y; }), I(wrapMul));
  if (name == "Div")
    return binary(a, b, resultType, F([](double x, double y) { return x / y; }),
                  I([](int64_t x, int64_t y) -> std::optional<int64_t> {
                    if (y == 0 || (x == INT64_MIN && y == -1))
                      return std::nullopt;
                    return x / y;
                  }));
  if (name == "Pow")
    return binary(a, b, resultType, F([](double x, double y) { return std::pow(x, y); }), I());
  if (name == "Min" || name == "Max") {
    bool isMin = name == "Min";
    return binary(
        a, b, resultType,
        F([=](double x, double y) -> double {
          if (std::isnan(x) || std::isnan(y))
            return NAN;
          return isMin ? std::min(x, y) : std::max(x, y);
        }),
        I([=](int64_t x, int64_t y) { return isMin ? std::min(x, y) : std::max(x, y); }));
  }
  if (name == "Equal")
    return cmp([](auto x, auto y) { return x == y; });
  if (name == "Less")
    return cmp([](auto x, auto y) { return x < y; });
  if (name == "LessOrEqual")
    return cmp([](auto x, auto y) { return x <= y; });
  if (name == "Greater")
    return cmp([](auto x, auto y) { return x > y; });
  if (name == "GreaterOrEqual")
    return cmp([](auto x, auto y) { return x >= y; });
  if (name == "BitwiseAnd")
    return binary(a, b, resultType, F(), I([](int64_t x, int64_t y) { return x & y; }));
  if (name == "BitwiseOr")
    return binary(a, b, resultType, F(), I([](int64_t x, int64_t y) { return x | y; }));
  if (name == "BitwiseXor")
    return binary(a, b, resultType, F(), I([](int64_t x, int64_t y) { return x ^ y; }));
  // BitShift (unsigned types only): the shifted-out bits are dropped by the wrap.
  if (name == "BitShiftLEFT" || name == "BitShiftRIGHT") {
    bool left = name == "BitShiftLEFT";
    return binary(a, b, resultType, F(),
                  I([=](int64_t x, int64_t y) -> std::optional<int64_t> {
                    if (x < 0 || y < 0)
                      return std::nullopt;
                    if (y >= 64)
                      return 0;
                    return left ? int64_t(uint64_t(x) << y) : int64_t(uint64_t(x) >> y);
                  }));
  }
  if (name == "And")
    return cmp([](auto x, auto y) { return x != 0 && y != 0; });
  if (name == "Or")
    return cmp([](auto x, auto y) { return x != 0 || y != 0; });
  if (name == "Xor")
    return cmp([](auto x, auto y) { return (x != 0) != (y != 0); });
  return std::nullopt;
}

std::optional<Literal> evaluateUnary(StringRef name, const Literal &x, Type resultType) {
  using F = double (*)(double);
  F onFloat = llvm::StringSwitch<F>(name)
                  .Case("Neg", [](double v) { return -v; })
                  .Case("Abs", [](double v) { return std::fabs(v); })
                  .Case("Sqrt", [](double v) { return std::sqrt(v); })
                  .Case("Reciprocal", [](double v) { return 1.0 / v; })
                  .Case("Floor", [](double v) { return std::floor(v); })
                  .Case("Ceil", [](double v) { return std::ceil(v); })
                  .Case("Identity", [](double v) { return v; })
                  .Default(nullptr);
  Literal out = Literal::zeros(x.shape, resultType);
  if (x.elementType != resultType)
    return std::nullopt;
  if (x.isFloat()) {
    if (!onFloat)
      return std::nullopt;
    for (size_t i = 0; i < x.floats.size(); ++i)
      out.floats[i] = roundToFloatType(onFloat(x.floats[i]), resultType);
    return out;
  }
  if (isUI64(resultType))
    return std::nullopt;
  for (size_t i = 0; i < x.ints.size(); ++i) {
    int64_t v = x.ints[i];
    if (name == "Neg")
      v = wrapSub(0, v);
    else if (name == "Abs")
      v = v < 0 ? wrapSub(0, v) : v;
    else if (name == "Not")
      v = v == 0;
    else if (name == "BitwiseNot")
      v = ~v;
    else if (name != "Identity")
      return std::nullopt;
    out.ints[i] = wrapToIntType(v, resultType);
  }
  return out;
}

std::optional<Literal> evaluateCast(const Literal &x, Type to) {
  Literal out = Literal::zeros(x.shape, to);
  for (int64_t i = 0, e = x.numElements(); i < e; ++i) {
    if (x.isFloat() && out.isFloat()) {
      out.floats[i] = roundToFloatType(x.floats[i], to);
    } else if (x.isFloat()) {
      double v = x.floats[i];
      if (to.isInteger(1)) {
        out.ints[i] = v != 0;
        continue;
      }
      // Truncation toward zero; out-of-range values have no defined result.
      double t = std::trunc(v);
      auto intType = cast<IntegerType>(to);
      unsigned width = intType.getWidth();
      double lo = intType.isUnsigned() ? 0.0 : -std::ldexp(1.0, width - 1);
      double hi = intType.isUnsigned() ? std::ldexp(1.0, width) : std::ldexp(1.0, width - 1);
      if (!(t >= lo && t < hi) || width == 64)
        return std::nullopt;
      out.ints[i] = static_cast<int64_t>(t);
    } else if (out.isFloat()) {
      int64_t v = x.ints[i];
      if (isUI64(x.elementType) || v > (int64_t(1) << 53) || v < -(int64_t(1) << 53))
        return std::nullopt; // double would round before the target type does
      out.floats[i] = roundToFloatType(static_cast<double>(v), to);
    } else {
      out.ints[i] = wrapToIntType(x.ints[i], to);
    }
  }
  return out;
}

} // namespace

std::optional<Literal> evaluateMath(Operation *op, ArrayRef<Operand> operands) {
  StringRef name = op->getName().stripDialect();
  Type resultType = resultElementType(op);
  if (!resultType || !isSupportedElementType(resultType) || op->getNumResults() != 1)
    return std::nullopt;
  for (const Operand &operand : operands)
    if (!operand)
      return std::nullopt;
  if (name == "Cast" || name == "CastLike")
    return evaluateCast(*operands[0], resultType);
  if (name == "Where") {
    const Literal &c = *operands[0], &x = *operands[1], &y = *operands[2];
    if (!c.elementType.isInteger(1) || x.elementType != y.elementType ||
        x.elementType != resultType)
      return std::nullopt;
    std::optional<SmallVector<int64_t>> xy = broadcastShapes(x.shape, y.shape);
    std::optional<SmallVector<int64_t>> shape = xy ? broadcastShapes(c.shape, *xy) : xy;
    if (!shape)
      return std::nullopt;
    std::vector<int64_t> ic = broadcastIndices(c.shape, *shape),
                         ix = broadcastIndices(x.shape, *shape),
                         iy = broadcastIndices(y.shape, *shape);
    Literal out = Literal::zeros(*shape, resultType);
    for (size_t i = 0; i < ic.size(); ++i) {
      bool pick = c.ints[ic[i]] != 0;
      if (out.isFloat())
        out.floats[i] = pick ? x.floats[ix[i]] : y.floats[iy[i]];
      else
        out.ints[i] = pick ? x.ints[ix[i]] : y.ints[iy[i]];
    }
    return out;
  }
  if (operands.size() == 1)
    return evaluateUnary(name, *operands[0], resultType);
  std::string shift;
  if (name == "BitShift") {
    auto direction = op->getAttrOfType<StringAttr>("direction");
    if (!direction || (direction.getValue() != "LEFT" && direction.getValue() != "RIGHT"))
      return std::nullopt;
    shift = ("BitShift" + direction.getValue()).str();
    name = shift;
  }
  // Binary ops; Min, Max and Sum are variadic and fold left.
  if (name == "Sum")
    name = "Add";
  if (operands.size() > 2 && name != "Min" && name != "Max" && name != "Add")
    return std::nullopt;
  if (operands.empty())
    return std::nullopt;
  std::optional<Literal> acc = *operands[0];
  for (size_t i = 1; i < operands.size() && acc; ++i) {
    // Comparisons produce bools from their operands' type; arithmetic keeps it.
    acc = evaluateBinary(name, *acc, *operands[i], resultType);
  }
  return acc;
}

} // namespace kiln::folding
