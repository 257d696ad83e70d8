//===- Pool.cpp - Lower onnx pooling ops to linalg ------------------------===//
//
// MaxPool and AveragePool become linalg.pooling_{ncw,nchw}_{max,sum} over an input padded
// with the reduction's identity (-inf or 0); 3-D windows and unsigned MaxPool, which
// have no NC-first named op, become the equivalent linalg.generic. AveragePool divides
// the sum by how many elements each window really covers (a compile-time table when the
// pads or ceil_mode make that vary). LpPool sums |x|^p over the window (pads add 0) and
// takes the p-th root. MaxPool's Indices output comes from a generic that carries the
// largest element and its flat index. The global pools are plain reductions.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/Window.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <limits>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

enum class PoolKind { Max, MaxUnsigned, Sum };

Value combine(OpBuilder &b, Location loc, PoolKind kind, Value acc, Value x) {
  if (kind == PoolKind::Sum)
    return isa<FloatType>(x.getType()) ? Value(arith::AddFOp::create(b, loc, acc, x))
                                       : Value(arith::AddIOp::create(b, loc, acc, x));
  if (isa<FloatType>(x.getType()))
    return arith::MaximumFOp::create(b, loc, acc, x); // NaN propagates, as in ONNX Runtime
  return kind == PoolKind::MaxUnsigned ? Value(arith::MaxUIOp::create(b, loc, acc, x))
                                       : Value(arith::MaxSIOp::create(b, loc, acc, x));
}

/// The identity of the pooling reduction, also used as the pad value.
Value getPoolIdentity(OpBuilder &b, Location loc, PoolKind kind, Type type) {
  if (kind == PoolKind::Sum || kind == PoolKind::MaxUnsigned)
    return createScalarConstant(b, loc, type, 0);
  if (auto floatType = dyn_cast<FloatType>(type))
    return arith::ConstantOp::create(
        b, loc, b.getFloatAttr(floatType, -std::numeric_limits<double>::infinity()));
  unsigned width = type.getIntOrFloatBitWidth();
  return arith::ConstantOp::create(b, loc, b.getIntegerAttr(type, APInt::getSignedMinValue(width)));
}

