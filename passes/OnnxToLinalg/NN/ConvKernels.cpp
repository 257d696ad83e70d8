//===- ConvKernels.cpp - Convolutions in the forms the CPU kernels take ---===//
//
// An f32 (or i32, ConvInteger's widened operands) 2-D convolution with group 1 becomes
//   col[n, (c, kh, kw), (oh, ow)] = x[n, c, oh * sh + kh * dh, ow * sw + kw * dw]
//   out[n, m, p] += w[m, k] * col[n, k, p]                  (k = (c, kh, kw), p = (oh, ow))
// and `out` is expanded back to [N, M, OH, OW]. The contraction is what the CPU backend's
// register-tiled kernel takes (weights as the broadcast operand, pixels along the vector
// lanes); a 1x1 stride-1 convolution reads x itself as `col`, with no copy. N, OH and OW
// may be dynamic (dynamic image sizes): p then stays two dims (oh, ow), the contraction
// walks the rows oh like a batch dim, and its result is [N, M, OH, OW] as it is.
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

/// col[n, c, kh, kw, oh, ow] = x[n, c, oh * sh + kh * dh, ow * sw + kw * dw] (x padded),
/// with `shape` [N, C, KH, KW, OH, OW]; `batchSize` and `pixelSizes` give N and OH, OW
/// where they are dynamic.
static Value im2col(OpBuilder &b, Location loc, Value x, const Window &window,
                    ArrayRef<int64_t> shape, ArrayRef<Value> batchSize,
                    ArrayRef<OpFoldResult> pixelSizes) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  Type elementType = cast<RankedTensorType>(x.getType()).getElementType();
  auto colType = RankedTensorType::get(shape, elementType);
  SmallVector<Value> colSizes(batchSize);
  for (OpFoldResult size : pixelSizes)
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
  auto copy = linalg::GenericOp::create(b, loc, TypeRange{colType}, ValueRange{x},
                                        ValueRange{empty}, maps, iterators,
                                        [](OpBuilder &nb, Location l, ValueRange args) {
                                          linalg::YieldOp::create(nb, l, args[0]);
                                        });
  // The CPU backend copies whole output rows as vectors where the stride along ow is 1
  // (LLVM's loop vectorizer left this copy scalar: an 8-bit ResNet-50's 3x3 columns took
  // a quarter of its run).
  copy->setAttr("kiln.vectorize", b.getUnitAttr());
  return copy.getResult(0);
}

