//===- DeformConv.cpp - Lower DeformConv ----------------------------------===//
//
// DeformConv in two linalg.generics, as im2col with moving taps:
//   1. columns[n, c, k..., o...] = mask * X[n, c] sampled at o * stride - pad_begin +
//      k * dilation + offset, bilinearly from the 2^D neighbours of that point (a
//      neighbour outside X counts 0, as GridSample with zeros padding and align_corners
//      in the reference); every neighbour is read with tensor.extract at an index clamped
//      into X. Offsets and mask are read for the offset group of c;
//   2. a grouped contraction of the columns with W over the channels of the group and the
//      kernel positions, into Y (N x G x M/G x out..., then collapsed) initialized with B.
// Bilinear weights are computed in f32 (f64 for f64 inputs).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/NN/Window.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Arith/Utils/Utils.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Reassociation that splits dim `d` of a rank-`rank` tensor into two.
SmallVector<ReassociationIndices> splitAt(int64_t d, int64_t rank) {
  SmallVector<ReassociationIndices> groups;
  for (int64_t i = 0, j = 0; i < rank; ++i, ++j)
    groups.push_back(i == d ? ReassociationIndices{j, ++j} : ReassociationIndices{j});
  return groups;
}

struct DeformConvLowering : OnnxLoweringPattern<DeformConvOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(DeformConvOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value x = adaptor.getX(), w = adaptor.getW(), offset = adaptor.getOffset();
    Value bias = adaptor.getB(), mask = adaptor.getMask();
    bool hasBias = !isa<NoneType>(bias.getType()), hasMask = !isa<NoneType>(mask.getType());
    RankedTensorType xType = getRankedInputType(rewriter, op, x, "X");
    RankedTensorType wType = getRankedInputType(rewriter, op, w, "W");
    RankedTensorType offsetType = getRankedInputType(rewriter, op, offset, "offset");
    if (!xType || !wType || !offsetType ||
        (hasBias && !getRankedInputType(rewriter, op, bias, "B")) ||
        (hasMask && !getRankedInputType(rewriter, op, mask, "mask")))
      return failure();
    int64_t rank = xType.getRank(), spatial = rank - 2;
    if (spatial < 1 || wType.getRank() != rank || offsetType.getRank() != rank ||
        resultType.getRank() != rank ||
        (hasMask && cast<RankedTensorType>(mask.getType()).getRank() != rank) ||
        (hasBias && cast<RankedTensorType>(bias.getType()).getRank() != 1))
      return reject(rewriter, op,
                    "X, W, offset, mask and Y must have the same rank (at least "
                    "3) and B must be 1-D");
    ArrayRef<int64_t> kernel = wType.getShape().drop_front(2);
    if (ShapedType::isDynamicShape(wType.getShape()))
      return reject(rewriter, op, "W's shape is dynamic");
    if (auto kernelShape = op.getKernelShape(); kernelShape && *kernelShape != kernel)
      return reject(rewriter, op, "kernel_shape does not match the shape of W");
    int64_t group = op.getGroup(), offsetGroup = op.getOffsetGroup();
    int64_t m = wType.getDimSize(0), cg = wType.getDimSize(1);
    if (group < 1 || m % group != 0 || offsetGroup < 1 || (cg * group) % offsetGroup != 0)
      return reject(rewriter, op,
                    "W's output channels must be divisible by group and the "
                    "input channels by offset_group");
    FailureOr<Window> window = getWindow(rewriter, op, xType, kernel, /*ceilMode=*/false);
    if (failed(window))
      return failure();
    int64_t kernelSize = 1;
    for (int64_t k : kernel)
      kernelSize *= k;
    int64_t channels = cg * group, channelsPerOffset = channels / offsetGroup;

    Location loc = op.getLoc();
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, x, 1),
                    rewriter.getIndexAttr(channels), "X has {} channels but W and group expect {}");
    if (hasBias)
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, bias, 0),
                      rewriter.getIndexAttr(m), "B has {} entries but W has {} output channels");
    Type elemType = resultType.getElementType();
    Value zero = createScalarConstant(rewriter, loc, elemType, 0);
    Value init = createWindowOutput(rewriter, loc, op, resultType, x, rewriter.getIndexAttr(m),
                                    *window, hasBias ? Value() : zero);
    SmallVector<OpFoldResult> outSizes = getMixedSizes(rewriter, loc, init);
    // offset is N x (offset_group * K * D) x out..., mask N x (offset_group * K) x out...
    auto checkLike = [&](Value v, int64_t perGroup, StringRef name) {
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, v, 0), outSizes[0],
                      name + " has {} batches where X has {}");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, v, 1),
                      rewriter.getIndexAttr(offsetGroup * perGroup),
                      name + " has {} channels where offset_group and the kernel imply {}");
      for (int64_t d = 2; d < rank; ++d)
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, v, d), outSizes[d],
                        name + " has size {} in dim " + Twine(d) + " where Y has {}");
    };
    checkLike(offset, kernelSize * spatial, "offset");
    if (hasMask)
      checkLike(mask, kernelSize, "mask");
    if (hasBias) {
      MLIRContext *ctx = rewriter.getContext();
      SmallVector<AffineMap> maps{AffineMap::get(rank, 0, getAffineDimExpr(1, ctx)),
                                  rewriter.getMultiDimIdentityMap(rank)};
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{init.getType()}, ValueRange{bias}, ValueRange{init}, maps,
                 SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
                 [](OpBuilder &b, Location l, ValueRange args) {
                   linalg::YieldOp::create(b, l, args[0]);
                 })
                 .getResult(0);
    }

    // 1. The sampled columns, N x C x kernel... x out...
    SmallVector<int64_t> columnShape{resultType.getDimSize(0), channels};
    columnShape.append(kernel.begin(), kernel.end());
    for (int64_t d = 2; d < rank; ++d)
      columnShape.push_back(getConstantIntValue(outSizes[d]).value_or(ShapedType::kDynamic));
    if (auto n = getConstantIntValue(outSizes[0]))
      columnShape[0] = *n;
    auto columnType = RankedTensorType::get(columnShape, elemType);
    SmallVector<Value> columnSizes{getValueOrCreateConstantIndexOp(rewriter, loc, outSizes[0]),
                                   arith::ConstantIndexOp::create(rewriter, loc, channels)};
    for (int64_t k : kernel)
      columnSizes.push_back(arith::ConstantIndexOp::create(rewriter, loc, k));
    for (int64_t d = 2; d < rank; ++d)
      columnSizes.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, outSizes[d]));
    SmallVector<Value> inSizes;
    for (int64_t d = 2; d < rank; ++d)
      inSizes.push_back(getDimValue(rewriter, loc, x, d));
    FloatType computeType =
        cast<FloatType>(elemType).isF64() ? rewriter.getF64Type() : rewriter.getF32Type();
    int64_t columnRank = 2 + 2 * spatial;
    auto sample = [&](OpBuilder &b, Location nloc, ValueRange) {
      auto cIdx = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, nloc, v); };
      auto cF = [&](double v) -> Value {
        return arith::ConstantOp::create(b, nloc, b.getFloatAttr(computeType, v));
      };
      auto toCompute = [&](Value v) -> Value {
        return v.getType() == computeType ? v : arith::ExtFOp::create(b, nloc, computeType, v);
      };
      auto idx = [&](int64_t d) -> Value { return linalg::IndexOp::create(b, nloc, d); };
      Value n = idx(0), c = idx(1);
      // Kernel position k, flattened row-major, and the offset group of channel c.
      Value flat = cIdx(0);
      for (int64_t i = 0; i < spatial; ++i)
        flat = arith::AddIOp::create(b, nloc, arith::MulIOp::create(b, nloc, flat, cIdx(kernel[i])),
                                     idx(2 + i));
      Value og = arith::DivUIOp::create(b, nloc, c, cIdx(channelsPerOffset));
      Value ogk = arith::AddIOp::create(b, nloc,
                                        arith::MulIOp::create(b, nloc, og, cIdx(kernelSize)), flat);
      SmallVector<Value> outIdx;
      for (int64_t i = 0; i < spatial; ++i)
        outIdx.push_back(idx(2 + spatial + i));
      auto readAt = [&](Value tensor, Value channel) {
        SmallVector<Value> at{n, channel};
        at.append(outIdx);
        return toCompute(tensor::ExtractOp::create(b, nloc, tensor, at));
      };
      Type i64 = b.getI64Type();
      Value zeroI = arith::ConstantIntOp::create(b, nloc, i64, 0);
      // Per axis: the low neighbour (i64), the weight of the high one.
      SmallVector<Value> low(spatial), frac(spatial), last(spatial);
      for (int64_t i = 0; i < spatial; ++i) {
        Value channel = arith::AddIOp::create(
            b, nloc, arith::MulIOp::create(b, nloc, ogk, cIdx(spatial)), cIdx(i));
        Value o = arith::IndexCastOp::create(b, nloc, i64, outIdx[i]);
        Value k = arith::IndexCastOp::create(b, nloc, i64, idx(2 + i));
        Value base = arith::AddIOp::create(
            b, nloc,
            arith::MulIOp::create(b, nloc, o,
                                  arith::ConstantIntOp::create(b, nloc, i64, window->strides[i])),
            arith::MulIOp::create(
                b, nloc, k, arith::ConstantIntOp::create(b, nloc, i64, window->dilations[i])));
        base = arith::SubIOp::create(
            b, nloc, base, arith::ConstantIntOp::create(b, nloc, i64, window->padBegin[i]));
        Value pos = arith::AddFOp::create(
            b, nloc, arith::SIToFPOp::create(b, nloc, computeType, base), readAt(offset, channel));
        last[i] = arith::IndexCastOp::create(b, nloc, i64,
                                             arith::SubIOp::create(b, nloc, inSizes[i], cIdx(1)));
        // Far outside X (or NaN) both neighbours are outside: keep the conversion defined.
        Value size = arith::SIToFPOp::create(b, nloc, computeType, last[i]);
        pos = arith::MinNumFOp::create(b, nloc, arith::MaxNumFOp::create(b, nloc, pos, cF(-2.0)),
                                       arith::AddFOp::create(b, nloc, size, cF(2.0)));
        Value fl = math::FloorOp::create(b, nloc, pos);
        frac[i] = arith::SubFOp::create(b, nloc, pos, fl);
        low[i] = arith::FPToSIOp::create(b, nloc, i64, fl);
      }
      Value acc = cF(0.0);
      for (int64_t corner = 0; corner < (int64_t(1) << spatial); ++corner) {
        SmallVector<Value> at{n, c};
        Value weight = cF(1.0), inside;
        for (int64_t i = 0; i < spatial; ++i) {
          bool high = (corner >> (spatial - 1 - i)) & 1;
          Value p = high ? arith::AddIOp::create(b, nloc, low[i],
                                                 arith::ConstantIntOp::create(b, nloc, i64, 1))
                         : low[i];
          Value in = arith::AndIOp::create(
              b, nloc, arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sge, p, zeroI),
              arith::CmpIOp::create(b, nloc, arith::CmpIPredicate::sle, p, last[i]));
          inside = inside ? arith::AndIOp::create(b, nloc, inside, in).getResult() : in;
          p = arith::MaxSIOp::create(b, nloc, arith::MinSIOp::create(b, nloc, p, last[i]), zeroI);
          at.push_back(arith::IndexCastOp::create(b, nloc, b.getIndexType(), p));
          Value wgt = high ? frac[i] : arith::SubFOp::create(b, nloc, cF(1.0), frac[i]);
          weight = arith::MulFOp::create(b, nloc, weight, wgt);
        }
        Value v = toCompute(tensor::ExtractOp::create(b, nloc, x, at));
        Value term = arith::MulFOp::create(b, nloc, weight, v);
        acc = arith::AddFOp::create(b, nloc, acc,
                                    arith::SelectOp::create(b, nloc, inside, term, cF(0.0)));
      }
      if (hasMask)
        acc = arith::MulFOp::create(b, nloc, acc, readAt(mask, ogk));
      if (acc.getType() != elemType)
        acc = arith::TruncFOp::create(b, nloc, elemType, acc);
      linalg::YieldOp::create(b, nloc, acc);
    };
    Value columns = createEmpty(rewriter, loc, columnType,
                                dynamicSizesOf(rewriter, loc, columnType, columnSizes));
    columns =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{columnType}, ValueRange{}, ValueRange{columns},
            ArrayRef<AffineMap>{rewriter.getMultiDimIdentityMap(columnRank)},
            SmallVector<utils::IteratorType>(columnRank, utils::IteratorType::parallel), sample)
            .getResult(0);

    // 2. out[n, g, m, o...] += columns[n, g, c, k..., o...] * w[g, m, c, k...]
    auto split = [&](Value v, int64_t d, int64_t outer, int64_t inner) {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<int64_t> shape(type.getShape());
      shape[d] = inner;
      shape.insert(shape.begin() + d, outer);
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, v);
      sizes[d] = rewriter.getIndexAttr(inner);
      sizes.insert(sizes.begin() + d, rewriter.getIndexAttr(outer));
      return expandShape(rewriter, loc, RankedTensorType::get(shape, type.getElementType()), v,
                         splitAt(d, type.getRank()), sizes);
    };
    Value groupedColumns = split(columns, 1, group, cg);
    Value groupedW = split(w, 0, group, m / group);
    Value groupedOut = split(init, 1, group, m / group);
    MLIRContext *ctx = rewriter.getContext();
    int64_t numDims = 4 + 2 * spatial; // n, g, m, o..., c, k...
    auto dim = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineExpr> colExprs{dim(0), dim(1), dim(3 + spatial)},
        wExprs{dim(1), dim(2), dim(3 + spatial)}, outExprs{dim(0), dim(1), dim(2)};
    for (int64_t i = 0; i < spatial; ++i) {
      colExprs.push_back(dim(4 + spatial + i));
      wExprs.push_back(dim(4 + spatial + i));
    }
    for (int64_t i = 0; i < spatial; ++i) {
      colExprs.push_back(dim(3 + i));
      outExprs.push_back(dim(3 + i));
    }
    SmallVector<AffineMap> maps{AffineMap::get(numDims, 0, colExprs, ctx),
                                AffineMap::get(numDims, 0, wExprs, ctx),
                                AffineMap::get(numDims, 0, outExprs, ctx)};
    SmallVector<utils::IteratorType> iterators(3 + spatial, utils::IteratorType::parallel);
    iterators.append(1 + spatial, utils::IteratorType::reduction);
    Value out = linalg::GenericOp::create(rewriter, loc, TypeRange{groupedOut.getType()},
                                          ValueRange{groupedColumns, groupedW},
                                          ValueRange{groupedOut}, maps, iterators, yieldMulAdd)
                    .getResult(0);
    SmallVector<ReassociationIndices> merge = splitAt(1, rank);
    Value result = tensor::CollapseShapeOp::create(rewriter, loc, init.getType(), out, merge);
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateDeformConvPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<DeformConvLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