/// A 3-D pool as two passes, since max and sum over a box are separable: the depth window
/// first, tmp[n, c, od, h, w] = combine over kd of x[n, c, od * sd + kd * dd, h, w] (a
/// generic whose innermost loops run along the contiguous h and w, so they vectorize),
/// then the 2-D named pool over (h, w) of tmp viewed [N, C * OD, H, W]. 3 + 9 taps per
/// output instead of 27 for a 3x3x3 window, and no 8-deep loop nest of scalar loads.
/// Null when `init` is not a fill (its value is the identity tmp starts from), C and OD
/// are both dynamic (the merged dim could not be lowered) or the window is too small for
/// the temporary to pay.
Value buildSeparablePool3D(OpBuilder &b, Location loc, PoolKind kind, Value padded,
                           Value init, const Window &window) {
  if (kind != PoolKind::Max && kind != PoolKind::Sum)
    return Value();
  auto fillOp = init.getDefiningOp<linalg::FillOp>();
  auto initType = cast<RankedTensorType>(init.getType());
  if (!fillOp || (initType.isDynamicDim(1) && initType.isDynamicDim(2)))
    return Value();
  // Worth a pass over a temporary only when the window has at least twice the taps the
  // two passes read (3x3x3: 27 against 3 + 9; a 2x2x2 or 1xkxk window is not).
  int64_t depth = window.kernel[0], plane = window.kernel[1] * window.kernel[2];
  if (depth * plane < 2 * (depth + plane))
    return Value();
  MLIRContext *ctx = b.getContext();
  Type elementType = initType.getElementType();
  // tmp [N, C, OD, Hp, Wp] over loops (n, c, od, kd, h, w), from the identity.
  Value identity = fillOp.getDpsInputOperand(0)->get();
  SmallVector<OpFoldResult> tmpSizes = tensor::getMixedSizes(b, loc, padded);
  tmpSizes[2] = tensor::getMixedSize(b, loc, init, 2);
  Value tmp = fill(b, loc, tensor::EmptyOp::create(b, loc, tmpSizes, elementType), identity);
  Value depthKernel = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>{window.kernel[0]},
                                              elementType);
  auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineMap> maps{
      AffineMap::get(6, 0,
                     {d(0), d(1), d(2) * window.strides[0] + d(3) * window.dilations[0], d(4),
                      d(5)},
                     ctx),
      AffineMap::get(6, 0, {d(3)}, ctx),
      AffineMap::get(6, 0, {d(0), d(1), d(2), d(4), d(5)}, ctx)};
  using utils::IteratorType;
  SmallVector<IteratorType> iterators{IteratorType::parallel,  IteratorType::parallel,
                                      IteratorType::parallel,  IteratorType::reduction,
                                      IteratorType::parallel,  IteratorType::parallel};
  tmp = linalg::GenericOp::create(b, loc, TypeRange{tmp.getType()},
                                  ValueRange{padded, depthKernel}, ValueRange{tmp}, maps,
                                  iterators,
                                  [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                    linalg::YieldOp::create(
                                        nb, nloc, combine(nb, nloc, kind, args[2], args[0]));
                                  })
            .getResult(0);
  // The (h, w) window over [N, C * OD, Hp, Wp] into init viewed [N, C * OD, OH, OW].
  SmallVector<ReassociationIndices> merge{{0}, {1, 2}, {3}, {4}};
  Value tmp2 = tensor::CollapseShapeOp::create(b, loc, tmp, merge);
  Value init2 = tensor::CollapseShapeOp::create(b, loc, init, merge);
  Value kernel2 = tensor::EmptyOp::create(b, loc, ArrayRef<int64_t>(window.kernel).drop_front(),
                                          elementType);
  Attribute strides = getI64VectorAttr(b, ArrayRef<int64_t>(window.strides).drop_front());
  Attribute dilations = getI64VectorAttr(b, ArrayRef<int64_t>(window.dilations).drop_front());
  SmallVector<Type> types{init2.getType()};
  SmallVector<Value> ins{tmp2, kernel2};
  Value pooled =
      kind == PoolKind::Max
          ? linalg::PoolingNchwMaxOp::create(b, loc, types, ins, init2, strides, dilations)
                .getResult(0)
          : linalg::PoolingNchwSumOp::create(b, loc, types, ins, init2, strides, dilations)
                .getResult(0);
  return expandShape(b, loc, initType, pooled, merge, tensor::getMixedSizes(b, loc, init));
}

/// Pools `padded` (NC...) into `init` with `window` using a linalg named op where one
/// exists (3-D: two separable passes) and an equivalent linalg.generic otherwise.
Value buildPool(OpBuilder &b, Location loc, PoolKind kind, Value padded, Value init,
                const Window &window) {
  MLIRContext *ctx = b.getContext();
  Type elementType = cast<RankedTensorType>(init.getType()).getElementType();
  int64_t spatial = window.kernel.size();
  // The named ops take the window's shape from a (never read) tensor of the kernel's size.
  Value kernel = tensor::EmptyOp::create(b, loc, window.kernel, elementType);
  SmallVector<Type> resultTypes{init.getType()};
  SmallVector<Value> ins{padded, kernel};
  Attribute strides = getI64VectorAttr(b, window.strides);
  Attribute dilations = getI64VectorAttr(b, window.dilations);
  if (kind == PoolKind::Max && spatial == 2)
    return linalg::PoolingNchwMaxOp::create(b, loc, resultTypes, ins, init, strides, dilations)
        .getResult(0);
  if (kind == PoolKind::Max && spatial == 1)
    return linalg::PoolingNcwMaxOp::create(b, loc, resultTypes, ins, init, strides, dilations)
        .getResult(0);
  if (kind == PoolKind::Sum && spatial == 2)
    return linalg::PoolingNchwSumOp::create(b, loc, resultTypes, ins, init, strides, dilations)
        .getResult(0);
  if (kind == PoolKind::Sum && spatial == 1)
    return linalg::PoolingNcwSumOp::create(b, loc, resultTypes, ins, init, strides, dilations)
        .getResult(0);

  if (spatial == 3)
    if (Value result = buildSeparablePool3D(b, loc, kind, padded, init, window))
      return result;

  // out[n, c, o...] = combine over k... of x[n, c, o * stride + k * dilation...]
  int64_t numDims = 2 + 2 * spatial;
  auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
  SmallVector<AffineExpr> xExprs{dim(0), dim(1)}, kExprs, outExprs{dim(0), dim(1)};
  for (int64_t i = 0; i < spatial; ++i) {
    AffineExpr o = dim(2 + i), k = dim(2 + spatial + i);
    xExprs.push_back(o * window.strides[i] + k * window.dilations[i]);
    kExprs.push_back(k);
    outExprs.push_back(o);
  }
  SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, xExprs, ctx),
                              AffineMap::get(numDims, 0, kExprs, ctx),
                              AffineMap::get(numDims, 0, outExprs, ctx)};
  SmallVector<utils::IteratorType> iterators(2 + spatial, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  return linalg::GenericOp::create(b, loc, resultTypes, ins, ValueRange{init}, maps, iterators,
                                   [&](OpBuilder &nb, Location nloc, ValueRange args) {
                                     linalg::YieldOp::create(
                                         nb, nloc, combine(nb, nloc, kind, args[2], args[0]));
                                   })
      .getResult(0);
}

