//===- Expand.cpp - Lower onnx.Expand to a broadcast linalg.generic -------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Expand: numpy-broadcast the input to max(input dims, shape values).
struct ExpandLowering : OnnxLoweringPattern<ExpandOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(ExpandOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value input = adaptor.getInput();
    RankedTensorType inputType = getRankedInputType(rewriter, op, input);
    if (!inputType)
      return failure();
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!shapeType || shapeType.getRank() != 1 || shapeType.isDynamicDim(0))
      return reject(rewriter, op, "the shape input does not have a static length");
    int64_t rank = resultType.getRank(), n = shapeType.getDimSize(0);
    if (rank != std::max(inputType.getRank(), n))
      return reject(rewriter, op,
                                         "the result rank is not max(input rank, shape length)");
    Location loc = op.getLoc();
    // Expand broadcasts both ways: the input and the shape. A result dim that is static
    // stands for its shape entry (shape inference read it), so the shape is only read
    // where the result is dynamic.
    bool needShape = false;
    for (int64_t d = rank - n; d < rank; ++d)
      needShape |= resultType.isDynamicDim(d);
    SmallVector<OpFoldResult> shapeSizes;
    SmallVector<Value> shape;
    if (needShape)
      shape = getIndexValues(rewriter, loc, adaptor.getShape(), n);
    for (int64_t sd = 0; sd < n; ++sd) {
      int64_t d = sd + rank - n;
      shapeSizes.push_back(resultType.isDynamicDim(d)
                               ? OpFoldResult(shape[sd])
                               : OpFoldResult(rewriter.getIndexAttr(resultType.getDimSize(d))));
    }
    SmallVector<SmallVector<OpFoldResult>> operands{getMixedSizes(rewriter, loc, input),
                                                    shapeSizes};
    SmallVector<OpFoldResult> sizes = getCheckedBroadcastSizes(
        rewriter, loc, op, operands, resultType.getShape(), {"the input", "the shape"});
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < rank; ++d)
      if (resultType.isDynamicDim(d))
        dynamic.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, sizes[d]));
    input = broadcastDynamicOnes(rewriter, loc, input,
                                 ArrayRef(sizes).drop_front(rank - inputType.getRank()));
    Value init = createEmpty(rewriter, loc, resultType, dynamic);
    SmallVector<AffineMap> maps{getBroadcastMap(rewriter.getContext(), inputType, resultType),
                                rewriter.getMultiDimIdentityMap(rank)};
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(rewriter, loc, TypeRange{resultType},
                                             ValueRange{input}, ValueRange{init}, maps, iterators,
                                             [&](OpBuilder &b, Location nloc, ValueRange args) {
                                               linalg::YieldOp::create(b, nloc, args[0]);
                                             });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

} // namespace

void populateExpandPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ExpandLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
