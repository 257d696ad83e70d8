//===- ConvKernels.cpp - Convolutions in the forms the CPU kernels take ---===//
//
// An f32 2-D convolution with group 1 becomes
//   col[n, (c, kh, kw), (oh, ow)] = x[n, c, oh * sh + kh * dh, ow * sw + kw * dw]
//   out[n, m, p] += w[m, k] * col[n, k, p]                  (k = (c, kh, kw), p = (oh, ow))
// and `out` is expanded back to [N, M, OH, OW]. The contraction is what the CPU backend's
// register-tiled kernel takes (weights as the broadcast operand, pixels along the vector
// lanes); a 1x1 stride-1 convolution reads x itself as `col`, with no copy. N, OH and OW
// may be dynamic (dynamic image sizes): the pixel dim p is then a dynamic size.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvKernels.h"
#include "passes/OnnxToLinalg/NN/Window.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

Value buildConv2DAsMatmul(OpBuilder &b, Location loc, Value x, Value w,
                          RankedTensorType resultType, const Window &window, Value outLike) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  Type f32 = resultType.getElementType();
  if (!f32.isF32() || xType.getRank() != 4 || !wType.hasStaticShape() ||
      resultType.isDynamicDim(1))
    return Value();
  int64_t c = wType.getDimSize(1), kh = wType.getDimSize(2), kw = wType.getDimSize(3);
  int64_t m = wType.getDimSize(0), oh = resultType.getDimSize(2), ow = resultType.getDimSize(3);
  int64_t batch = xType.getDimSize(0);
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto batchSize = [&](Value like) -> SmallVector<Value> {
    if (!ShapedType::isDynamic(batch))
      return {};
    return {tensor::DimOp::create(b, loc, like, 0)};
  };
  // The output's spatial sizes, as values where they are dynamic (dynamic image sizes).
  auto outSize = [&](int64_t dim) -> OpFoldResult {
    if (!resultType.isDynamicDim(dim))
      return b.getIndexAttr(resultType.getDimSize(dim));
    return tensor::DimOp::create(b, loc, outLike, dim).getResult();
  };
  OpFoldResult ohSize = outSize(2), owSize = outSize(3);

  // With a dynamic OH or OW, the pixels p = oh * OW + ow are indexed arithmetically: a
  // reshape that merges or splits two dynamic dims is what upstream expand-strided-metadata
  // cannot lower.
  bool dynamicPixels = ShapedType::isDynamic(oh) || ShapedType::isDynamic(ow);
  Value owValue = getValueOrCreateConstantIndexOp(b, loc, owSize);
  Value col;
  // A 1x1 stride-1 window over the padded input covers it exactly: OH = H, OW = W.
  bool direct = !dynamicPixels && kh == 1 && kw == 1 && window.strides[0] == 1 &&
                window.strides[1] == 1 && xType.getDimSize(2) == oh &&
                xType.getDimSize(3) == ow;
  if (direct) {
    col = tensor::CollapseShapeOp::create(b, loc, x,
                                          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  } else if (dynamicPixels) {
    // (n, c, kh, kw, p) -> x[n, c, (p / OW) * sh + kh * dh, (p % OW) * sw + kw * dw]
    Value pixels = arith::MulIOp::create(b, loc, getValueOrCreateConstantIndexOp(b, loc, ohSize),
                                         owValue);
    auto colType = RankedTensorType::get({batch, c, kh, kw, ShapedType::kDynamic}, f32);
    SmallVector<Value> colSizes = batchSize(x);
    colSizes.push_back(pixels);
    Value empty = tensor::EmptyOp::create(b, loc, colType, colSizes);
    SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(5, ctx)};
    SmallVector<utils::IteratorType> iterators(5, utils::IteratorType::parallel);
    Value col5 =
        linalg::GenericOp::create(
            b, loc, TypeRange{colType}, ValueRange{}, ValueRange{empty}, maps, iterators,
            [&](OpBuilder &nb, Location l, ValueRange) {
              auto idx = [&](unsigned i) { return Value(linalg::IndexOp::create(nb, l, i)); };
              auto cst = [&](int64_t v) { return Value(arith::ConstantIndexOp::create(nb, l, v)); };
              auto mulAdd = [&](Value a, int64_t s, Value k, int64_t dil) {
                return Value(arith::AddIOp::create(
                    nb, l, arith::MulIOp::create(nb, l, a, cst(s)),
                    arith::MulIOp::create(nb, l, k, cst(dil))));
              };
              Value pix = idx(4);
              Value row = arith::DivUIOp::create(nb, l, pix, owValue);
              Value column = arith::RemUIOp::create(nb, l, pix, owValue);
              Value v = tensor::ExtractOp::create(
                  nb, l, x,
                  ValueRange{idx(0), idx(1),
                             mulAdd(row, window.strides[0], idx(2), window.dilations[0]),
                             mulAdd(column, window.strides[1], idx(3), window.dilations[1])});
              linalg::YieldOp::create(nb, l, v);
            })
            .getResult(0);
    col = tensor::CollapseShapeOp::create(b, loc, col5,
                                          SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}});
  } else {
    // (n, c, kh, kw, oh, ow) -> x[n, c, oh * sh + kh * dh, ow * sw + kw * dw]
    auto colType = RankedTensorType::get({batch, c, kh, kw, oh, ow}, f32);
    SmallVector<Value> colSizes = batchSize(x);
    for (OpFoldResult size : {ohSize, owSize})
      if (auto value = dyn_cast<Value>(size))
        colSizes.push_back(value);
    Value empty = tensor::EmptyOp::create(b, loc, colType, colSizes);
    AffineMap read = AffineMap::get(
        6, 0,
        {d(0), d(1), d(4) * window.strides[0] + d(2) * window.dilations[0],
         d(5) * window.strides[1] + d(3) * window.dilations[1]},
        ctx);
    SmallVector<AffineMap> maps{read, AffineMap::getMultiDimIdentityMap(6, ctx)};
    SmallVector<utils::IteratorType> iterators(6, utils::IteratorType::parallel);
    Value col6 = linalg::GenericOp::create(b, loc, TypeRange{colType}, ValueRange{x},
                                           ValueRange{empty}, maps, iterators,
                                           [](OpBuilder &nb, Location l, ValueRange args) {
                                             linalg::YieldOp::create(nb, l, args[0]);
                                           })
                     .getResult(0);
    col = tensor::CollapseShapeOp::create(b, loc, col6,
                                          SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
  }
  Value w2 = tensor::CollapseShapeOp::create(b, loc, w,
                                             SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});

  // out[n, m, p] += w[m, k] * col[n, k, p] over (n, m, p, k).
  int64_t p = ShapedType::isDynamic(oh) || ShapedType::isDynamic(ow) ? ShapedType::kDynamic
                                                                       : oh * ow;
  auto outType = RankedTensorType::get({batch, m, p}, f32);
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
  SmallVector<Value> outSizes = batchSize(col);
  if (ShapedType::isDynamic(p))
    outSizes.push_back(tensor::DimOp::create(b, loc, col, 2));
  Value init = fill(b, loc, tensor::EmptyOp::create(b, loc, outType, outSizes), zero);
  SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(1), d(3)}, ctx),
                              AffineMap::get(4, 0, {d(0), d(3), d(2)}, ctx),
                              AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
  SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  Value out = linalg::GenericOp::create(
                  b, loc, TypeRange{outType}, ValueRange{w2, col}, ValueRange{init}, maps,
                  iterators,
                  yieldMulAdd)
                  .getResult(0);
  SmallVector<OpFoldResult> shape{b.getIndexAttr(batch), b.getIndexAttr(m), ohSize, owSize};
  if (ShapedType::isDynamic(batch))
    shape[0] = tensor::DimOp::create(b, loc, out, 0).getResult();
  if (!dynamicPixels)
    return tensor::ExpandShapeOp::create(b, loc, resultType, out,
                                         SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}},
                                         shape);
  SmallVector<Value> resultSizes;
  for (auto [i, size] : llvm::enumerate(shape))
    if (resultType.isDynamicDim(i))
      resultSizes.push_back(getValueOrCreateConstantIndexOp(b, loc, size));
  Value result = tensor::EmptyOp::create(b, loc, resultType, resultSizes);
  SmallVector<AffineMap> resultMaps{AffineMap::getMultiDimIdentityMap(4, ctx)};
  SmallVector<utils::IteratorType> resultIterators(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{}, ValueRange{result}, resultMaps,
             resultIterators,
             [&](OpBuilder &nb, Location l, ValueRange) {
               auto idx = [&](unsigned i) { return Value(linalg::IndexOp::create(nb, l, i)); };
               Value pix = arith::AddIOp::create(
                   nb, l, arith::MulIOp::create(nb, l, idx(2), owValue), idx(3));
               linalg::YieldOp::create(
                   nb, l, tensor::ExtractOp::create(nb, l, out, ValueRange{idx(0), idx(1), pix})
                              .getResult());
             })
      .getResult(0);
}