/// Reads the kernel and window of a MaxPool/AveragePool; fails with a reason.
FailureOr<Window> getPoolWindow(ConversionPatternRewriter &rewriter, Operation *op, Value input,
                                ArrayRef<int64_t> kernel, bool ceilMode) {
  RankedTensorType inputType = getRankedInputType(rewriter, op, input, "X");
  if (!inputType)
    return failure();
  if (kernel.empty() || kernel.size() > 3)
    return reject(rewriter, op, "only 1-D to 3-D pooling is supported");
  return getWindow(rewriter, op, inputType, kernel, ceilMode);
}

OpFoldResult getChannels(OpBuilder &b, Location loc, Value input) {
  return tensor::getMixedSize(b, loc, input, 1);
}

/// MaxPool with its Indices output: one generic over (n, c, out..., kernel...) reading the
/// unpadded input with tensor.extract (taps in the pads are skipped) and keeping, per
/// output, the first largest element and its flat index into X (row-major, or with
/// `columnMajor` the spatial dims first-fastest, as storage_order = 1 asks).
std::pair<Value, Value> buildArgMaxPool(OpBuilder &b, Location loc, Operation *node, Value x,
                                        RankedTensorType valuesType, RankedTensorType indicesType,
                                        const Window &window, Value lowest, bool isUnsigned,
                                        bool columnMajor) {
  MLIRContext *ctx = b.getContext();
  int64_t spatial = window.kernel.size(), rank = spatial + 2;
  OpFoldResult channels = tensor::getMixedSize(b, loc, x, 1);
  Value values = createWindowOutput(b, loc, node, valuesType, x, channels, window, lowest);
  // -1 until the window's first tap inside X is taken, so an X element equal to the
  // initial `lowest` still gives its index.
  Value none =
      arith::ConstantOp::create(b, loc, b.getIntegerAttr(indicesType.getElementType(), -1));
  Value indices = createWindowOutput(b, loc, node, indicesType, x, channels, window, none);
  Value kernel = tensor::EmptyOp::create(b, loc, window.kernel, b.getI1Type());
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < rank; ++d)
    sizes.push_back(getDimValue(b, loc, x, d));
  SmallVector<AffineExpr> kExprs, outExprs;
  for (int64_t d = 0; d < rank; ++d)
    outExprs.push_back(getAffineDimExpr(d, ctx));
  for (int64_t i = 0; i < spatial; ++i)
    kExprs.push_back(getAffineDimExpr(rank + i, ctx));
  AffineMap outMap = AffineMap::get(rank + spatial, 0, outExprs, ctx);
  SmallVector<AffineMap> maps{AffineMap::get(rank + spatial, 0, kExprs, ctx), outMap, outMap};
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  iterators.append(spatial, utils::IteratorType::reduction);
  auto body = [&](OpBuilder &nb, Location nloc, ValueRange args) {
    auto cIdx = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(nb, nloc, v); };
    auto cmp = [&](arith::CmpIPredicate p, Value l, Value r) -> Value {
      return arith::CmpIOp::create(nb, nloc, p, l, r);
    };
    SmallVector<Value> at{linalg::IndexOp::create(nb, nloc, 0),
                          linalg::IndexOp::create(nb, nloc, 1)};
    Value inside;
    for (int64_t i = 0; i < spatial; ++i) {
      // p = o * stride - pad_begin + k * dilation, read only inside X.
      Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
      Value k = linalg::IndexOp::create(nb, nloc, rank + i);
      Value p = arith::SubIOp::create(
          nb, nloc,
          arith::AddIOp::create(nb, nloc,
                                arith::MulIOp::create(nb, nloc, o, cIdx(window.strides[i])),
                                arith::MulIOp::create(nb, nloc, k, cIdx(window.dilations[i]))),
          cIdx(window.padBegin[i]));
      Value in = arith::AndIOp::create(nb, nloc, cmp(arith::CmpIPredicate::sge, p, cIdx(0)),
                                       cmp(arith::CmpIPredicate::slt, p, sizes[2 + i]));
      inside = inside ? arith::AndIOp::create(nb, nloc, inside, in).getResult() : in;
      Value last = arith::SubIOp::create(nb, nloc, sizes[2 + i], cIdx(1));
      at.push_back(clampIdx(nb, nloc, p, cIdx(0), last));
    }
    // Flat index: (n * C + c) * spatial size + the spatial position in storage order.
    Value flat =
        arith::AddIOp::create(nb, nloc, arith::MulIOp::create(nb, nloc, at[0], sizes[1]), at[1]);
    for (int64_t j = 0; j < spatial; ++j) {
      int64_t i = columnMajor ? spatial - 1 - j : j;
      flat = arith::AddIOp::create(nb, nloc, arith::MulIOp::create(nb, nloc, flat, sizes[2 + i]),
                                   at[2 + i]);
    }
    Value v = tensor::ExtractOp::create(nb, nloc, x, at);
    Value greater = compare(nb, nloc, v, args[1], arith::CmpFPredicate::OGT,
                            arith::CmpIPredicate::sgt, arith::CmpIPredicate::ugt, isUnsigned);
    Value first = arith::CmpIOp::create(
        nb, nloc, arith::CmpIPredicate::slt, args[2],
        arith::ConstantOp::create(nb, nloc, nb.getIntegerAttr(indicesType.getElementType(), 0)));
    Value take =
        arith::AndIOp::create(nb, nloc, inside, arith::OrIOp::create(nb, nloc, greater, first));
    Value index = arith::IndexCastOp::create(nb, nloc, indicesType.getElementType(), flat);
    linalg::YieldOp::create(nb, nloc,
                            ValueRange{arith::SelectOp::create(nb, nloc, take, v, args[1]),
                                       arith::SelectOp::create(nb, nloc, take, index, args[2])});
  };
  auto generic =
      linalg::GenericOp::create(b, loc, TypeRange{valuesType, indicesType}, ValueRange{kernel},
                                ValueRange{values, indices}, maps, iterators, body);
  return {generic.getResult(0), generic.getResult(1)};
}

