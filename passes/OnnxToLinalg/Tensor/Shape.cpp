//===- Shape.cpp - Lower onnx.Shape and onnx.Size -------------------------===//
//
// Shape queries: the dims of the input as an i64 tensor, folded to a constant where static.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Shape: the (start..end) dims of the input as a 1-D i64 tensor.
struct ShapeLowering : OpConversionPattern<ShapeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ShapeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = getRankedInputType(rewriter, op, adaptor.getData());
    if (!inputType)
      return failure();
    int64_t rank = inputType.getRank();
    // ONNX clamps start and end into [0, rank] after adding rank to negative values.
    auto clampAxis = [&](int64_t axis) {
      return std::clamp<int64_t>(axis < 0 ? axis + rank : axis, 0, rank);
    };
    int64_t start = clampAxis(static_cast<int64_t>(op.getStart()));
    int64_t end = op.getEndAttr() ? clampAxis(op.getEndAttr().getInt()) : rank;
    Location loc = op.getLoc();
    SmallVector<Value> dims;
    for (int64_t d = start; d < end; ++d)
      dims.push_back(arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                                getDimValue(rewriter, loc, adaptor.getData(), d)));
    auto type = RankedTensorType::get({static_cast<int64_t>(dims.size())}, rewriter.getI64Type());
    if (dims.empty()) {
      rewriter.replaceOpWithNewOp<tensor::EmptyOp>(op, type.getShape(), type.getElementType());
      return success();
    }
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(op, type, dims);
    return success();
  }
};

/// Size: the product of the input's dims as a 0-d i64 tensor.
struct SizeLowering : OpConversionPattern<SizeOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType inputType = getRankedInputType(rewriter, op, adaptor.getData());
    if (!inputType)
      return failure();
    Location loc = op.getLoc();
    Value size = arith::ConstantIndexOp::create(rewriter, loc, 1);
    for (int64_t d = 0; d < inputType.getRank(); ++d)
      size = arith::MulIOp::create(rewriter, loc, size,
                                   getDimValue(rewriter, loc, adaptor.getData(), d));
    Value i64 = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), size);
    rewriter.replaceOpWithNewOp<tensor::FromElementsOp>(
        op, RankedTensorType::get({}, rewriter.getI64Type()), ValueRange{i64});
    return success();
  }
};

} // namespace

void populateShapePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ShapeLowering, SizeLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
