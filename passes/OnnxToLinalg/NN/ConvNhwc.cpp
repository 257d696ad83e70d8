//===- ConvNhwc.cpp - Lower kiln.conv_nhwc to linalg ----------------------===//
//
// The NHWC convolution the layout plugin makes, lowered so the CPU backend's
// contraction kernels vectorize along the output channels (the packed weight's
// contiguous dim) rather than along the pixels:
//   group == 1, 1x1, stride 1, no pads -> X [N*H*W, C] x W [C, M] (linalg.matmul)
//   group == 1, otherwise              -> an implicit GEMM: a contraction generic over
//                                         (n, oh, ow, m, kh, kw, c) reading the padded X
//                                         through the window map (no im2col copy)
//   depthwise (C/group == 1, M == C)   -> a linalg.generic over (n, oh, ow, kh, kw, c)
//                                         with the channels innermost (the backend's
//                                         depthwise kernel)
// With dynamic image sizes the 1x1 case is the same generic too (see lowerWindowed).
// The bias is added to the [N*OH*OW, M] product (the epilogue the backend fuses into
// the matmul's store) or to the depthwise result.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/NhwcWindow.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/kiln/KilnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// Adds `bias` [M] along the last dim of `value`.
Value addLastDimBias(OpBuilder &b, Location loc, Value value, Value bias) {
  auto type = cast<RankedTensorType>(value.getType());
  return buildElementwise(b, loc, type, ValueRange{value, bias},
                          [](OpBuilder &nb, Location nloc, ValueRange args) -> Value {
                            return arith::AddFOp::create(nb, nloc, args[0], args[1]);
                          });
}