Value buildConv2DAsMatmul(OpBuilder &b, Location loc, Value x, Value w,
                          RankedTensorType resultType, const Window &window, Value outLike,
                          function_ref<Value(Value)> widenColumns) {
  MLIRContext *ctx = b.getContext();
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  // f32, or the i32 accumulation of ConvInteger/QLinearConv (exact in any order).
  Type f32 = resultType.getElementType();
  if (!(f32.isF32() || f32.isInteger(32)) || xType.getRank() != 4 || !wType.hasStaticShape() ||
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

  Value w2 = tensor::CollapseShapeOp::create(b, loc, w,
                                             SmallVector<ReassociationIndices>{{0}, {1, 2, 3}});
  Value zero = arith::ConstantOp::create(b, loc, b.getZeroAttr(f32));
  bool unitWindow = kh == 1 && kw == 1 && window.strides[0] == 1 && window.strides[1] == 1;

  // With both OH and OW dynamic, the pixels stay two dims: a reshape that merges two
  // dynamic dims is what upstream expand-strided-metadata cannot lower. Each output row
  // is then one n of the contraction (out[n, m, oh, ow] += w[m, k] * col[n, k, oh, ow], oh
  // walked like a batch dim, ow along the vector lanes), and the result needs no reshape.
  // With one of them static the pixels merge as in the static case: an output row of a
  // few dozen pixels would leave most of the last column panel idle.
  bool pixelsDynamic = ShapedType::isDynamic(oh) || ShapedType::isDynamic(ow);
  if (ShapedType::isDynamic(oh) && ShapedType::isDynamic(ow)) {
    Value col4 = x; // a 1x1 stride-1 window over the padded input covers it: OH = H, OW = W
    if (!unitWindow) {
      Value col6 = im2col(b, loc, x, window, {batch, c, kh, kw, oh, ow}, batchSize(x),
                          {ohSize, owSize});
      col4 = tensor::CollapseShapeOp::create(
          b, loc, col6, SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4}, {5}});
    }
    if (widenColumns)
      col4 = widenColumns(col4);
    SmallVector<Value> resultSizes;
    for (int64_t i = 0; i < 4; ++i)
      if (resultType.isDynamicDim(i))
        resultSizes.push_back(i == 0 ? tensor::DimOp::create(b, loc, x, 0).getResult()
                                     : getValueOrCreateConstantIndexOp(b, loc, outSize(i)));
    Value init = fill(b, loc, tensor::EmptyOp::create(b, loc, resultType, resultSizes), zero);
    // Iteration dims (n, m, oh, ow, k).
    SmallVector<AffineMap> maps{AffineMap::get(5, 0, {d(1), d(4)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(4), d(2), d(3)}, ctx),
                                AffineMap::get(5, 0, {d(0), d(1), d(2), d(3)}, ctx)};
    SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    return linalg::GenericOp::create(b, loc, TypeRange{resultType}, ValueRange{w2, col4},
                                     ValueRange{init}, maps, iterators, yieldMulAdd)
        .getResult(0);
  }

  Value col;
  // A 1x1 stride-1 window over the padded input covers it exactly: OH = H, OW = W.
  if (unitWindow && (pixelsDynamic ||
                     (xType.getDimSize(2) == oh && xType.getDimSize(3) == ow))) {
    col = tensor::CollapseShapeOp::create(b, loc, x,
                                          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
  } else {
    Value col6 = im2col(b, loc, x, window, {batch, c, kh, kw, oh, ow}, batchSize(x),
                        {ohSize, owSize});
    col = tensor::CollapseShapeOp::create(b, loc, col6,
                                          SmallVector<ReassociationIndices>{{0}, {1, 2, 3}, {4, 5}});
  }
  if (widenColumns)
    col = widenColumns(col);

  // out[n, m, p] += w[m, k] * col[n, k, p] over (n, m, p, k).
  auto outType =
      RankedTensorType::get({batch, m, pixelsDynamic ? ShapedType::kDynamic : oh * ow}, f32);
  SmallVector<Value> outSizes = batchSize(col);
  if (pixelsDynamic)
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
  return tensor::ExpandShapeOp::create(b, loc, resultType, out,
                                       SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}, shape);
}

Value buildConv1DAsMatmul(OpBuilder &b, Location loc, Value x, Value w,
                          RankedTensorType resultType, const Window &window, Value outLike,
                          function_ref<Value(Value)> widenColumns) {
  auto xType = cast<RankedTensorType>(x.getType());
  auto wType = cast<RankedTensorType>(w.getType());
  if (xType.getRank() != 3 || wType.getRank() != 3 || resultType.getRank() != 3)
    return Value();
  // [A, B, L] -> [A, B, 1, L], the dynamic sizes taken from `v`.
  SmallVector<ReassociationIndices> unitHeight{{0}, {1}, {2, 3}};
  auto withUnitHeight = [&](Value v) {
    auto type = cast<RankedTensorType>(v.getType());
    SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, v);
    sizes.insert(sizes.begin() + 2, b.getIndexAttr(1));
    SmallVector<int64_t> shape(type.getShape());
    shape.insert(shape.begin() + 2, 1);
    return tensor::ExpandShapeOp::create(
               b, loc, RankedTensorType::get(shape, type.getElementType()), v, unitHeight, sizes)
        .getResult();
  };
  Window window2D;
  window2D.kernel = {1, window.kernel[0]};
  window2D.strides = {1, window.strides[0]};
  window2D.dilations = {1, window.dilations[0]};
  window2D.padBegin = window2D.padEnd = window2D.extraEnd = {0, 0}; // x is padded already
  window2D.outSizes = {1, window.outSizes[0]};
  window2D.runtimeSamePads = window2D.runtimeCeil = {false, false};
  SmallVector<int64_t> shape(resultType.getShape());
  shape.insert(shape.begin() + 2, 1);
  auto type2D = RankedTensorType::get(shape, resultType.getElementType());
  Value out = buildConv2DAsMatmul(b, loc, withUnitHeight(x), withUnitHeight(w), type2D,
                                  window2D, withUnitHeight(outLike), widenColumns);
  if (!out)
    return Value();
  return tensor::CollapseShapeOp::create(b, loc, resultType, out, unitHeight);
}