struct MaxPoolLowering : OpConversionPattern<MaxPoolOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(MaxPoolOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    FailureOr<Window> window =
        getPoolWindow(rewriter, op, adaptor.getX(), op.getKernelShape(), op.getCeilMode() != 0);
    if (failed(window))
      return failure();
    PoolKind kind = isUnsignedInt(op.getX().getType()) ? PoolKind::MaxUnsigned : PoolKind::Max;
    Value lowest = getPoolIdentity(rewriter, loc, kind, resultType.getElementType());
    if (!op.getIndices().use_empty()) {
      if (window->hasRuntimePads())
        return reject(rewriter, op,
                      "Indices with auto_pad SAME and a stride > 1 need static spatial sizes");
      RankedTensorType indicesType = getRankedResultType(rewriter, *getTypeConverter(), op, 1);
      if (!indicesType)
        return failure();
      if (op.getStorageOrder() != 0 && op.getStorageOrder() != 1)
        return reject(rewriter, op, "storage_order must be 0 or 1");
      auto [values, indices] =
          buildArgMaxPool(rewriter, loc, op, adaptor.getX(), resultType, indicesType, *window,
                          lowest, kind == PoolKind::MaxUnsigned, op.getStorageOrder() == 1);
      rewriter.replaceOp(op, {values, indices});
      return success();
    }
    Value padded = padSpatial(rewriter, loc, adaptor.getX(), *window, lowest);
    Value init = createWindowOutput(rewriter, loc, op, resultType, adaptor.getX(),
                                    getChannels(rewriter, loc, adaptor.getX()), *window, lowest);
    Value result = buildPool(rewriter, loc, kind, padded, init, *window);
    rewriter.replaceOp(op, {result, nullptr});
    return success();
  }
};

