//===- SplitConcat.cpp - SplitToSequence and ConcatFromSequence -----------===//
//
// SplitToSequence cuts its input along an axis into a packed sequence (SequenceValue.h):
// the input seen as [P, A, Q] (P the dims before the axis, Q those after), chunk k of
// size s_k is input[:, o_k : o_k + s_k, :], copied row-major into the data at P * o_k * Q.
// ConcatFromSequence is the inverse: each element goes into its slice of the result.
// The split sizes and the elements' shapes are data: they are checked at run time.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/SequenceValue.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value toI64(OpBuilder &b, Location loc, Value v) {
  if (v.getType().isIndex())
    return arith::IndexCastOp::create(b, loc, b.getI64Type(), v);
  if (v.getType().isInteger(64))
    return v;
  return arith::ExtSIOp::create(b, loc, b.getI64Type(), v);
}

struct SplitToSequenceLowering : OpConversionPattern<SplitToSequenceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SplitToSequenceOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType element = getSequenceElementType(*getTypeConverter(), op.getType());
    Value input = adaptor.getInput().front();
    auto inputType = dyn_cast<RankedTensorType>(input.getType());
    if (!element || !inputType)
      return reject(rewriter, op, "the input's rank is unknown");
    int64_t rank = inputType.getRank();
    int64_t axis = op.getAxis();
    if (axis < -rank || axis >= rank)
      return reject(rewriter, op,
                    "axis " + Twine(axis) + " is out of range for rank " + Twine(rank));
    if (axis < 0)
      axis += rank;
    bool noSplit = isa<NoneType>(op.getSplit().getType());
    bool dropAxis = noSplit && op.getKeepdims() == 0;
    if (element.getRank() != rank - (dropAxis ? 1 : 0))
      return reject(rewriter, op, "the result's element rank does not match the input");
    Location loc = op.getLoc();
    Value splitTensor = noSplit ? Value() : adaptor.getSplit().front();
    auto splitType =
        splitTensor ? cast<RankedTensorType>(splitTensor.getType()) : RankedTensorType();
    if (splitType && splitType.getRank() > 1)
      return reject(rewriter, op, "'split' must be a scalar or a 1-D tensor");
    bool scalarSplit = splitType && splitType.getRank() == 0;

    Value size = getDimValue(rewriter, loc, input, axis);
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    Value zero64 = arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 0);
    Value size64 = toI64(rewriter, loc, size);
    Value count, chunk;
    if (noSplit) {
      count = size;
    } else if (scalarSplit) {
      chunk = toI64(rewriter, loc, extractScalar(rewriter, loc, splitTensor));
      Value positive =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt, chunk, zero64);
      emitCheck(rewriter, op, positive, chunk, size64, kilnir::kCheckShape,
                "split size {} must be positive (axis of size {})");
      // A zero chunk only reaches the division when the check failed; keep it defined.
      Value safe = arith::SelectOp::create(
          rewriter, loc, positive, chunk,
          arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 1));
      chunk = safe;
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                         arith::CeilDivSIOp::create(rewriter, loc, size64, safe));
    } else {
      count = getDimValue(rewriter, loc, splitTensor, 0);
      // Each size >= 0 and their sum is the axis.
      if (failed(checkValuesInRange(rewriter, op, splitTensor, 0, size, "split")))
        return failure();
      auto sum = scf::ForOp::create(
          rewriter, loc, zero, count, one, ValueRange{zero64},
          [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
            Value s = toI64(b, l, tensor::ExtractOp::create(b, l, splitTensor, k));
            scf::YieldOp::create(b, l, ValueRange{arith::AddIOp::create(b, l, acc[0], s)});
          });
      Value ok =
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::eq, sum.getResult(0), size64);
      emitCheck(rewriter, op, ok, sum.getResult(0), size64, kilnir::kCheckShape,
                "the split sizes add up to {}, not to the axis size {}");
    }

    // P and Q: the input as [P, A, Q].
    Value outer = one, inner = one;
    for (int64_t d = 0; d < rank; ++d) {
      if (d < axis)
        outer = arith::MulIOp::create(rewriter, loc, outer, getDimValue(rewriter, loc, input, d));
      if (d > axis)
        inner = arith::MulIOp::create(rewriter, loc, inner, getDimValue(rewriter, loc, input, d));
    }
    SmallVector<Type, 2> types = getPackedSequenceTypes(element);
    Value total = arith::MulIOp::create(rewriter, loc,
                                        arith::MulIOp::create(rewriter, loc, outer, size), inner);
    Value data = tensor::EmptyOp::create(rewriter, loc, ArrayRef<OpFoldResult>{total},
                                         element.getElementType());
    Value shapes = tensor::EmptyOp::create(
        rewriter, loc, ArrayRef<OpFoldResult>{count, rewriter.getIndexAttr(element.getRank())},
        rewriter.getI64Type());
    SmallVector<OpFoldResult> inputSizes = getMixedSizes(rewriter, loc, input);

    auto loop = scf::ForOp::create(
        rewriter, loc, zero, count, one, ValueRange{data, shapes, zero},
        [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
          Value begin = acc[2];
          // This chunk's size.
          Value len;
          if (noSplit) {
            len = one;
          } else if (scalarSplit) {
            Value left = arith::SubIOp::create(b, l, size, begin);
            Value c = arith::IndexCastOp::create(b, l, b.getIndexType(), chunk);
            len = arith::MinSIOp::create(b, l, c, left);
          } else {
            len = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                             tensor::ExtractOp::create(b, l, splitTensor, k));
          }
          SmallVector<OpFoldResult> offsets(rank, b.getIndexAttr(0)), sizes(inputSizes),
              strides(rank, b.getIndexAttr(1));
          offsets[axis] = begin;
          sizes[axis] = len;
          Value piece = tensor::ExtractSliceOp::create(b, l, input, offsets, sizes, strides);
          Value dense = tensor::EmptyOp::create(b, l, sizes, element.getElementType());
          dense = linalg::CopyOp::create(b, l, piece, dense).getResult(0);
          Value flat = flattenAll(b, l, dense);
          Value at = arith::MulIOp::create(b, l, arith::MulIOp::create(b, l, outer, begin), inner);
          Value numel = getDimValue(b, l, flat, 0);
          Value newData = tensor::InsertSliceOp::create(
              b, l, flat, acc[0], ArrayRef<OpFoldResult>{at}, ArrayRef<OpFoldResult>{numel},
              ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
          Value newShapes = acc[1];
          int64_t col = 0;
          for (int64_t d = 0; d < rank; ++d) {
            if (d == axis && dropAxis)
              continue;
            Value dim = d == axis ? len : getDimValue(b, l, input, d);
            newShapes = tensor::InsertOp::create(b, l, toI64(b, l, dim), newShapes,
                                                 ValueRange{k, cIdx(b, l, col++)});
          }
          Value next = arith::AddIOp::create(b, l, begin, len);
          scf::YieldOp::create(b, l, ValueRange{newData, newShapes, next});
        });
    SmallVector<Value> values{castTo(rewriter, loc, loop.getResult(0), types[0]),
                              castTo(rewriter, loc, loop.getResult(1), types[1])};
    rewriter.replaceOpWithMultiple(op, {values});
    return success();
  }
};

