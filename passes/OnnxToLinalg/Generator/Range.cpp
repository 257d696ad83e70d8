//===- Range.cpp - Lower onnx.Range to linalg.generic ---------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Range: start + i * delta for i < max(ceil((limit - start) / delta), 0).
struct RangeLowering : OnnxLoweringPattern<RangeOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(RangeOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    if (resultType.getRank() != 1)
      return reject(rewriter, op, "the result is not 1-D");
    Location loc = op.getLoc();
    Type elementType = resultType.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    Value start = extractScalar(rewriter, loc, adaptor.getStart());
    Value limit = extractScalar(rewriter, loc, adaptor.getLimit());
    Value delta = extractScalar(rewriter, loc, adaptor.getDelta());
    Value count;
    if (isFloat) {
      Value span = arith::SubFOp::create(rewriter, loc, limit, start);
      Value steps =
          math::CeilOp::create(rewriter, loc, arith::DivFOp::create(rewriter, loc, span, delta));
      count = arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), steps);
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    } else {
      Value span = arith::SubIOp::create(rewriter, loc, limit, start);
      count = arith::CeilDivSIOp::create(rewriter, loc, span, delta);
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), count);
    }
    count = arith::MaxSIOp::create(rewriter, loc, count,
                                   arith::ConstantIndexOp::create(rewriter, loc, 0));
    SmallVector<Value> dynamic;
    if (resultType.isDynamicDim(0))
      dynamic.push_back(count);
    Value init = createEmpty(rewriter, loc, resultType, dynamic);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{}, ValueRange{init},
        ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(1)},
        ArrayRef<utils::IteratorType>{utils::IteratorType::parallel},
        [&](OpBuilder &b, Location nloc, ValueRange) {
          Value i = linalg::IndexOp::create(b, nloc, 0);
          Value iv = arith::IndexCastOp::create(b, nloc, b.getI64Type(), i);
          iv = castScalar(b, nloc, iv, elementType, false, false);
          Value v = isFloat
                        ? Value(arith::AddFOp::create(b, nloc, start,
                                                      arith::MulFOp::create(b, nloc, iv, delta)))
                        : Value(arith::AddIOp::create(b, nloc, start,
                                                      arith::MulIOp::create(b, nloc, iv, delta)));
          linalg::YieldOp::create(b, nloc, v);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateRangePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<RangeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
