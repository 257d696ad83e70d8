//===- SmallFloat.cpp - Casts to and from 8- and 4-bit floats -------------===//
//
// Part of Kiln. The format of each type (mantissa bits, bias, which codes are
// NaN and inf) is read from its APFloat semantics when the IR is built, so the
// emitted code is straight-line integer arithmetic on the f32 bit pattern.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Support/SmallFloat.h"

#include "llvm/ADT/APFloat.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/BuiltinTypes.h"

using namespace mlir;

namespace kiln::conversion {

namespace {
/// The layout of a small float format, taken from its APFloat semantics.
struct Format {
  unsigned bits;     // storage width
  int mantissa;      // explicit mantissa bits
  int minExponent;   // exponent of the smallest normal value
  bool isSigned;     // has a sign bit
  bool negZero;      // the sign bit on zero is -0 (not NaN, as in the FNUZ types)
  uint32_t maxCode;  // the largest finite positive value
  int64_t infCode;   // +inf, or -1
  int64_t nanCode;   // the canonical (positive, where there is a sign) NaN, or -1
  uint32_t firstNaN; // the smallest magnitude that is NaN or inf (sign bit clear)
};

Format getFormat(FloatType type) {
  const llvm::fltSemantics &sem = type.getFloatSemantics();
  Format f;
  f.bits = type.getWidth();
  f.mantissa = static_cast<int>(llvm::APFloat::semanticsPrecision(sem)) - 1;
  f.minExponent = llvm::APFloat::semanticsMinExponent(sem);
  f.isSigned = llvm::APFloat::semanticsHasSignedRepr(sem);
  f.maxCode = llvm::APFloat::getLargest(sem).bitcastToAPInt().getZExtValue();
  f.infCode = llvm::APFloat::semanticsHasInf(sem)
                  ? static_cast<int64_t>(llvm::APFloat::getInf(sem).bitcastToAPInt().getZExtValue())
                  : -1;
  f.nanCode = llvm::APFloat::semanticsHasNaN(sem)
                  ? static_cast<int64_t>(llvm::APFloat::getQNaN(sem).bitcastToAPInt().getZExtValue())
                  : -1;
  f.negZero = f.isSigned && llvm::APFloat::getZero(sem, /*Negative=*/true).isZero() &&
              llvm::APFloat::getZero(sem, true).isNegative();
  uint32_t signBit = f.isSigned ? 1u << (f.bits - 1) : 0;
  f.firstNaN = f.isSigned ? signBit : 1u << f.bits;
  for (uint32_t code = 0; code < (1u << f.bits) && code < f.firstNaN; ++code) {
    llvm::APFloat v(sem, llvm::APInt(f.bits, code));
    if (v.isNaN() || v.isInfinity()) {
      f.firstNaN = code;
      break;
    }
  }
  return f;
}

struct Emitter {
  OpBuilder &b;
  Location loc;
  Type i32;
  Value c(int64_t v) { return arith::ConstantOp::create(b, loc, b.getIntegerAttr(i32, v)); }
  Value add(Value x, Value y) { return arith::AddIOp::create(b, loc, x, y); }
  Value sub(Value x, Value y) { return arith::SubIOp::create(b, loc, x, y); }
  Value andi(Value x, Value y) { return arith::AndIOp::create(b, loc, x, y); }
  Value ori(Value x, Value y) { return arith::OrIOp::create(b, loc, x, y); }
  Value shl(Value x, Value y) { return arith::ShLIOp::create(b, loc, x, y); }
  Value shr(Value x, Value y) { return arith::ShRUIOp::create(b, loc, x, y); }
  Value cmp(arith::CmpIPredicate p, Value x, Value y) {
    return arith::CmpIOp::create(b, loc, p, x, y);
  }
  Value select(Value cond, Value x, Value y) {
    return arith::SelectOp::create(b, loc, cond, x, y);
  }
};
} // namespace

bool isSmallFloat(Type type) {
  auto f = dyn_cast<FloatType>(type);
  return f && f.getWidth() <= 8;
}

Value extSmallFloatToF32(OpBuilder &b, Location loc, Value value) {
  auto type = cast<FloatType>(value.getType());
  Format f = getFormat(type);
  Emitter e{b, loc, b.getI32Type()};
  using P = arith::CmpIPredicate;
  Type storage = b.getIntegerType(f.bits);
  Value code = arith::ExtUIOp::create(
      b, loc, e.i32, arith::BitcastOp::create(b, loc, storage, value));
  Type f32 = b.getF32Type();
  auto bitsToF32 = [&](Value bits) { return arith::BitcastOp::create(b, loc, f32, bits); };
  int bias = 1 - f.minExponent;

  if (!f.isSigned && f.mantissa == 0) { // f8E8M0FNU: 2^(code - 127), 0xFF is NaN
    Value bits = e.shl(code, e.c(23));
    bits = e.select(e.cmp(P::eq, code, e.c(0)), e.c(0x00400000), bits); // 2^-127
    bits = e.select(e.cmp(P::eq, code, e.c(f.nanCode)), e.c(0x7fc00000), bits);
    return bitsToF32(bits);
  }
  uint32_t signBit = 1u << (f.bits - 1);
  Value sign = e.shl(e.shr(code, e.c(f.bits - 1)), e.c(31));
  Value mag = e.andi(code, e.c(signBit - 1));
  Value exp = e.shr(mag, e.c(f.mantissa));
  Value man = e.andi(mag, e.c((1 << f.mantissa) - 1));
  Value normal = e.ori(e.shl(e.add(exp, e.c(127 - bias)), e.c(23)),
                       e.shl(man, e.c(23 - f.mantissa)));
  // Subnormals (exponent field 0): man * 2^(minExponent - mantissa), exact in f32.
  Value scaled = arith::MulFOp::create(
      b, loc, arith::UIToFPOp::create(b, loc, f32, man),
      arith::ConstantOp::create(b, loc,
                                b.getF32FloatAttr(std::ldexp(1.0f, f.minExponent - f.mantissa))));
  Value subnormal = arith::BitcastOp::create(b, loc, e.i32, scaled);
  Value bits = e.select(e.cmp(P::eq, exp, e.c(0)), subnormal, normal);
  if (f.firstNaN < signBit) { // codes at and above firstNaN are inf or NaN
    Value special = e.c(0x7fc00000);
    if (f.infCode >= 0)
      special = e.select(e.cmp(P::eq, mag, e.c(f.infCode)), e.c(0x7f800000), special);
    bits = e.select(e.cmp(P::uge, mag, e.c(f.firstNaN)), special, bits);
  }
  bits = e.ori(bits, sign);
  if (!f.negZero && f.nanCode == signBit) // FNUZ: the "negative zero" code is the NaN
    bits = e.select(e.cmp(P::eq, code, e.c(signBit)), e.c(0x7fc00000), bits);
  return bitsToF32(bits);
}

Value truncF32ToSmallFloat(OpBuilder &b, Location loc, Value value, FloatType dstType,
                           bool saturate, StringRef roundMode) {
  Format f = getFormat(dstType);
  Emitter e{b, loc, b.getI32Type()};
  using P = arith::CmpIPredicate;
  Value u = arith::BitcastOp::create(b, loc, e.i32, value);
  Value code;
  if (!f.isSigned && f.mantissa == 0) {
    // f8E8M0FNU keeps the f32 exponent, rounded as onnx.numpy_helper.to_float8e8m0 does.
    Value exp = e.andi(e.shr(u, e.c(23)), e.c(0xff));
    Value special = e.cmp(P::eq, exp, e.c(0xff));
    Value up = e.c(0);
    Value one = e.c(1);
    auto bit = [&](uint32_t mask) { return e.cmp(P::ne, e.andi(u, e.c(mask)), e.c(0)); };
    Value roundUp;
    if (roundMode == "nearest") {
      Value rest = arith::OrIOp::create(
          b, loc, arith::OrIOp::create(b, loc, bit(0x200000), bit(0x1fffff)),
          e.cmp(P::ugt, exp, e.c(0)));
      roundUp = arith::AndIOp::create(b, loc, bit(0x400000), rest);
    } else if (roundMode == "up") {
      roundUp = bit(0x7fffff);
    }
    if (roundUp) {
      if (saturate)
        roundUp = arith::AndIOp::create(b, loc, roundUp, e.cmp(P::ne, exp, e.c(0xfe)));
      up = e.select(roundUp, one, up);
    }
    code = e.select(special, e.c(0xff), e.add(exp, up));
  } else {
    Value sign = e.shr(u, e.c(31));
    Value a = e.andi(u, e.c(0x7fffffff));
    int bias = 1 - f.minExponent;
    int shift = 23 - f.mantissa;
    // Normal range: round the f32 mantissa to nearest even, then rebias the exponent.
    Value r = e.add(e.add(a, e.c((1 << (shift - 1)) - 1)), e.andi(e.shr(a, e.c(shift)), e.c(1)));
    Value normal = e.sub(e.shr(r, e.c(shift)), e.c(static_cast<int64_t>(127 - bias) << f.mantissa));
    // Subnormal range: the count of the smallest subnormal step, rounded to nearest even
    // (scaling by a power of two is exact).
    Value absX = math::AbsFOp::create(b, loc, value);
    Value steps = arith::MulFOp::create(
        b, loc, absX,
        arith::ConstantOp::create(b, loc,
                                  b.getF32FloatAttr(std::ldexp(1.0f, f.mantissa - f.minExponent))));
    Value sub = arith::FPToSIOp::create(b, loc, e.i32, math::RoundEvenOp::create(b, loc, steps));
    uint32_t minNormalBits = static_cast<uint32_t>(127 + f.minExponent) << 23;
    code = e.select(e.cmp(P::ult, a, e.c(minNormalBits)), sub, normal);
    Value overflow = e.cmp(P::ugt, a, e.c(0x7f7fffff)); // inf (NaN is handled below)
    overflow = arith::OrIOp::create(b, loc, overflow,
                                    e.cmp(P::sgt, code, e.c(f.maxCode)));
    int64_t onOverflow = saturate || (f.infCode < 0 && f.nanCode < 0)
                             ? f.maxCode
                             : (f.infCode >= 0 ? f.infCode : f.nanCode);
    code = e.select(overflow, e.c(onOverflow), code);
    Value isNaN = e.cmp(P::ugt, a, e.c(0x7f800000));
    uint32_t signBit = 1u << (f.bits - 1);
    code = e.select(isNaN, e.c(f.nanCode >= 0 ? f.nanCode : 0), code);
    Value signed_ = e.ori(code, e.shl(sign, e.c(f.bits - 1)));
    if (!f.negZero) // FNUZ: no -0, and the NaN code already has the sign bit
      signed_ = e.select(
          arith::OrIOp::create(b, loc, e.cmp(P::eq, code, e.c(0)),
                               e.cmp(P::eq, code, e.c(f.nanCode >= 0 ? f.nanCode : -1))),
          code, signed_);
    code = signed_;
    if (f.nanCode < 0) // a positive NaN becomes -0 and a negative one +0, as in ml_dtypes
      code = e.select(isNaN, arith::XOrIOp::create(b, loc, e.c(signBit),
                                                   e.shl(sign, e.c(f.bits - 1))),
                      code);
  }
  Value narrow = arith::TruncIOp::create(b, loc, b.getIntegerType(f.bits), code);
  return arith::BitcastOp::create(b, loc, dstType, narrow);
}

} // namespace kiln::conversion