/// How many of the window's taps along one dim land in [lo, hi), per output position.
SmallVector<int64_t> countTaps(int64_t outSize, int64_t stride, int64_t dilation, int64_t kernel,
                               int64_t padBegin, int64_t lo, int64_t hi) {
  SmallVector<int64_t> counts;
  for (int64_t o = 0; o < outSize; ++o) {
    int64_t count = 0;
    for (int64_t k = 0; k < kernel; ++k) {
      int64_t p = o * stride - padBegin + k * dilation;
      count += p >= lo && p < hi;
    }
    counts.push_back(std::max<int64_t>(count, 1));
  }
  return counts;
}

/// `sum` [N, C, o...] divided, per output position, by the taps of the window that land
/// in the counted range of each dim: [-padBegin, in + padEnd) with `includePad`, else
/// [0, in); never ceil_mode's extra end padding. For dynamic spatial sizes, where the
/// divisors cannot be a constant table: along a dim, the taps k in [0, K) with
/// lo <= o * s - padBegin + k * d < hi number min(K, ceil((hi - a) / d)) -
/// max(0, ceil((lo - a) / d)) for a = o * s - padBegin (at least 1).
Value divideByRuntimeCounts(OpBuilder &b, Location loc, Value sum, Value x, const Window &window,
                            bool includePad) {
  auto cst = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, loc, v); };
  int64_t spatial = window.kernel.size();
  SmallVector<Value> padBegin, lo, hi;
  for (int64_t i = 0; i < spatial; ++i) {
    auto [begin, end] = spatialPads(b, loc, x, window, i);
    Value in = tensor::DimOp::create(b, loc, x, i + 2);
    padBegin.push_back(begin);
    lo.push_back(includePad ? arith::SubIOp::create(b, loc, cst(0), begin).getResult() : cst(0));
    hi.push_back(includePad ? arith::AddIOp::create(b, loc, in, end).getResult() : in);
  }
  auto type = cast<RankedTensorType>(sum.getType());
  Value init = tensor::EmptyOp::create(b, loc, tensor::getMixedSizes(b, loc, sum),
                                       type.getElementType());
  AffineMap identity = b.getMultiDimIdentityMap(type.getRank());
  SmallVector<utils::IteratorType> iterators(type.getRank(), utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{type}, ValueRange{sum}, ValueRange{init},
             SmallVector<AffineMap>{identity, identity}, iterators,
             [&](OpBuilder &nb, Location nloc, ValueRange args) {
               auto c = [&](int64_t v) -> Value {
                 return arith::ConstantIndexOp::create(nb, nloc, v);
               };
               Value count = c(1);
               for (int64_t i = 0; i < spatial; ++i) {
                 Value o = linalg::IndexOp::create(nb, nloc, 2 + i);
                 Value start = arith::SubIOp::create(
                     nb, nloc, arith::MulIOp::create(nb, nloc, o, c(window.strides[i])),
                     padBegin[i]);
                 Value d = c(window.dilations[i]);
                 Value first = arith::MaxSIOp::create(
                     nb, nloc, c(0),
                     arith::CeilDivSIOp::create(nb, nloc,
                                                arith::SubIOp::create(nb, nloc, lo[i], start), d));
                 Value end = arith::MinSIOp::create(
                     nb, nloc, c(window.kernel[i]),
                     arith::CeilDivSIOp::create(nb, nloc,
                                                arith::SubIOp::create(nb, nloc, hi[i], start), d));
                 Value taps =
                     arith::MaxSIOp::create(nb, nloc, c(1), arith::SubIOp::create(nb, nloc, end, first));
                 count = arith::MulIOp::create(nb, nloc, count, taps);
               }
               Value wide = arith::IndexCastOp::create(nb, nloc, nb.getI64Type(), count);
               Value divisor = arith::SIToFPOp::create(nb, nloc, args[0].getType(), wide);
               linalg::YieldOp::create(nb, nloc,
                                       ValueRange{arith::DivFOp::create(nb, nloc, args[0], divisor)});
             })
      .getResult(0);
}

