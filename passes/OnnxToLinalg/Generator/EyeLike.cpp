//===- EyeLike.cpp - Lower onnx.EyeLike to linalg.generic -----------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// EyeLike: ones on the k-th diagonal of a 2-D tensor shaped like the input.
struct EyeLikeLowering : OnnxLoweringPattern<EyeLikeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(EyeLikeOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (resultType.getRank() != 2)
      return reject(rewriter, op, "the input is not 2-D");
    Location loc = op.getLoc();
    Value k = arith::ConstantIntOp::create(rewriter, loc, op.getK(), 64);
    SmallVector<Value> sizes{getDimValue(rewriter, loc, adaptor.getInput(), 0),
                             getDimValue(rewriter, loc, adaptor.getInput(), 1)};
    Value result =
        buildMatrixMask(rewriter, loc, resultType, /*input=*/nullptr, sizes,
                        [&](OpBuilder &b, Location nloc, Value row, Value col) -> Value {
                          Value diff = arith::SubIOp::create(b, nloc, col, row);
                          return arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::eq, diff, k);
                        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateEyeLikePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<EyeLikeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