/// Stride 1, f32, a static kernel of at most kMaxShiftedTaps taps: one elementwise
/// generic over the output (n, c, oh, ow) with two operands per tap, the output-sized
/// slice of the padded input at (kh * dh, kw * dw) and the tap's weight w[c, kh, kw];
/// its body sums the products. Marked kiln.vectorize, the CPU backend runs it along output rows, one
/// contiguous (unaligned) input load and one broadcast weight per tap, and the bias
/// fuses into it as an epilogue.
constexpr int64_t kMaxShiftedTaps = 25;

static Value buildDepthwiseShiftedTaps(OpBuilder &b, Location loc, Value x, Value w,
                                       Value init, const Window &window) {
  auto wType = cast<RankedTensorType>(w.getType());
  auto initType = cast<RankedTensorType>(init.getType());
  if (!wType.getElementType().isF32() || !wType.hasStaticShape() ||
      llvm::any_of(window.strides, [](int64_t s) { return s != 1; }))
    return Value();
  int64_t kh = wType.getDimSize(1), kw = wType.getDimSize(2);
  if (kh * kw > kMaxShiftedTaps)
    return Value();
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  auto c = [&](int64_t v) { return getAffineConstantExpr(v, ctx); };
  SmallVector<OpFoldResult> sizes = tensor::getMixedSizes(b, loc, init);
  SmallVector<OpFoldResult> unit(4, b.getIndexAttr(1));
  SmallVector<Value> inputs, weights;
  SmallVector<AffineMap> maps, weightMaps;
  for (int64_t i = 0; i < kh; ++i) {
    for (int64_t j = 0; j < kw; ++j) {
      // The tap's window of the padded input: the output's size at (i * dh, j * dw).
      SmallVector<OpFoldResult> offsets{b.getIndexAttr(0), b.getIndexAttr(0),
                                        b.getIndexAttr(i * window.dilations[0]),
                                        b.getIndexAttr(j * window.dilations[1])};
      inputs.push_back(tensor::ExtractSliceOp::create(b, loc, x, offsets, sizes, unit));
      maps.push_back(b.getMultiDimIdentityMap(4));
      weights.push_back(w);
      weightMaps.push_back(AffineMap::get(4, 0, {d(1), c(i), c(j)}, ctx));
    }
  }
  int64_t taps = kh * kw;
  inputs.append(weights);
  maps.append(weightMaps);
  maps.push_back(b.getMultiDimIdentityMap(4));
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{initType}, inputs, ValueRange{createEmptyLike(b, loc, initType, init)},
      maps, iterators, [&](OpBuilder &nb, Location l, ValueRange args) {
        Value sum = arith::MulFOp::create(nb, l, args[0], args[taps]);
        for (int64_t t = 1; t < taps; ++t)
          sum = arith::AddFOp::create(nb, l, sum,
                                      arith::MulFOp::create(nb, l, args[t], args[taps + t]));
        linalg::YieldOp::create(nb, l, sum);
      });
  generic->setAttr("kiln.vectorize", b.getUnitAttr());
  return generic.getResult(0);
}

Value buildDepthwiseConv2D(OpBuilder &b, Location loc, Value x, Value w, Value init,
                           const Window &window) {
  MLIRContext *ctx = b.getContext();
  if (Value shifted = buildDepthwiseShiftedTaps(b, loc, x, w, init, window))
    return shifted;
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
