//===- Elementwise.cpp - Lower elementwise tensor ops to linalg.generic ---===//
//
// The elementwise ops of the Tensor category: Identity, IsNaN, IsInf and Where (whose
// three operands broadcast together).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <limits>

using namespace mlir;

namespace kiln::conversion {

void populateTensorElementwisePatterns(const OnnxTypeConverter &converter,
                                       RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  auto add = [&](StringRef name, ScalarFn fn) {
    patterns.add<ElementwiseLowering>(converter, ctx, name, std::move(fn));
  };
  add("onnx.Identity", [](OpBuilder &, Location, ValueRange a, const ScalarContext &) {
    return a[0];
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
    if (!intAttrOr(sc.op, "detect_positive", 1))
      pos = falseV;
    if (!intAttrOr(sc.op, "detect_negative", 1))
      neg = falseV;
    return Value(arith::OrIOp::create(b, loc, pos, neg));
  });
  add("onnx.Where", [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &) {
    return Value(arith::SelectOp::create(b, loc, a[0], a[1], a[2]));
  });
}

} // namespace kiln::conversion
