//===- Shrink.cpp - Lower onnx.Shrink to linalg.generic -------------------===//
//
// Shrink, the one elementwise op of the NN category.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln::conversion {

void populateShrinkPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(fn));
  };
  add("onnx.Shrink", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
    // y = x < -lambd ? x + bias : (x > lambd ? x - bias : 0), in the input's type.
    Value x = a[0];
    double lambdV = floatAttrOr(sc.op, "lambd", 0.5), biasV = floatAttrOr(sc.op, "bias", 0.0);
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
}

} // namespace kiln::conversion