struct ConvNhwcLowering : OpConversionPattern<kilnir::ConvNhwcOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(kilnir::ConvNhwcOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = cast<RankedTensorType>(adaptor.getW().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    if (!xType.getElementType().isF32() || wType.getElementType() != xType.getElementType())
      return reject(rewriter, op, "kiln.conv_nhwc is lowered for f32 only");
    if (!wType.hasStaticShape() || xType.isDynamicDim(3) || yType.isDynamicDim(3))
      return reject(rewriter, op, "kiln.conv_nhwc needs static weights and channel counts");
    if (ShapedType::isDynamicShape(xType.getShape().slice(1, 2)) ||
        ShapedType::isDynamicShape(yType.getShape().slice(1, 2)))
      return lowerWindowed(op, adaptor, rewriter);
    int64_t kh = wType.getDimSize(0), kw = wType.getDimSize(1), cg = wType.getDimSize(2),
            m = wType.getDimSize(3), c = xType.getDimSize(3);
    int64_t oh = yType.getDimSize(1), ow = yType.getDimSize(2);
    int64_t group = op.getGroup();
    bool depthwise = group > 1 && cg == 1 && m == group && c == group;
    if (group != 1 && !depthwise)
      return reject(rewriter, op, "kiln.conv_nhwc is lowered for group 1 and depthwise only");
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();
    bool pointwise = kh == 1 && kw == 1 && strides[0] == 1 && strides[1] == 1 &&
                     llvm::all_of(pads, [](int64_t p) { return p == 0; });
    if (group == 1 && !pointwise)
      return lowerWindowed(op, adaptor, rewriter);

    Type f32 = xType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, f32, 0);
    Value x = padNhwc(rewriter, loc, adaptor.getX(), pads, zero);
    int64_t n = xType.getDimSize(0);
    Value batch;
    SmallVector<Value> dynBatch;
    if (ShapedType::isDynamic(n)) {
      batch = tensor::DimOp::create(rewriter, loc, adaptor.getX(), 0);
      dynBatch.push_back(batch);
    }
    Value result;

    if (depthwise) {
      // out[n, oh, ow, c] += x[n, oh*sh + kh*dh, ow*sw + kw*dw, c] * w[kh, kw, c]
      Value w = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getW(),
                                                SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      auto outType = RankedTensorType::get({n, oh, ow, m}, f32);
      Value init = fill(rewriter, loc, createEmpty(rewriter, loc, outType, dynBatch), zero);
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      SmallVector<AffineMap> maps{windowInputMap(ctx, strides, dilations),
                                  AffineMap::get(6, 0, {d(3), d(4), d(5)}, ctx),
                                  AffineMap::get(6, 0, {d(0), d(1), d(2), d(5)}, ctx)};
      using utils::IteratorType;
      SmallVector<IteratorType> iterators{IteratorType::parallel,  IteratorType::parallel,
                                          IteratorType::parallel,  IteratorType::reduction,
                                          IteratorType::reduction, IteratorType::parallel};
      result = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{outType}, ValueRange{x, w}, ValueRange{init}, maps,
                   iterators,
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     Value product = arith::MulFOp::create(nb, nloc, args[0], args[1]);
                     linalg::YieldOp::create(
                         nb, nloc, Value(arith::AddFOp::create(nb, nloc, args[2], product)));
                   })
                   .getResult(0);
      if (Value bias = adaptor.getBias())
        result = addLastDimBias(rewriter, loc, result, bias);
      result = castWithCheck(rewriter, loc, op, result, yType);
      rewriter.replaceOp(op, result);
      return success();
    }

    // group == 1, 1x1 stride 1: the rows of the product are the pixels of every image.
    int64_t rows = ShapedType::isDynamic(n) ? ShapedType::kDynamic : n * oh * ow;
    Value col = tensor::CollapseShapeOp::create(rewriter, loc, x,
                                                SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    Value w = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getW(),
                                              SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
    auto productType = RankedTensorType::get({rows, m}, f32);
    SmallVector<Value> dynRows;
    if (ShapedType::isDynamic(rows))
      dynRows.push_back(tensor::DimOp::create(rewriter, loc, col, 0));
    Value init = fill(rewriter, loc, createEmpty(rewriter, loc, productType, dynRows), zero);
    Value product = linalg::MatmulOp::create(rewriter, loc, TypeRange{productType},
                                             ValueRange{col, w}, init)
                        .getResult(0);
    if (Value bias = adaptor.getBias())
      product = addLastDimBias(rewriter, loc, product, bias);
    auto outType = RankedTensorType::get({n, oh, ow, m}, f32);
    OpFoldResult batchSize = ShapedType::isDynamic(n) ? OpFoldResult(batch)
                                                      : OpFoldResult(rewriter.getIndexAttr(n));
    SmallVector<OpFoldResult> sizes{batchSize, rewriter.getIndexAttr(oh),
                                    rewriter.getIndexAttr(ow), rewriter.getIndexAttr(m)};
    result = expandShape(rewriter, loc, outType, product,
                         SmallVector<ReassociationIndices>{{0, 1, 2}, {3}}, sizes);
    result = castWithCheck(rewriter, loc, op, result, yType);
    rewriter.replaceOp(op, result);
    return success();
  }

  /// Every windowed group-1 convolution, and any with dynamic image sizes: a contraction
  /// generic whose m dims are (n, oh, ow), k dims the window (kh, kw, c) and n dim the
  /// output channels, reading the padded X through the window map directly (an implicit
  /// GEMM: no im2col copy). The CPU backend packs W and vectorizes along the output
  /// channels; its A operand is read by address anyway, so the window costs nothing.
  /// The pixel dims stay apart (merging two dynamic dims in a reshape is what upstream
  /// expand-strided-metadata cannot lower).
  LogicalResult lowerWindowed(kilnir::ConvNhwcOp op, OpAdaptor adaptor,
                                    ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = cast<RankedTensorType>(adaptor.getW().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    int64_t kernel[2] = {wType.getDimSize(0), wType.getDimSize(1)};
    int64_t cg = wType.getDimSize(2), m = wType.getDimSize(3), c = xType.getDimSize(3);
    int64_t group = op.getGroup();
    bool depthwise = group > 1 && cg == 1 && m == group && c == group;
    if (group != 1 && !depthwise)
      return reject(rewriter, op, "kiln.conv_nhwc is lowered for group 1 and depthwise only");
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();
    Type f32 = xType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, f32, 0);
    Value x = padNhwc(rewriter, loc, adaptor.getX(), pads, zero);

    // OH and OW from the padded sizes, after checking that the dilated kernel fits.
    SmallVector<OpFoldResult> outSizes =
        nhwcWindowSizes(rewriter, loc, op, x, kernel, strides, dilations);
    outSizes.push_back(rewriter.getIndexAttr(m));
    auto empty = [&](ArrayRef<OpFoldResult> sizes) {
      return tensor::EmptyOp::create(rewriter, loc, sizes, f32).getResult();
    };
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    using utils::IteratorType;
    Value init = fill(rewriter, loc, empty(outSizes), zero);
    Value result;
    if (depthwise) {
      // out[n, oh, ow, c] += x[n, oh*sh + kh*dh, ow*sw + kw*dw, c] * w[kh, kw, c]
      Value w = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getW(),
                                                SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
      SmallVector<AffineMap> maps{windowInputMap(ctx, strides, dilations),
                                  AffineMap::get(6, 0, {d(3), d(4), d(5)}, ctx),
                                  AffineMap::get(6, 0, {d(0), d(1), d(2), d(5)}, ctx)};
      SmallVector<IteratorType> iterators{IteratorType::parallel,  IteratorType::parallel,
                                          IteratorType::parallel,  IteratorType::reduction,
                                          IteratorType::reduction, IteratorType::parallel};
      result = linalg::GenericOp::create(rewriter, loc, TypeRange{init.getType()},
                                         ValueRange{x, w}, ValueRange{init}, maps, iterators,
                                         yieldMulAdd)
                   .getResult(0);
    } else {
      bool pointwise = kernel[0] == 1 && kernel[1] == 1 && strides[0] == 1 && strides[1] == 1;
      Value a = x; // a 1x1 stride-1 window reads the padded input as it is
      Value w = adaptor.getW();
      SmallVector<AffineMap> maps;
      if (pointwise) {
        w = tensor::CollapseShapeOp::create(rewriter, loc, w,
                                            SmallVector<ReassociationIndices>{{0, 1, 2}, {3}});
        // (n, oh, ow, m, c)
        maps = {AffineMap::get(5, 0, {d(0), d(1), d(2), d(4)}, ctx),
                AffineMap::get(5, 0, {d(4), d(3)}, ctx),
                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
      } else {
        // (n, oh, ow, m, kh, kw, c): y[n, oh, ow, m] +=
        //   x[n, oh*sh + kh*dh, ow*sw + kw*dw, c] * w[kh, kw, c, m]
        maps = {AffineMap::get(7, 0,
                               {d(0), d(1) * strides[0] + d(4) * dilations[0],
                                d(2) * strides[1] + d(5) * dilations[1], d(6)},
                               ctx),
                AffineMap::get(7, 0, {d(4), d(5), d(6), d(3)}, ctx),
                AffineMap::get(7, 0, {d(0), d(1), d(2), d(3)}, ctx)};
      }
      SmallVector<IteratorType> iterators(4, IteratorType::parallel);
      iterators.resize(maps[0].getNumDims(), IteratorType::reduction);
      result = linalg::GenericOp::create(rewriter, loc, TypeRange{init.getType()},
                                         ValueRange{a, w}, ValueRange{init}, maps,
                                         iterators, yieldMulAdd)
                   .getResult(0);
    }
    if (Value bias = adaptor.getBias())
      result = addLastDimBias(rewriter, loc, result, bias);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, yType));
    return success();
  }
};

} // namespace

void populateConvNhwcPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ConvNhwcLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
