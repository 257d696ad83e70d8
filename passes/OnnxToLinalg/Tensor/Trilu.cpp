//===- Trilu.cpp - Lower onnx.Trilu to linalg.generic ---------------------===//

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

/// Trilu: keeps j - i >= k (upper) or j - i <= k (lower) of the last two dims.
struct TriluLowering : OnnxLoweringPattern<TriluOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(TriluOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (resultType.getRank() < 2)
      return reject(rewriter, op, "the input has rank < 2");
    Location loc = op.getLoc();
    Value k = isa<NoneType>(adaptor.getK().getType())
                  ? Value(arith::ConstantIntOp::create(rewriter, loc, 0, 64))
                  : extractScalar(rewriter, loc, adaptor.getK());
    bool upper = op.getUpper() != 0;
    SmallVector<Value> sizes;
    for (int64_t d = 0; d < resultType.getRank(); ++d)
      sizes.push_back(getDimValue(rewriter, loc, adaptor.getInput(), d));
    Value result = buildMatrixMask(
        rewriter, loc, resultType, adaptor.getInput(), sizes,
        [&](OpBuilder &b, Location nloc, Value row, Value col) -> Value {
          Value diff = arith::SubIOp::create(b, nloc, col, row);
          return arith::CmpIOp::create(
              b, nloc, upper ? arith::CmpIPredicate::sge : arith::CmpIPredicate::sle, diff, k);
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateTriluPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<TriluLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