struct AveragePoolLowering : OnnxLoweringPattern<AveragePoolOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(AveragePoolOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    FailureOr<Window> window =
        getPoolWindow(rewriter, op, adaptor.getX(), op.getKernelShape(), op.getCeilMode() != 0);
    if (failed(window))
      return failure();
    auto inputType = cast<RankedTensorType>(adaptor.getX().getType());
    int64_t spatial = window->kernel.size();
    bool includePad = op.getCountIncludePad() != 0;
    // Every window covers the full kernel unless pads are excluded from the count or
    // ceil_mode runs the last window past the end pads (never counted, as in ONNX Runtime).
    bool uniform = true;
    for (int64_t i = 0; i < spatial; ++i)
      if (window->extraEnd[i] ||
          (!includePad &&
           (window->padBegin[i] || window->padEnd[i] || window->runtimeSamePads[i])))
        uniform = false;

    Type elementType = resultType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elementType, 0);
    Value padded = padSpatial(rewriter, loc, adaptor.getX(), *window, zero);
    Value init = createWindowOutput(rewriter, loc, op, resultType, adaptor.getX(),
                                    getChannels(rewriter, loc, adaptor.getX()), *window, zero);
    Value sum = buildPool(rewriter, loc, PoolKind::Sum, padded, init, *window);

    Value result;
    if (!uniform && ShapedType::isDynamicShape(inputType.getShape().drop_front(2))) {
      result = divideByRuntimeCounts(rewriter, loc, sum, adaptor.getX(), *window, includePad);
    } else if (uniform) {
      int64_t size = 1;
      for (int64_t k : window->kernel)
        size *= k;
      Value divisor = createScalarConstant(rewriter, loc, elementType, size);
      result = buildElementwise(rewriter, loc, resultType, sum,
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return arith::DivFOp::create(b, l, args[0], divisor);
                                });
    } else {
      // divisor[o...] = product over dims of the taps that land in the counted range.
      SmallVector<SmallVector<int64_t>> counts;
      for (int64_t i = 0; i < spatial; ++i) {
        int64_t in = inputType.getDimSize(i + 2);
        int64_t lo = includePad ? -window->padBegin[i] : 0;
        int64_t hi = includePad ? in + window->padEnd[i] : in;
        counts.push_back(countTaps(window->outSizes[i], window->strides[i], window->dilations[i],
                                   window->kernel[i], window->padBegin[i], lo, hi));
      }
      SmallVector<APFloat> table;
      SmallVector<int64_t> index(spatial, 0);
      const llvm::fltSemantics &semantics = cast<FloatType>(elementType).getFloatSemantics();
      for (bool done = false; !done;) {
        double count = 1;
        for (int64_t i = 0; i < spatial; ++i)
          count *= counts[i][index[i]];
        APFloat value(count);
        bool losesInfo;
        value.convert(semantics, APFloat::rmNearestTiesToEven, &losesInfo);
        table.push_back(value);
        done = true;
        for (int64_t i = spatial - 1; i >= 0 && done; --i) {
          if (++index[i] < window->outSizes[i])
            done = false;
          else
            index[i] = 0;
        }
      }
      auto tableType = RankedTensorType::get(window->outSizes, elementType);
      Value divisor =
          arith::ConstantOp::create(rewriter, loc, DenseElementsAttr::get(tableType, table));
      result = buildElementwise(rewriter, loc, resultType, ValueRange{sum, divisor},
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return arith::DivFOp::create(b, l, args[0], args[1]);
                                });
    }
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// |x|^p, elementwise, for LpPool and GlobalLpPool.
Value powAbs(OpBuilder &b, Location loc, Value x, int64_t p) {
  Value a = math::AbsFOp::create(b, loc, x);
  if (p == 1)
    return a;
  if (p == 2)
    return arith::MulFOp::create(b, loc, a, a);
  return math::PowFOp::create(b, loc, a, createScalarConstant(b, loc, x.getType(), p));
}

/// The p-th root of a sum of |x|^p, for LpPool and GlobalLpPool.
Value root(OpBuilder &b, Location loc, Value sum, int64_t p) {
  if (p == 1)
    return sum;
  if (p == 2)
    return math::SqrtOp::create(b, loc, sum);
  return math::PowFOp::create(b, loc, sum, createScalarConstant(b, loc, sum.getType(), 1.0 / p));
}

