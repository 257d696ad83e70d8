//===- ConvNhwc.cpp - Lower kiln.conv_nhwc to linalg ----------------------===//
//
// The channels-last convolution the layout plugin makes (NHWC, or NDHWC in 3-D: S = 2
// or 3 spatial dims o_1..o_S, kernel taps k_1..k_S), lowered so the CPU backend's
// contraction kernels vectorize along the output channels (the packed weight's
// contiguous dim) rather than along the pixels:
//   group == 1, 1x1(x1), stride 1, no pads -> X [N*pixels, C] x W [C, M] (linalg.matmul)
//   group == 1, otherwise                  -> an implicit GEMM: a contraction generic over
//                                             (n, o..., m, k..., c) reading the padded X
//                                             through the window map (no im2col copy)
//   depthwise (C/group == 1, M == C)       -> a linalg.generic over (n, o..., k..., c)
//                                             with the channels innermost (the backend's
//                                             depthwise kernel)
//   other groups                           -> the implicit GEMM with a group dim g that
//                                             A, B and C share (the backend walks it like
//                                             a batch): X viewed [N, ..., G, C/G], W
//                                             [k..., C/G, G, M/G], Y [N, o..., G, M/G]
// With dynamic image sizes the 1x1 case is the same generic too (see lowerWindowed).
// The bias is added to the [N*pixels, M] product (the epilogue the backend fuses into
// the matmul's store) or to the windowed result.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/ConvWinograd.h"
#include "passes/OnnxToLinalg/NN/NhwcWindow.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/kiln/KilnDialect.h"
#include "kiln/NodeLoc.h"

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

/// Reassociation of a rank-`rank` tensor that merges dims [0, rank - 1) and keeps the
/// last: [N, spatial..., C] <-> [N * pixels, C] and [k..., C, M] <-> [K, M].
SmallVector<ReassociationIndices> allButLast(int64_t rank) {
  ReassociationIndices lead;
  for (int64_t i = 0; i + 1 < rank; ++i)
    lead.push_back(i);
  return {lead, {rank - 1}};
}

/// Reassociation of a rank-`rank` tensor that keeps dims [0, rank - 2) and merges the
/// last two (or splits the last into two, the other way).
SmallVector<ReassociationIndices> lastPair(int64_t rank) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0; i + 2 < rank; ++i)
    groups.push_back({i});
  groups.push_back({rank - 2, rank - 1});
  return groups;
}

struct ConvNhwcLowering : OpConversionPattern<kilnir::ConvNhwcOp> {
  ConvNhwcLowering(const TypeConverter &converter, MLIRContext *ctx,
                   kiln::PassStatistic *winograd, ArrayRef<std::string> winogradNodes)
      : OpConversionPattern(converter, ctx), winograd(winograd),
        winogradNodes(winogradNodes.begin(), winogradNodes.end()) {}
  /// Null: no Winograd; else counts the convolutions lowered so.
  kiln::PassStatistic *winograd;
  /// When not empty, Winograd only for the convolutions of these ONNX nodes.
  std::vector<std::string> winogradNodes;

  bool mayUseWinograd(kilnir::ConvNhwcOp op) const {
    if (!winograd)
      return false;
    if (winogradNodes.empty())
      return true;
    return llvm::any_of(kiln::nodeNames(op.getLoc()), [&](StringRef name) {
      return llvm::is_contained(winogradNodes, name);
    });
  }

