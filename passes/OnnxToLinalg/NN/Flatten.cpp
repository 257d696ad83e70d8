//===- Flatten.cpp - Lower onnx.Flatten to tensor.collapse_shape ----------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Flatten: collapse dims [0, axis) and [axis, rank) into a 2-D tensor.
struct FlattenLowering : OnnxLoweringPattern<FlattenOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(FlattenOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    RankedTensorType dataType = getRankedInputType(rewriter, op, adaptor.getInput());
    if (!dataType)
      return failure();
    int64_t rank = dataType.getRank();
    int64_t axis = static_cast<int64_t>(op.getAxis());
    axis = axis < 0 ? axis + rank : axis;
    if (axis < 0 || axis > rank)
      return reject(rewriter, op, "axis is out of range");
    Location loc = op.getLoc();
    Value input = adaptor.getInput();
    if (axis == 0 || axis == rank) {
      // One side is empty and becomes a unit dim: collapse everything, then add it.
      if (rank > 1)
        input = tensor::CollapseShapeOp::create(
            rewriter, loc, input,
            SmallVector<ReassociationIndices>{llvm::to_vector(llvm::seq<int64_t>(0, rank))});
      SmallVector<int64_t> unitDims;
      if (rank == 0)
        unitDims = {0, 1};
      else
        unitDims = {axis == 0 ? 0 : 1};
      rewriter.replaceOp(op, insertUnitDims(rewriter, loc, input, unitDims, resultType));
      return success();
    }
    SmallVector<ReassociationIndices> groups{llvm::to_vector(llvm::seq<int64_t>(0, axis)),
                                             llvm::to_vector(llvm::seq<int64_t>(axis, rank))};
    Value collapsed = tensor::CollapseShapeOp::create(rewriter, loc, input, groups);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, collapsed, resultType));
    return success();
  }
};

} // namespace

void populateFlattenPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<FlattenLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
