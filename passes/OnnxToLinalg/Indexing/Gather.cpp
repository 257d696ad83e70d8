//===- Gather.cpp - Lower Gather, GatherElements and GatherND -------------===//
//
// Gathers are a linalg.generic over the result that reads the data with tensor.extract at
// the (wrapped) index, after one check of the indices (ValueChecks.h).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct GatherLowering : OnnxLoweringPattern<GatherOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GatherOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
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
struct GatherElementsLowering : OnnxLoweringPattern<GatherElementsOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GatherElementsOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
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

/// GatherND with batch_dims b: out[i, rest] = data[i[:b], indices[i], rest].
struct GatherNDLowering : OnnxLoweringPattern<GatherNDOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(GatherNDOp op, OpAdaptor adaptor, RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = adaptor.getData(), indices = adaptor.getIndices();
    auto dataType = dyn_cast<RankedTensorType>(data.getType());
    auto indicesType = dyn_cast<RankedTensorType>(indices.getType());
    if (!dataType || !indicesType || indicesType.getRank() < 1)
      return reject(rewriter, op, "an input is not a ranked tensor");
    int64_t r = dataType.getRank(), q = indicesType.getRank();
    int64_t bd = static_cast<int64_t>(op.getBatchDims());
    int64_t k = indicesType.getDimSize(q - 1);
    if (ShapedType::isDynamic(k) || bd + k > r || bd > q - 1)
      return reject(rewriter, op, "the last dim of indices is not static and <= data rank");
    int64_t resultRank = q - 1 + r - k - bd;
    if (resultType.getRank() != resultRank)
      return reject(rewriter, op, "the result rank is not q - 1 + r - k - batch_dims");
    Location loc = op.getLoc();
    SmallVector<Value> sizes, dataDims;
    for (int64_t d = 0; d < resultRank; ++d)
      sizes.push_back(d < q - 1 ? getDimValue(rewriter, loc, indices, d)
                                : getDimValue(rewriter, loc, data, bd + k + d - (q - 1)));
    SmallVector<int64_t> axes;
    for (int64_t j = 0; j < k; ++j) {
      dataDims.push_back(getDimValue(rewriter, loc, data, bd + j));
      axes.push_back(bd + j);
    }
    if (k > 0 && failed(checkIndices(rewriter, op, indices, dataDims, axes)))
      return failure();
    Value result = buildIndexGather(
        rewriter, loc, resultType, sizes, data, [&](OpBuilder &b, Location l, ValueRange idx) {
          SmallVector<Value> src(idx.begin(), idx.begin() + bd);
          for (int64_t j = 0; j < k; ++j) {
            SmallVector<Value> pos(idx.begin(), idx.begin() + (q - 1));
            pos.push_back(arith::ConstantIndexOp::create(b, l, j));
            Value v = tensor::ExtractOp::create(b, l, indices, pos);
            src.push_back(normalizeIndex(b, l, v, dataDims[j]));
          }
          src.append(idx.begin() + (q - 1), idx.end());
          return src;
        });
    rewriter.replaceOp(op, result);
    return success();
  }
};

} // namespace

void populateGatherPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<GatherLowering, GatherElementsLowering, GatherNDLowering>(converter,
                                                                         patterns.getContext());
}

} // namespace kiln::conversion