struct LpPoolLowering : OnnxLoweringPattern<LpPoolOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(LpPoolOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    int64_t p = op.getP();
    if (p <= 0)
      return reject(rewriter, op, "p must be positive, not " + Twine(p));
    FailureOr<Window> window =
        getPoolWindow(rewriter, op, adaptor.getX(), op.getKernelShape(), op.getCeilMode() != 0);
    if (failed(window))
      return failure();
    Value x = adaptor.getX();
    Value powered = buildElementwise(rewriter, loc, cast<RankedTensorType>(x.getType()), x,
                                     [&](OpBuilder &b, Location l, ValueRange args) {
                                       return powAbs(b, l, args[0], p);
                                     });
    Value zero = createScalarConstant(rewriter, loc, resultType.getElementType(), 0);
    Value padded = padSpatial(rewriter, loc, powered, *window, zero);
    Value init = createWindowOutput(rewriter, loc, op, resultType, x,
                                    getChannels(rewriter, loc, x), *window, zero);
    Value sum = buildPool(rewriter, loc, PoolKind::Sum, padded, init, *window);
    rewriter.replaceOp(op, buildElementwise(rewriter, loc, resultType, sum,
                                            [&](OpBuilder &b, Location l, ValueRange args) {
                                              return root(b, l, args[0], p);
                                            }));
    return success();
  }
};

/// GlobalAveragePool, GlobalMaxPool and GlobalLpPool: reduce all spatial dims, then
/// reshape N x C to N x C x 1 x ... .
enum class GlobalKind { Average, Max, Lp };

template <typename OpTy, GlobalKind Kind> struct GlobalPoolLowering : OnnxLoweringPattern<OpTy> {
  using OnnxLoweringPattern<OpTy>::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(OpTy op, typename OpTy::Adaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    auto xType = dyn_cast<RankedTensorType>(x.getType());
    if (!xType || xType.getRank() < 3 || resultType.getRank() != xType.getRank())
      return reject(rewriter, op, "X must be a ranked N x C x spatial... tensor");
    Type elementType = resultType.getElementType();
    SmallVector<bool> reduced(xType.getRank(), true);
    reduced[0] = reduced[1] = false;
    PoolKind kind = Kind == GlobalKind::Max ? PoolKind::Max : PoolKind::Sum;
    int64_t p = 1;
    if constexpr (Kind == GlobalKind::Lp) {
      p = op.getP();
      if (p <= 0)
        return reject(rewriter, op, "p must be positive, not " + Twine(p));
    }
    Value init = getPoolIdentity(rewriter, loc, kind, elementType);
    Value pooled = reduceDims(rewriter, loc, x, reduced, {}, init,
                              [&](OpBuilder &b, Location l, Value in, ValueRange, Value acc) {
                                if (Kind == GlobalKind::Lp)
                                  in = powAbs(b, l, in, p);
                                return combine(b, l, kind, acc, in);
                              });
    if (Kind == GlobalKind::Lp)
      pooled = buildElementwise(rewriter, loc, cast<RankedTensorType>(pooled.getType()), pooled,
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return root(b, l, args[0], p);
                                });
    if (Kind == GlobalKind::Average) {
      Value count = getElementCount(rewriter, loc, x, reduced, elementType);
      pooled = buildElementwise(rewriter, loc, cast<RankedTensorType>(pooled.getType()), pooled,
                                [&](OpBuilder &b, Location l, ValueRange args) {
                                  return arith::DivFOp::create(b, l, args[0], count);
                                });
    }
    ReassociationIndices channelGroup;
    for (int64_t d = 1; d < xType.getRank(); ++d)
      channelGroup.push_back(d);
    rewriter.replaceOpWithNewOp<tensor::ExpandShapeOp>(
        op, resultType, pooled, SmallVector<ReassociationIndices>{{0}, channelGroup});
    return success();
  }
};

} // namespace

void populatePoolPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<MaxPoolLowering, AveragePoolLowering, LpPoolLowering,
               GlobalPoolLowering<GlobalAveragePoolOp, GlobalKind::Average>,
               GlobalPoolLowering<GlobalMaxPoolOp, GlobalKind::Max>,
               GlobalPoolLowering<GlobalLpPoolOp, GlobalKind::Lp>>(converter, ctx);
}

} // namespace kiln::conversion
