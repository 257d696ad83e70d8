//===- Elementwise.cpp - The elementwise ops of ai.onnx.ml ----------------===//
//
// Binarizer: y = x > threshold ? 1 : 0, in x's type.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/ElementwisePattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

using namespace mlir;

namespace kiln::conversion {

void populateMLElementwisePatterns(const OnnxTypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<ElementwiseLowering>(
      converter, patterns.getContext(), onnxir::MLBinarizerOp::getOperationName(),
      [](OpBuilder &b, Location loc, ValueRange a, const ScalarContext &sc) {
        Value x = a[0];
        double threshold = floatAttrOr(sc.op, "threshold", 0.0);
        Value greater;
        if (isFloat(x)) {
          // A float compares in its own type with the rounded threshold; NaN gives 0.
          greater = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OGT, x,
                                          constantLike(b, loc, x, threshold));
        } else {
          // An integer compares as a double with the float threshold, as numpy does.
          Value xf = sc.isUnsigned
                         ? Value(arith::UIToFPOp::create(b, loc, b.getF64Type(), x))
                         : Value(arith::SIToFPOp::create(b, loc, b.getF64Type(), x));
          greater = arith::CmpFOp::create(
              b, loc, arith::CmpFPredicate::OGT, xf,
              arith::ConstantOp::create(b, loc, b.getF64FloatAttr(threshold)));
        }
        return Value(arith::SelectOp::create(b, loc, greater, constantLike(b, loc, x, 1),
                                             constantLike(b, loc, x, 0)));
      });
}

} // namespace kiln::conversion