struct ConcatFromSequenceLowering : OpConversionPattern<ConcatFromSequenceOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ConcatFromSequenceOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    RankedTensorType element =
        getSequenceElementType(*getTypeConverter(), op.getInputSequence().getType());
    if (!element)
      return reject(rewriter, op, "the rank of the sequence's elements is unknown");
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return reject(rewriter, op, "the result's rank is unknown");
    bool newAxis = op.getNewAxis() != 0;
    int64_t rank = element.getRank(), outRank = rank + (newAxis ? 1 : 0);
    if (resultType.getRank() != outRank)
      return reject(rewriter, op, "the result's rank does not match the elements'");
    int64_t axis = op.getAxis();
    if (axis < -outRank || axis >= outRank)
      return reject(rewriter, op,
                    "axis " + Twine(axis) + " is out of range for rank " + Twine(outRank));
    if (axis < 0)
      axis += outRank;
    Location loc = op.getLoc();
    PackedSequence seq = unpackOperand(adaptor.getInputSequence());
    Value count = sequenceLength(rewriter, loc, seq);
    Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
    Value count64 = toI64(rewriter, loc, count);
    Value zero64 = arith::ConstantIntOp::create(rewriter, loc, rewriter.getI64Type(), 0);
    emitCheck(rewriter, op,
              arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sgt, count64, zero64),
              count64, zero64, kilnir::kCheckShape,
              "the sequence is empty ({} elements); there is nothing to concatenate");
    // Elements agree on every dim but the axis (every dim with new_axis); the axis of
    // the result is the sum of theirs (their count with new_axis).
    auto dimOf = [&](OpBuilder &b, Location l, Value k, int64_t d) {
      return tensor::ExtractOp::create(b, l, seq.shapes, ValueRange{k, cIdx(b, l, d)}).getResult();
    };
    Value safeFirst = zero;
    Value trueV = arith::ConstantIntOp::create(rewriter, loc, rewriter.getI1Type(), 1);
    auto scan = scf::ForOp::create(rewriter, loc, zero, count, one, ValueRange{trueV, zero64},
                                   [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
                                     Value ok = acc[0];
                                     for (int64_t d = 0; d < rank; ++d) {
                                       if (!newAxis && d == axis)
                                         continue;
                                       Value same = arith::CmpIOp::create(
                                           b, l, arith::CmpIPredicate::eq, dimOf(b, l, k, d),
                                           dimOf(b, l, safeFirst, d));
                                       ok = arith::AndIOp::create(b, l, ok, same);
                                     }
                                     Value sum = acc[1];
                                     if (!newAxis)
                                       sum = arith::AddIOp::create(b, l, sum, dimOf(b, l, k, axis));
                                     scf::YieldOp::create(b, l, ValueRange{ok, sum});
                                   });
    emitCheck(rewriter, op, scan.getResult(0), count64, zero64, kilnir::kCheckShape,
              "the sequence's {} elements differ in a dimension other than the axis");

    SmallVector<OpFoldResult> outSizes;
    for (int64_t d = 0, src = 0; d < outRank; ++d) {
      if (d == axis) {
        outSizes.push_back(newAxis ? count
                                   : arith::IndexCastOp::create(
                                         rewriter, loc, rewriter.getIndexType(), scan.getResult(1))
                                         .getResult());
        if (!newAxis)
          ++src;
        continue;
      }
      // Read under the emptiness check: a count of 0 has stopped the run.
      Value v = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                           dimOf(rewriter, loc, zero, src++));
      outSizes.push_back(v);
    }
    Value result = tensor::EmptyOp::create(rewriter, loc, outSizes, element.getElementType());
    auto loop = scf::ForOp::create(
        rewriter, loc, zero, count, one, ValueRange{result, zero},
        [&](OpBuilder &b, Location l, Value k, ValueRange acc) {
          Value item = extractElement(b, l, op, seq, k, element);
          SmallVector<OpFoldResult> sizes = getMixedSizes(b, l, item);
          Value len = one;
          if (newAxis)
            sizes.insert(sizes.begin() + axis, b.getIndexAttr(1));
          else
            len = getDimValue(b, l, item, axis);
          SmallVector<OpFoldResult> offsets(outRank, b.getIndexAttr(0)),
              strides(outRank, b.getIndexAttr(1));
          offsets[axis] = acc[1];
          // insert_slice drops the unit dim of new_axis (a rank-reducing insert).
          Value out = tensor::InsertSliceOp::create(b, l, item, acc[0], offsets, sizes, strides);
          scf::YieldOp::create(b, l, ValueRange{out, arith::AddIOp::create(b, l, acc[1], len)});
        });
    rewriter.replaceOp(op, castTo(rewriter, loc, loop.getResult(0), resultType));
    return success();
  }
};

} // namespace

void populateSplitConcatSequencePatterns(const OnnxTypeConverter &converter,
                                         RewritePatternSet &patterns) {
  patterns.add<SplitToSequenceLowering, ConcatFromSequenceLowering>(converter,
                                                                    patterns.getContext());
}

} // namespace kiln::conversion
