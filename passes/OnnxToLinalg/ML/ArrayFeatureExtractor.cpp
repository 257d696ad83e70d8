//===- ArrayFeatureExtractor.cpp - Lower onnx.ml.ArrayFeatureExtractor ----===//
//
// Z[..., j] = X[..., Y[j]]: the indices Y (any shape, read flattened) select elements of
// X's last axis. A 1-D X gives a [1, K] result (as ONNX Runtime and the reference do),
// otherwise X's shape with its last dim replaced by K = numel(Y). The indices are checked
// against the last axis at run time; a negative one counts from the end.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct ArrayFeatureExtractorLowering : OnnxLoweringPattern<MLArrayFeatureExtractorOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(MLArrayFeatureExtractorOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), y = adaptor.getY();
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    if (!xType)
      return failure();
    if (!getRankedInputType(rewriter, op, y, "Y"))
      return failure();
    if (xType.getRank() == 0)
      return reject(rewriter, op, "X must have at least one dim");
    int64_t rank = xType.getRank();
    int64_t resultRank = std::max<int64_t>(rank, 2);
    if (resultType.getRank() != resultRank)
      return reject(rewriter, op, "the result has rank " + Twine(resultType.getRank()) +
                                      ", not " + Twine(resultRank));
    if (resultType.getElementType() != xType.getElementType())
      return reject(rewriter, op, "the result element type is not X's");

    // The indices, flattened, checked against X's last axis.
    Value indices = flattenAll(rewriter, loc, y);
    Value axisSize = getDimValue(rewriter, loc, x, rank - 1);
    if (failed(checkIndices(rewriter, op, indices, {axisSize}, {rank - 1})))
      return failure();

    // The result sizes: X's leading dims (1 for a 1-D X), then K.
    SmallVector<Value> sizes;
    if (rank == 1)
      sizes.push_back(arith::ConstantIndexOp::create(rewriter, loc, 1));
    for (int64_t d = 0; d + 1 < rank; ++d)
      sizes.push_back(getDimValue(rewriter, loc, x, d));
    sizes.push_back(getDimValue(rewriter, loc, indices, 0));
    SmallVector<int64_t> shape;
    for (Value s : sizes) {
      std::optional<int64_t> c = getConstantIntValue(s);
      shape.push_back(c ? *c : ShapedType::kDynamic);
    }
    auto computedType = RankedTensorType::get(shape, xType.getElementType());
    Value result = buildIndexGather(
        rewriter, loc, computedType, sizes, x, [&](OpBuilder &b, Location l, ValueRange idx) {
          SmallVector<Value> src;
          // A 1-D X is read without the leading unit dim of the result.
          for (int64_t d = (rank == 1 ? 1 : 0); d + 1 < resultRank; ++d)
            src.push_back(idx[d]);
          Value v = tensor::ExtractOp::create(b, l, indices, ValueRange{idx.back()});
          src.push_back(normalizeIndex(b, l, v, axisSize));
          return src;
        });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, resultType));
    return success();
  }
};

} // namespace

void populateArrayFeatureExtractorPatterns(const OnnxTypeConverter &converter,
                                           RewritePatternSet &patterns) {
  patterns.add<ArrayFeatureExtractorLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
