//===- TensorScatter.cpp - Lower onnx.TensorScatter to a gather -----------===//
//
// TensorScatter writes `update` into the cache at write_indices[b] along the sequence
// axis (modulo its size in circular mode). It lowers as the equivalent gather, one
// parallel linalg.generic over the cache: position t of batch b reads update at
// t - w (circular: (t - w) mod max_len) when that lies in [0, sequence_length), the past
// cache otherwise. Linear mode checks 0 <= w <= max_len - sequence_length at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct TensorScatterLowering : OnnxLoweringPattern<TensorScatterOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(TensorScatterOp op, OpAdaptor adaptor,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value past = adaptor.getPastCache(), update = adaptor.getUpdate();
    auto pastType = getRankedInputType(rewriter, op, past, "past_cache");
    auto updateType = getRankedInputType(rewriter, op, update, "update");
    if (!pastType || !updateType)
      return failure();
    int64_t rank = pastType.getRank();
    if (rank < 2 || updateType.getRank() != rank)
      return reject(rewriter, op, "past_cache and update must have one rank of at least 2");
    FailureOr<int64_t> normalized = normalizeAxis(op.getAxis(), rank, /*emitError=*/nullptr);
    if (failed(normalized) || *normalized == 0)
      return reject(rewriter, op, "axis must name a dim after the batch dim");
    int64_t axis = *normalized;
    StringRef mode = op.getMode();
    if (mode != "linear" && mode != "circular")
      return reject(rewriter, op, "unknown mode '" + mode + "'");
    bool circular = mode == "circular";
    Location loc = op.getLoc();

    SmallVector<Value> sizes = getSizes(rewriter, loc, past);
    SmallVector<Value> updateSizes = getSizes(rewriter, loc, update);
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis)
        checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(updateSizes[d]),
                        getAsOpFoldResult(sizes[d]),
                        "update has size {} in dim " + Twine(d) + " where past_cache has {}");
    Value maxLen = sizes[axis], seqLen = updateSizes[axis];
    checkSizes(rewriter, loc, op, arith::CmpIPredicate::sle, getAsOpFoldResult(seqLen),
               getAsOpFoldResult(maxLen), "update's sequence length {} exceeds the cache's {}");
    Value indices = adaptor.getWriteIndices();
    bool hasIndices = indices && !isa<NoneType>(indices.getType());
    if (hasIndices) {
      auto indicesType = getRankedInputType(rewriter, op, indices, "write_indices");
      if (!indicesType)
        return failure();
      if (indicesType.getRank() != 1)
        return reject(rewriter, op, "write_indices is not 1-D");
      checkSizesEqual(rewriter, loc, op, getAsOpFoldResult(getDimValue(rewriter, loc, indices, 0)),
                      getAsOpFoldResult(sizes[0]),
                      "write_indices has {} entries where the batch size is {}");
      if (!circular) {
        Value room = arith::SubIOp::create(rewriter, loc, maxLen, seqLen);
        if (failed(checkValuesInRange(rewriter, op, indices, 0, room, "write_indices")))
          return failure();
      }
    }

    auto outType = RankedTensorType::get(pastType.getShape(), resultType.getElementType());
    Value init = createEmpty(rewriter, loc, outType, dynamicSizesOf(rewriter, loc, outType, sizes));
    MLIRContext *ctx = rewriter.getContext();
    auto generic = linalg::GenericOp::create(
        rewriter, loc, TypeRange{outType}, ValueRange{past}, ValueRange{init},
        SmallVector<AffineMap>(2, AffineMap::getMultiDimIdentityMap(rank, ctx)),
        SmallVector<utils::IteratorType>(rank, utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          SmallVector<Value> idx;
          for (int64_t d = 0; d < rank; ++d)
            idx.push_back(linalg::IndexOp::create(b, l, d));
          Value zero = arith::ConstantIndexOp::create(b, l, 0);
          Value w = zero;
          if (hasIndices)
            w = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                           tensor::ExtractOp::create(b, l, indices, idx[0]));
          Value rel = arith::SubIOp::create(b, l, idx[axis], w);
          if (circular) { // a non-negative remainder
            Value r = arith::RemSIOp::create(b, l, rel, maxLen);
            Value neg = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, r, zero);
            rel = arith::SelectOp::create(b, l, neg, arith::AddIOp::create(b, l, r, maxLen), r);
          }
          Value inside = arith::AndIOp::create(
              b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, rel, zero),
              arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, rel, seqLen));
          auto ifOp = scf::IfOp::create(
              b, l, inside,
              [&](OpBuilder &tb, Location tl) {
                SmallVector<Value> src = idx;
                src[axis] = rel;
                scf::YieldOp::create(tb, tl,
                                     ValueRange{tensor::ExtractOp::create(tb, tl, update, src)});
              },
              [&](OpBuilder &eb, Location el) { scf::YieldOp::create(eb, el, args[0]); });
          linalg::YieldOp::create(b, l, ifOp.getResult(0));
        });
    rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, generic.getResult(0), resultType));
    return success();
  }
};

} // namespace

void populateTensorScatterPatterns(const OnnxTypeConverter &converter,
                                   RewritePatternSet &patterns) {
  patterns.add<TensorScatterLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