  LogicalResult matchAndRewrite(kilnir::ConvNhwcOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = cast<RankedTensorType>(adaptor.getW().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    int64_t rank = xType.getRank(), spatial = rank - 2;
    if (!xType.getElementType().isF32() || wType.getElementType() != xType.getElementType())
      return reject(rewriter, op, "kiln.conv_nhwc is lowered for f32 only");
    if (!wType.hasStaticShape() || xType.isDynamicDim(rank - 1) ||
        yType.isDynamicDim(rank - 1))
      return reject(rewriter, op, "kiln.conv_nhwc needs static weights and channel counts");
    int64_t m = wType.getDimSize(spatial + 1);
    ArrayRef<int64_t> kernel = wType.getShape().take_front(spatial);
    ArrayRef<int64_t> strides = op.getStrides(), pads = op.getPads();
    auto isOne = [](int64_t v) { return v == 1; };
    bool pointwise = op.getGroup() == 1 && llvm::all_of(kernel, isOne) &&
                     llvm::all_of(strides, isOne) &&
                     llvm::all_of(pads, [](int64_t p) { return p == 0; });
    if (!pointwise || ShapedType::isDynamicShape(xType.getShape().slice(1, spatial)) ||
        ShapedType::isDynamicShape(yType.getShape().slice(1, spatial)))
      return lowerWindowed(op, adaptor, rewriter);

    // group == 1, 1x1 stride 1 on static pixels: the rows of the product are the pixels
    // of every image.
    Type f32 = xType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, f32, 0);
    int64_t n = xType.getDimSize(0), pixels = 1;
    for (int64_t i = 0; i < spatial; ++i)
      pixels *= yType.getDimSize(1 + i);
    int64_t rows = ShapedType::isDynamic(n) ? ShapedType::kDynamic : n * pixels;
    Value col = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getX(), allButLast(rank));
    Value w = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getW(), allButLast(rank));
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
    SmallVector<int64_t> outShape(yType.getShape());
    outShape.back() = m;
    auto outType = RankedTensorType::get(outShape, f32);
    SmallVector<OpFoldResult> sizes{tensor::getMixedSize(rewriter, loc, adaptor.getX(), 0)};
    for (int64_t i = 1; i < rank; ++i)
      sizes.push_back(rewriter.getIndexAttr(outShape[i]));
    Value result = expandShape(rewriter, loc, outType, product, allButLast(rank), sizes);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, yType));
    return success();
  }

  /// The constant [3][3][C][M] weights of a convolution that runs faster as Winograd
  /// F(2x2, 3x3) (ConvWinograd.h); nullopt for any other.
  static std::optional<std::vector<float>> winogradWeights(kilnir::ConvNhwcOp op,
                                                           OpAdaptor adaptor) {
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = cast<RankedTensorType>(adaptor.getW().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    auto isOne = [](int64_t v) { return v == 1; };
    if (xType.getRank() != 4 || op.getGroup() != 1 || wType.getDimSize(0) != 3 ||
        wType.getDimSize(1) != 3 || !llvm::all_of(op.getStrides(), isOne) ||
        !llvm::all_of(op.getDilations(), isOne))
      return std::nullopt;
    int64_t pixels = ShapedType::isDynamic(yType.getDimSize(1)) ||
                             ShapedType::isDynamic(yType.getDimSize(2))
                         ? ShapedType::kDynamic
                         : yType.getDimSize(1) * yType.getDimSize(2);
    if (!winogradPays(wType.getDimSize(2), wType.getDimSize(3), pixels))
      return std::nullopt;
    return constantF32(adaptor.getW());
  }

  /// Every windowed convolution, and any with dynamic image sizes: a generic reading the
  /// padded X through the window map directly (an implicit GEMM: no im2col copy). For
  /// group 1 its m dims are (n, o...), k dims the window (k..., c) and n dim the output
  /// channels; the CPU backend packs W and vectorizes along the output channels; its A
  /// operand is read by address anyway, so the window costs nothing. The pixel dims stay
  /// apart (merging two dynamic dims in a reshape is what upstream
  /// expand-strided-metadata cannot lower).
  LogicalResult lowerWindowed(kilnir::ConvNhwcOp op, OpAdaptor adaptor,
                              ConversionPatternRewriter &rewriter) const {
    Location loc = op.getLoc();
    MLIRContext *ctx = op.getContext();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto wType = cast<RankedTensorType>(adaptor.getW().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    int64_t rank = xType.getRank(), spatial = rank - 2;
    ArrayRef<int64_t> kernel = wType.getShape().take_front(spatial);
    int64_t cg = wType.getDimSize(spatial), m = wType.getDimSize(spatial + 1),
            c = xType.getDimSize(rank - 1);
    int64_t group = op.getGroup();
    bool depthwise = group > 1 && cg == 1 && m == group && c == group;
    ArrayRef<int64_t> strides = op.getStrides(), dilations = op.getDilations(),
                      pads = op.getPads();
    Type f32 = xType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, f32, 0);
    Value x = padNhwc(rewriter, loc, adaptor.getX(), pads, zero);

    // The output sizes from the padded sizes, after checking that the dilated kernel fits.
    SmallVector<OpFoldResult> outSizes =
        nhwcWindowSizes(rewriter, loc, op, x, kernel, strides, dilations);
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    using utils::IteratorType;
    Value result;
    if (depthwise) {
      // (n, o..., k..., c): out[n, o..., c] += x[n, o * s + k * dl..., c] * w[k..., c]
      outSizes.push_back(rewriter.getIndexAttr(m));
      Value init =
          fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, outSizes, f32), zero);
      Value w = tensor::CollapseShapeOp::create(rewriter, loc, adaptor.getW(), lastPair(rank));
      unsigned numDims = 2 + 2 * spatial;
      SmallVector<AffineExpr> wExprs, outExprs{d(0)};
      for (int64_t i = 0; i < spatial; ++i) {
        wExprs.push_back(d(1 + spatial + i));
        outExprs.push_back(d(1 + i));
      }
      wExprs.push_back(d(numDims - 1));
      outExprs.push_back(d(numDims - 1));
      SmallVector<AffineMap> maps{windowInputMap(ctx, strides, dilations),
                                  AffineMap::get(numDims, 0, wExprs, ctx),
                                  AffineMap::get(numDims, 0, outExprs, ctx)};
      SmallVector<IteratorType> iterators(1 + spatial, IteratorType::parallel);
      iterators.append(spatial, IteratorType::reduction);
      iterators.push_back(IteratorType::parallel);
      result = linalg::GenericOp::create(rewriter, loc, TypeRange{init.getType()},
                                         ValueRange{x, w}, ValueRange{init}, maps, iterators,
                                         yieldMulAdd)
                   .getResult(0);
    } else if (std::optional<std::vector<float>> weights =
                   mayUseWinograd(op) ? winogradWeights(op, adaptor) : std::nullopt) {
      result = buildWinogradConv2D(rewriter, loc, adaptor.getX(), *weights, c, m, pads,
                                   outSizes);
      ++*winograd;
    } else if (group == 1) {
      outSizes.push_back(rewriter.getIndexAttr(m));
      Value init =
          fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, outSizes, f32), zero);
      auto isOne = [](int64_t v) { return v == 1; };
      bool pointwise = llvm::all_of(kernel, isOne) && llvm::all_of(strides, isOne);
      Value w = adaptor.getW();
      // Dims: n, o_1..o_S, m, then the reductions.
      unsigned mDim = 1 + spatial;
      SmallVector<AffineExpr> xExprs{d(0)}, outExprs{d(0)};
      for (int64_t i = 0; i < spatial; ++i)
        outExprs.push_back(d(1 + i));
      outExprs.push_back(d(mDim));
      SmallVector<AffineMap> maps;
      if (pointwise) {
        // (n, o..., m, c): a 1x1 stride-1 window reads the padded input as it is.
        w = tensor::CollapseShapeOp::create(rewriter, loc, w, allButLast(rank));
        unsigned numDims = mDim + 2, cDim = mDim + 1;
        for (int64_t i = 0; i < spatial; ++i)
          xExprs.push_back(d(1 + i));
        xExprs.push_back(d(cDim));
        maps = {AffineMap::get(numDims, 0, xExprs, ctx),
                AffineMap::get(numDims, 0, {d(cDim), d(mDim)}, ctx),
                AffineMap::get(numDims, 0, outExprs, ctx)};
      } else {
        // (n, o..., m, k..., c): y[n, o..., m] += x[n, o * s + k * dl..., c] * w[k..., c, m]
        unsigned numDims = mDim + spatial + 2, cDim = numDims - 1;
        SmallVector<AffineExpr> wExprs;
        for (int64_t i = 0; i < spatial; ++i) {
          AffineExpr tap = d(mDim + 1 + i);
          xExprs.push_back(d(1 + i) * strides[i] + tap * dilations[i]);
          wExprs.push_back(tap);
        }
        xExprs.push_back(d(cDim));
        wExprs.append({d(cDim), d(mDim)});
        maps = {AffineMap::get(numDims, 0, xExprs, ctx), AffineMap::get(numDims, 0, wExprs, ctx),
                AffineMap::get(numDims, 0, outExprs, ctx)};
      }
      SmallVector<IteratorType> iterators(mDim + 1, IteratorType::parallel);
      iterators.resize(maps[0].getNumDims(), IteratorType::reduction);
      result = linalg::GenericOp::create(rewriter, loc, TypeRange{init.getType()},
                                         ValueRange{x, w}, ValueRange{init}, maps, iterators,
                                         yieldMulAdd)
                   .getResult(0);
    } else {
      // (n, o..., g, m', k..., c'): y[n, o..., g, m'] +=
      //   x[n, o * s + k * dl..., g, c'] * w[k..., c', g, m'] (M = G * M/G, g outermost,
      // as ONNX numbers the output channels; the same for C).
      int64_t mg = m / group;
      auto paddedType = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> xgShape(paddedType.getShape());
      xgShape.back() = cg;
      xgShape.insert(xgShape.end() - 1, group);
      SmallVector<OpFoldResult> xgSizes = tensor::getMixedSizes(rewriter, loc, x);
      xgSizes.back() = rewriter.getIndexAttr(cg);
      xgSizes.insert(xgSizes.end() - 1, rewriter.getIndexAttr(group));
      Value xg = expandShape(rewriter, loc, RankedTensorType::get(xgShape, f32), x,
                             lastPair(rank + 1), xgSizes);
      SmallVector<int64_t> wgShape(wType.getShape());
      wgShape.back() = mg;
      wgShape.insert(wgShape.end() - 1, group);
      Value wg = tensor::ExpandShapeOp::create(rewriter, loc, RankedTensorType::get(wgShape, f32),
                                               adaptor.getW(), lastPair(rank + 1));
      SmallVector<OpFoldResult> groupedSizes(outSizes);
      groupedSizes.append({rewriter.getIndexAttr(group), rewriter.getIndexAttr(mg)});
      Value init = fill(rewriter, loc,
                        tensor::EmptyOp::create(rewriter, loc, groupedSizes, f32), zero);
      unsigned gDim = 1 + spatial, mDim = gDim + 1, numDims = mDim + spatial + 2,
               cDim = numDims - 1;
      SmallVector<AffineExpr> xExprs{d(0)}, wExprs, outExprs{d(0)};
      for (int64_t i = 0; i < spatial; ++i) {
        AffineExpr tap = d(mDim + 1 + i);
        xExprs.push_back(d(1 + i) * strides[i] + tap * dilations[i]);
        wExprs.push_back(tap);
        outExprs.push_back(d(1 + i));
      }
      xExprs.append({d(gDim), d(cDim)});
      wExprs.append({d(cDim), d(gDim), d(mDim)});
      outExprs.append({d(gDim), d(mDim)});
      SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                                  AffineMap::get(numDims, 0, wExprs, ctx),
                                  AffineMap::get(numDims, 0, outExprs, ctx)};
      SmallVector<IteratorType> iterators(mDim + 1, IteratorType::parallel);
      iterators.resize(numDims, IteratorType::reduction);
      Value grouped = linalg::GenericOp::create(rewriter, loc, TypeRange{init.getType()},
                                                ValueRange{xg, wg}, ValueRange{init}, maps,
                                                iterators, yieldMulAdd)
                          .getResult(0);
      auto groupedType = cast<RankedTensorType>(grouped.getType());
      SmallVector<int64_t> outShape(groupedType.getShape().drop_back());
      outShape.back() = m;
      result = tensor::CollapseShapeOp::create(rewriter, loc, RankedTensorType::get(outShape, f32),
                                               grouped, lastPair(rank + 1));
    }
    if (Value bias = adaptor.getBias())
      result = addLastDimBias(rewriter, loc, result, bias);
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, yType));
    return success();
  }
};

} // namespace

void populateConvNhwcPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns,
                              kiln::PassStatistic *winograd,
                              ArrayRef<std::string> winogradNodes) {
  patterns.add<ConvNhwcLowering>(converter, patterns.getContext(), winograd, winogradNodes);
}

} // namespace kiln::conversion
