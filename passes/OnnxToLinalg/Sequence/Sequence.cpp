//===- Sequence.cpp - Lower the sequence ops on packed sequences ----------===//
//
// SequenceConstruct, SequenceEmpty, SequenceInsert, SequenceErase, SequenceAt,
// SequenceLength and Identity of a sequence, on the packed form of SequenceValue.h: a
// (data, shapes) pair. Positions may be negative (counted from the end) and are checked
// at run time (KILN_MODEL_ERROR_INDEX).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/SequenceValue.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// The converted element type of `op`'s sequence result or operand `seqType`; rejects
/// the op when its elements have no known rank.
FailureOr<RankedTensorType> elementTypeOf(ConversionPatternRewriter &rewriter,
                                          const TypeConverter &converter, Operation *op,
                                          Type seqType) {
  RankedTensorType element = getSequenceElementType(converter, seqType);
  if (!element) {
    (void)reject(rewriter, op,
                 "the rank of the sequence's elements is unknown (a compiled sequence holds "
                 "tensors of one rank)");
    return failure();
  }
  return element;
}

void replaceWithSequence(ConversionPatternRewriter &rewriter, Operation *op,
                         const PackedSequence &seq) {
  SmallVector<Value> values{seq.data, seq.shapes};
  rewriter.replaceOpWithMultiple(op, {values});
}

/// Whether `tensor` (an onnx operand) can be an element of a sequence of `element`s.
bool fitsElement(Value tensor, RankedTensorType element) {
  auto type = dyn_cast<RankedTensorType>(tensor.getType());
  return type && type.getRank() == element.getRank();
}

struct SequenceConstructLowering : OpConversionPattern<SequenceConstructOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceConstructOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<RankedTensorType> element =
        elementTypeOf(rewriter, *getTypeConverter(), op, op.getType());
    if (failed(element))
      return failure();
    SmallVector<Value> tensors;
    for (auto [orig, converted] : llvm::zip(op.getInputs(), adaptor.getInputs())) {
      if (!fitsElement(orig, *element) || converted.size() != 1)
        return reject(rewriter, op, "an input's rank differs from the sequence's element rank");
      tensors.push_back(converted.front());
    }
    replaceWithSequence(rewriter, op, packTensors(rewriter, op.getLoc(), tensors, *element));
    return success();
  }
};

struct SequenceEmptyLowering : OpConversionPattern<SequenceEmptyOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceEmptyOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<RankedTensorType> element =
        elementTypeOf(rewriter, *getTypeConverter(), op, op.getType());
    if (failed(element))
      return failure();
    replaceWithSequence(rewriter, op, packTensors(rewriter, op.getLoc(), {}, *element));
    return success();
  }
};

struct SequenceInsertLowering : OpConversionPattern<SequenceInsertOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceInsertOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<RankedTensorType> element =
        elementTypeOf(rewriter, *getTypeConverter(), op, op.getInputSequence().getType());
    if (failed(element))
      return failure();
    if (!fitsElement(op.getTensor(), *element))
      return reject(rewriter, op, "the inserted tensor's rank differs from the sequence's");
    Location loc = op.getLoc();
    PackedSequence seq = unpackOperand(adaptor.getInputSequence());
    Value length = sequenceLength(rewriter, loc, seq);
    Value pos = length;
    if (!isa<NoneType>(op.getPosition().getType()))
      pos = sequencePosition(rewriter, loc, op, adaptor.getPosition().front(), length,
                             /*allowEnd=*/true);
    replaceWithSequence(rewriter, op,
                        insertElement(rewriter, loc, seq, pos, adaptor.getTensor().front()));
    return success();
  }
};

struct SequenceEraseLowering : OpConversionPattern<SequenceEraseOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceEraseOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<RankedTensorType> element =
        elementTypeOf(rewriter, *getTypeConverter(), op, op.getInputSequence().getType());
    if (failed(element))
      return failure();
    Location loc = op.getLoc();
    PackedSequence seq = unpackOperand(adaptor.getInputSequence());
    Value length = sequenceLength(rewriter, loc, seq);
    Value pos;
    if (isa<NoneType>(op.getPosition().getType())) {
      // The last element; an empty sequence has none.
      Value minusOne = arith::ConstantOp::create(
          rewriter, loc,
          DenseElementsAttr::get(RankedTensorType::get({}, rewriter.getI64Type()),
                                 rewriter.getI64IntegerAttr(-1).getValue()));
      pos = sequencePosition(rewriter, loc, op, minusOne, length, /*allowEnd=*/false);
    } else {
      pos = sequencePosition(rewriter, loc, op, adaptor.getPosition().front(), length,
                             /*allowEnd=*/false);
    }
    replaceWithSequence(rewriter, op, eraseElement(rewriter, loc, seq, pos));
    return success();
  }
};

struct SequenceAtLowering : OpConversionPattern<SequenceAtOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceAtOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<RankedTensorType> element =
        elementTypeOf(rewriter, *getTypeConverter(), op, op.getInputSequence().getType());
    if (failed(element))
      return failure();
    RankedTensorType resultType = getRankedResultType(rewriter, *getTypeConverter(), op);
    if (!resultType)
      return reject(rewriter, op, "the result's rank is unknown");
    if (resultType.getRank() != element->getRank())
      return reject(rewriter, op, "the result's rank differs from the sequence's element rank");
    Location loc = op.getLoc();
    PackedSequence seq = unpackOperand(adaptor.getInputSequence());
    Value pos = sequencePosition(rewriter, loc, op, adaptor.getPosition().front(),
                                 sequenceLength(rewriter, loc, seq), /*allowEnd=*/false);
    Value value = extractElement(rewriter, loc, op, seq, pos, *element);
    rewriter.replaceOp(op, castTo(rewriter, loc, value, resultType));
    return success();
  }
};

struct SequenceLengthLowering : OpConversionPattern<SequenceLengthOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult matchAndRewrite(SequenceLengthOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (failed(elementTypeOf(rewriter, *getTypeConverter(), op, op.getInputSequence().getType())))
      return failure();
    Location loc = op.getLoc();
    PackedSequence seq = unpackOperand(adaptor.getInputSequence());
    Value n = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                         sequenceLength(rewriter, loc, seq));
    Value result = tensor::FromElementsOp::create(
        rewriter, loc, RankedTensorType::get({}, rewriter.getI64Type()), ValueRange{n});
    rewriter.replaceOp(op, result);
    return success();
  }
};

/// Identity of a sequence: the same pair (a tensor Identity is elementwise).
struct SequenceIdentityLowering : OpConversionPattern<IdentityOp> {
  SequenceIdentityLowering(const TypeConverter &converter, MLIRContext *ctx)
      : OpConversionPattern(converter, ctx, /*benefit=*/2) {}
  LogicalResult matchAndRewrite(IdentityOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    if (!isa<SeqType>(op.getInput().getType()))
      return failure();
    if (failed(elementTypeOf(rewriter, *getTypeConverter(), op, op.getInput().getType())))
      return failure();
    rewriter.replaceOpWithMultiple(op, {adaptor.getInput()});
    return success();
  }
};

} // namespace

void populateSequencePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SequenceConstructLowering, SequenceEmptyLowering, SequenceInsertLowering,
               SequenceEraseLowering, SequenceAtLowering, SequenceLengthLowering,
               SequenceIdentityLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
