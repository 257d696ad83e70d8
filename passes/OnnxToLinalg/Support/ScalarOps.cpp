//===- ScalarOps.cpp - Scalar code for the bodies of linalg ops -----------===//

#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/SmallFloat.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"

using namespace mlir;

namespace kiln::conversion {

void yieldMulAdd(OpBuilder &b, Location loc, ValueRange args) {
  Value sum;
  if (auto accType = dyn_cast<FloatType>(args[2].getType())) {
    // A wider accumulator (f16 operands summed in f32) multiplies in its own type.
    auto widen = [&](Value v) {
      return v.getType() == accType ? v : Value(arith::ExtFOp::create(b, loc, accType, v));
    };
    sum = arith::AddFOp::create(b, loc, args[2],
                                arith::MulFOp::create(b, loc, widen(args[0]), widen(args[1])));
  }
  else
    sum = arith::AddIOp::create(b, loc, args[2], arith::MulIOp::create(b, loc, args[0], args[1]));
  linalg::YieldOp::create(b, loc, sum);
}

Value createScalarConstant(OpBuilder &b, Location loc, Type elementType, double value) {
  if (auto floatType = dyn_cast<FloatType>(elementType))
    return arith::ConstantOp::create(b, loc, b.getFloatAttr(floatType, value));
  return arith::ConstantOp::create(b, loc,
                                   b.getIntegerAttr(elementType, static_cast<int64_t>(value)));
}

Value castScalar(OpBuilder &b, Location loc, Value value, Type dstType, bool srcUnsigned,
                 bool dstUnsigned, bool saturate, StringRef roundMode) {
  Type srcType = value.getType();
  if (srcType == dstType)
    return value;
  // float8 and float4 have no LLVM arithmetic: go through f32 in software.
  if (isSmallFloat(srcType))
    return castScalar(b, loc, extSmallFloatToF32(b, loc, value), dstType, false, dstUnsigned,
                      saturate, roundMode);
  if (isSmallFloat(dstType))
    return truncF32ToSmallFloat(b, loc, castScalar(b, loc, value, b.getF32Type(), srcUnsigned, false),
                                cast<FloatType>(dstType), saturate, roundMode);
  auto srcFloat = dyn_cast<FloatType>(srcType);
  auto dstFloat = dyn_cast<FloatType>(dstType);
  auto srcInt = dyn_cast<IntegerType>(srcType);
  auto dstInt = dyn_cast<IntegerType>(dstType);
  if (srcFloat && dstFloat) {
    if (srcFloat.getWidth() < dstFloat.getWidth())
      return arith::ExtFOp::create(b, loc, dstType, value);
    if (srcFloat.getWidth() > dstFloat.getWidth())
      return arith::TruncFOp::create(b, loc, dstType, value);
    // Same width, different format (f16 <-> bf16): go through f32.
    Value wide = arith::ExtFOp::create(b, loc, b.getF32Type(), value);
    return arith::TruncFOp::create(b, loc, dstType, wide);
  }
  if (srcInt && dstInt) {
    if (dstInt.getWidth() == 1) { // to bool: != 0
      Value zero = arith::ConstantOp::create(b, loc, b.getIntegerAttr(srcType, 0));
      return arith::CmpIOp::create(b, loc, arith::CmpIPredicate::ne, value, zero);
    }
    if (srcInt.getWidth() < dstInt.getWidth())
      return srcUnsigned || srcInt.getWidth() == 1
                 ? Value(arith::ExtUIOp::create(b, loc, dstType, value))
                 : Value(arith::ExtSIOp::create(b, loc, dstType, value));
    if (srcInt.getWidth() > dstInt.getWidth())
      return arith::TruncIOp::create(b, loc, dstType, value);
    return value;
  }
  if (srcInt && dstFloat) {
    if (srcUnsigned || srcInt.getWidth() == 1)
      return arith::UIToFPOp::create(b, loc, dstType, value);
    return arith::SIToFPOp::create(b, loc, dstType, value);
  }
  if (srcFloat && dstInt) {
    if (dstInt.getWidth() == 1) {
      Value zero = arith::ConstantOp::create(b, loc, b.getFloatAttr(srcType, 0.0));
      return arith::CmpFOp::create(b, loc, arith::CmpFPredicate::UNE, value, zero);
    }
    if (dstUnsigned)
      return arith::FPToUIOp::create(b, loc, dstType, value);
    return arith::FPToSIOp::create(b, loc, dstType, value);
  }
  return {};
}

Value maxOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MaxUIOp::create(b, loc, x, y))
                    : Value(arith::MaxSIOp::create(b, loc, x, y));
}

Value minOf(OpBuilder &b, Location loc, Value x, Value y, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::MinimumFOp::create(b, loc, x, y);
  return isUnsigned ? Value(arith::MinUIOp::create(b, loc, x, y))
                    : Value(arith::MinSIOp::create(b, loc, x, y));
}

Value compare(OpBuilder &b, Location loc, Value x, Value y, arith::CmpFPredicate fp,
              arith::CmpIPredicate sp, arith::CmpIPredicate up, bool isUnsigned) {
  if (isa<FloatType>(x.getType()))
    return arith::CmpFOp::create(b, loc, fp, x, y);
  return arith::CmpIOp::create(b, loc, isUnsigned ? up : sp, x, y);
}

} // namespace kiln::conversion
