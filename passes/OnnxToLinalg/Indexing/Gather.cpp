//===- Gather.cpp - Lower Gather, GatherElements, Expand and Tile ---------===//
//
// Index-driven data movement. Gathers are a linalg.generic over the result that reads the
// data with tensor.extract at the (wrapped) index, after one check of the indices
// (Checks.h); Expand is a broadcast generic; Tile
// reads the input at the result index modulo the input size.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Checks.h"
#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/Arith/Utils/Utils.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Converts a gathered index to `index`, adding `dim` when it is negative.
Value normalizeIndex(OpBuilder &b, Location loc, Value index, Value dim) {
  Value i = arith::IndexCastOp::create(b, loc, b.getIndexType(), index);
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, i, zero);
  return arith::SelectOp::create(b, loc, isNeg, arith::AddIOp::create(b, loc, i, dim), i);
}

struct GatherLowering : OpConversionPattern<GatherOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    if (!dataType || !indicesType)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t rank = dataType.getRank(), q = indicesType.getRank();
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    if (resultType.getRank() != rank - 1 + q)
      return reject(rewriter, op, "the result rank is not data rank - 1 + indices rank");
    Location loc = op.getLoc();

    // A constant scalar index (x.size(0), x[:, 3]) is a slice: no loop, and it folds.
    std::optional<SmallVector<int64_t>> constant = matchConstantI64s(indices);
    if (constant && constant->size() == 1 && q <= 1 && !dataType.isDynamicDim(axis)) {
      int64_t i = (*constant)[0];
      if (i < 0)
        i += dataType.getDimSize(axis);
      if (i < 0 || i >= dataType.getDimSize(axis))
        return reject(rewriter, op,
                      "constant index " + Twine((*constant)[0]) + " is out of range for axis " +
                          Twine(axis) + " of size " + Twine(dataType.getDimSize(axis)));
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, data);
      offsets[axis] = rewriter.getIndexAttr(i);
      sizes[axis] = rewriter.getIndexAttr(1);
      Value slice = tensor::ExtractSliceOp::create(rewriter, loc, data, offsets, sizes, strides);
      if (q == 0)
        slice = dropUnitDims(rewriter, loc, slice, {axis}, resultType);
      rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, slice, resultType));
      return success();
    }

    // General case: iterate over the result; dims [axis, axis + q) index `indices`.
    SmallVector<Value> dynamic;
    for (int64_t d = 0; d < resultType.getRank(); ++d) {
      if (!resultType.isDynamicDim(d))
        continue;
      if (d < axis)
        dynamic.push_back(tensor::DimOp::create(rewriter, loc, data, d));
      else if (d < axis + q)
        dynamic.push_back(tensor::DimOp::create(rewriter, loc, indices, d - axis));
      else
        dynamic.push_back(tensor::DimOp::create(rewriter, loc, data, d - q + 1));
    }
    Value init = createEmpty(rewriter, loc, resultType, dynamic);
    MLIRContext *ctx = rewriter.getContext();
    SmallVector<AffineExpr> indexExprs;
    for (int64_t d = 0; d < q; ++d)
      indexExprs.push_back(getAffineDimExpr(axis + d, ctx));
    int64_t resultRank = resultType.getRank();
    SmallVector<AffineMap> maps{AffineMap::get(resultRank, 0, indexExprs, ctx),
                                rewriter.getMultiDimIdentityMap(resultRank)};
    SmallVector<utils::IteratorType> iterators(resultRank, utils::IteratorType::parallel);
    Value axisDim = getDimValue(rewriter, loc, data, axis);
    if (failed(checkIndices(rewriter, op, indices, {axisDim}, {axis})))
      return failure();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location nloc, ValueRange args) {
          SmallVector<Value> src;
          for (int64_t d = 0; d < axis; ++d)
            src.push_back(linalg::IndexOp::create(b, nloc, d));
          src.push_back(normalizeIndex(b, nloc, args[0], axisDim));
          for (int64_t d = axis + q; d < resultRank; ++d)
            src.push_back(linalg::IndexOp::create(b, nloc, d));
          linalg::YieldOp::create(b, nloc,
                                  tensor::ExtractOp::create(b, nloc, data, src).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// GatherElements: out[i] = data[i with i[axis] replaced by indices[i]].
struct GatherElementsLowering : OpConversionPattern<GatherElementsOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(GatherElementsOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    if (!dataType || !indicesType || indicesType.getRank() != dataType.getRank())
      return reject(rewriter, op, "data and indices are not ranked alike");
    int64_t rank = dataType.getRank();
    FailureOr<int64_t> normalized =
        normalizeAxis(static_cast<int64_t>(op.getAxis()), rank, /*emitError=*/nullptr);
    if (failed(normalized))
      return reject(rewriter, op, "axis is out of range");
    int64_t axis = *normalized;
    Location loc = op.getLoc();
    Value init = createEmpty(rewriter, loc, resultType, getDynamicSizes(rewriter, loc, indices));
    Value axisDim = getDimValue(rewriter, loc, data, axis);
    if (failed(checkIndices(rewriter, op, indices, {axisDim}, {axis})))
      return failure();
    SmallVector<AffineMap> maps(2, rewriter.getMultiDimIdentityMap(rank));
    SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{resultType}, ValueRange{indices}, ValueRange{init}, maps,
        iterators, [&](OpBuilder &b, Location nloc, ValueRange args) {
          SmallVector<Value> src;
          for (int64_t d = 0; d < rank; ++d)
            src.push_back(d == axis ? normalizeIndex(b, nloc, args[0], axisDim)
                                    : Value(linalg::IndexOp::create(b, nloc, d)));
          linalg::YieldOp::create(b, nloc,
                                  tensor::ExtractOp::create(b, nloc, data, src).getResult());
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

/// Expand: numpy-broadcast the input to max(input dims, shape values).
struct ExpandLowering : OpConversionPattern<ExpandOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ExpandOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    auto shapeType = dyn_cast<RankedTensorType>(adaptor.getShape().getType());
    if (!inputType)
      return reject(rewriter, op, "the input is not a ranked tensor");
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

/// Tile: out[i] = input[i mod input dims].
struct TileLowering : OpConversionPattern<TileOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(TileOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return failure();
    Value input = adaptor.getInput();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!inputType || inputType.getRank() != resultType.getRank())
      return reject(rewriter, op, "the input is not ranked like the result");
    int64_t rank = inputType.getRank();
    Location loc = op.getLoc();
    SmallVector<Value> repeats = getIndexValues(rewriter, loc, adaptor.getRepeats(), rank);
    SmallVector<Value> dims, sizes;
    for (int64_t d = 0; d < rank; ++d) {
      checkSizes(rewriter, loc, op, arith::CmpIPredicate::sge, repeats[d],
                 rewriter.getIndexAttr(0),
                 "repeats has {} for dim " + Twine(d) + " (expected >= {})");
      dims.push_back(getDimValue(rewriter, loc, input, d));
      sizes.push_back(rewriter.createOrFold<arith::MulIOp>(loc, dims[d], repeats[d]));
      if (!resultType.isDynamicDim(d))
        checkSizesEqual(rewriter, loc, op, sizes[d],
                        rewriter.getIndexAttr(resultType.getDimSize(d)),
                        "the tiled size is {} in dim " + Twine(d) +
                            " where the model's shapes imply {}");
    }
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, input, [&](OpBuilder &b, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          for (int64_t d = 0; d < rank; ++d)
            src.push_back(arith::RemUIOp::create(b, nloc, idx[d], dims[d]));
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateGatherPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherLowering, GatherElementsLowering, ExpandLowering, TileLowering>(
      converter, patterns.getContext());
}

} // namespace kiln::conversion
