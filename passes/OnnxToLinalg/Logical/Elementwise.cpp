//===- Elementwise.cpp - Lower onnx logical ops to linalg.generic ---------===//
//
// The Logical category: boolean and bitwise operators, BitShift and the comparisons,
// each one ElementwiseLowering.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln::conversion {

void populateLogicalElementwisePatterns(const OnnxTypeConverter &converter,
                                        RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(fn));
  };
  add("onnx.Not", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], constantLike(b, loc, a[0], 1)));
  });
  add("onnx.BitwiseNot", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::XOrIOp::create(b, loc, a[0], constantLike(b, loc, a[0], -1)));
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
}

} // namespace kiln::conversion