Value buildDepthwiseConv2D(OpBuilder &b, Location loc, Value x, Value w, Value init,
                           const Window &window) {
  MLIRContext *ctx = b.getContext();
  // (c, n, kh, kw, oh, ow): channels outermost so the runtime's threads split them even
  // at batch 1; the output row innermost, so each (kh, kw) step is a vector loop.
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0,
                     {d(1), d(0), d(4) * window.strides[0] + d(2) * window.dilations[0],
                      d(5) * window.strides[1] + d(3) * window.dilations[1]},
                     ctx),
      AffineMap::get(6, 0, {d(0), d(2), d(3)}, ctx),
      AffineMap::get(6, 0, {d(1), d(0), d(4), d(5)}, ctx)};
  SmallVector<utils::IteratorType> iterators{
      utils::IteratorType::parallel, utils::IteratorType::parallel,
      utils::IteratorType::reduction, utils::IteratorType::reduction,
      utils::IteratorType::parallel, utils::IteratorType::parallel};
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{x, w}, ValueRange{init}, maps,
             iterators,
             yieldMulAdd)
      .getResult(0);
}

Value addChannelBias(OpBuilder &b, Location loc, Value input, Value bias) {
  MLIRContext *ctx = b.getContext();
  auto type = cast<RankedTensorType>(input.getType());
  int64_t rank = type.getRank();
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank),
                              AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)),
                              b.getMultiDimIdentityMap(rank)};
  Value init = createEmptyLike(b, loc, type, input);
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{input, bias}, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value sum = isa<FloatType>(args[0].getType())
                               ? Value(arith::AddFOp::create(nb, nloc, args[0], args[1]))
                               : Value(arith::AddIOp::create(nb, nloc, args[0], args[1]));
               linalg::YieldOp::create(nb, nloc, sum);
             })
      .getResult(0);
}

} // namespace kiln::conversion
