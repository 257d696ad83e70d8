//===- PoolNhwc.cpp - Lower kiln.pool_nhwc to linalg ----------------------===//
//
// The channels-last pooling the layout plugin makes (NHWC, or NDHWC in 3-D): one
// linalg.generic over (n, o..., k..., c) with the channels innermost, so the loop LLVM
// vectorizes runs over contiguous channels (as the depthwise kiln.conv_nhwc). Max pads
// with -inf; an average sums and divides by the taps it counts: the whole window when
// padding counts, else the taps inside the input, counted by the same window over a
// padded mask of ones ([1, H, W, 1], one channel; [1, D, H, W, 1] in 3-D).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/NhwcWindow.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/kiln/KilnDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// Reduces the `kernelSizes` window of padded channels-last `x` into `init`
/// [N, o..., C], combining with max or add.
Value reduceWindow(OpBuilder &b, Location loc, Value x, Value init, bool max,
                   ArrayRef<int64_t> kernelSizes, ArrayRef<int64_t> strides,
                   ArrayRef<int64_t> dilations) {
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  int64_t spatial = kernelSizes.size();
  unsigned numDims = 2 + 2 * spatial;
  // The window's shape gives the k loop sizes (as linalg's pooling ops take it).
  auto windowType = cast<RankedTensorType>(x.getType()).clone(kernelSizes);
  Value window = tensor::EmptyOp::create(b, loc, windowType.getShape(),
                                         windowType.getElementType());
  SmallVector<AffineExpr> windowExprs, outExprs{d(0)};
  for (int64_t i = 0; i < spatial; ++i) {
    windowExprs.push_back(d(1 + spatial + i));
    outExprs.push_back(d(1 + i));
  }
  outExprs.push_back(d(numDims - 1));
  SmallVector<AffineMap> maps{windowInputMap(ctx, strides, dilations),
                              AffineMap::get(numDims, 0, windowExprs, ctx),
                              AffineMap::get(numDims, 0, outExprs, ctx)};
  using utils::IteratorType;
  SmallVector<IteratorType> iterators(1 + spatial, IteratorType::parallel);
  iterators.append(spatial, IteratorType::reduction);
  iterators.push_back(IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{init.getType()}, ValueRange{x, window}, ValueRange{init}, maps,
             iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               Value r = max ? Value(arith::MaximumFOp::create(nb, nloc, args[2], args[0]))
                             : Value(arith::AddFOp::create(nb, nloc, args[2], args[0]));
               linalg::YieldOp::create(nb, nloc, r);
             })
      .getResult(0);
}

struct PoolNhwcLowering : OpConversionPattern<kilnir::PoolNhwcOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(kilnir::PoolNhwcOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto xType = cast<RankedTensorType>(adaptor.getX().getType());
    auto yType = cast<RankedTensorType>(op.getY().getType());
    auto floatType = dyn_cast<FloatType>(xType.getElementType());
    if (!floatType)
      return reject(rewriter, op, "kiln.pool_nhwc is lowered for float tensors only");
    bool max = op.getKind() == "max";
    int64_t rank = xType.getRank(), spatial = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernel(), strides = op.getStrides(),
                      dilations = op.getDilations(), pads = op.getPads();
    Value padValue =
        max ? Value(arith::ConstantOp::create(
                  rewriter, loc, rewriter.getFloatAttr(floatType, APFloat::getInf(
                                                                      floatType.getFloatSemantics(),
                                                                      /*Negative=*/true))))
            : createScalarConstant(rewriter, loc, floatType, 0);
    Value x = padNhwc(rewriter, loc, adaptor.getX(), pads, padValue);
    SmallVector<OpFoldResult> sizes = nhwcWindowSizes(rewriter, loc, op, x, kernel, strides,
                                                      dilations);
    sizes.push_back(tensor::getMixedSize(rewriter, loc, adaptor.getX(), rank - 1));
    Value init = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, sizes, floatType),
                      padValue);
    Value result = reduceWindow(rewriter, loc, x, init, max, kernel, strides, dilations);
    if (!max) {
      Value divisor;
      if (op.getCountIncludePad()) {
        int64_t taps = 1;
        for (int64_t k : kernel)
          taps *= k;
        divisor = createScalarConstant(rewriter, loc, floatType, static_cast<double>(taps));
      } else {
        // count[0, o..., 0]: the window's taps that fall inside X.
        Value zero = createScalarConstant(rewriter, loc, floatType, 0);
        Value one = createScalarConstant(rewriter, loc, floatType, 1);
        SmallVector<OpFoldResult> maskSizes{rewriter.getIndexAttr(1)};
        for (int64_t i = 0; i < spatial; ++i)
          maskSizes.push_back(tensor::getMixedSize(rewriter, loc, adaptor.getX(), 1 + i));
        maskSizes.push_back(rewriter.getIndexAttr(1));
        Value mask = fill(rewriter, loc,
                          tensor::EmptyOp::create(rewriter, loc, maskSizes, floatType), one);
        mask = padNhwc(rewriter, loc, mask, pads, zero);
        SmallVector<OpFoldResult> countSizes{rewriter.getIndexAttr(1)};
        for (int64_t i = 0; i < spatial; ++i)
          countSizes.push_back(sizes[1 + i]);
        countSizes.push_back(rewriter.getIndexAttr(1));
        Value countInit = fill(
            rewriter, loc, tensor::EmptyOp::create(rewriter, loc, countSizes, floatType), zero);
        divisor = reduceWindow(rewriter, loc, mask, countInit, /*max=*/false, kernel, strides,
                               dilations);
      }
      // result[n, o..., c] /= divisor (a scalar, or count[0, o..., 0]).
      MLIRContext *ctx = op.getContext();
      auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
      bool perPixel = isa<RankedTensorType>(divisor.getType());
      SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx)};
      SmallVector<Value> inputs{result};
      if (perPixel) {
        AffineExpr zeroExpr = getAffineConstantExpr(0, ctx);
        SmallVector<AffineExpr> countExprs{zeroExpr};
        for (int64_t i = 0; i < spatial; ++i)
          countExprs.push_back(d(1 + i));
        countExprs.push_back(zeroExpr);
        maps.push_back(AffineMap::get(rank, 0, countExprs, ctx));
        inputs.push_back(divisor);
      }
      maps.push_back(AffineMap::getMultiDimIdentityMap(rank, ctx));
      Value out = tensor::EmptyOp::create(rewriter, loc, tensor::getMixedSizes(rewriter, loc, result),
                                          floatType);
      result = linalg::GenericOp::create(
                   rewriter, loc, TypeRange{out.getType()}, inputs, ValueRange{out}, maps,
                   SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                     Value by = perPixel ? args[1] : divisor;
                     linalg::YieldOp::create(
                         nb, nloc, Value(arith::DivFOp::create(nb, nloc, args[0], by)));
                   })
                   .getResult(0);
    }
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, result, yType));
    return success();
  }
};

} // namespace

void populatePoolNhwcPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<PoolNhwcLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
