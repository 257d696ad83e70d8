//===- SequenceMap.cpp - Lower onnx.SequenceMap to an scf.while -----------===//
//
// out_j = [body(s_0[k], ..., t, ...)_j for k in 0..n): one loop iteration per element of
// the input sequence. The body's inputs are element k of each sequence input (every one of
// length n, checked at run time) and each tensor input as is; each output sequence is
// carried by the loop in its packed form (SequenceValue.h) and grows by the element the
// body yields. The body's onnx ops are moved into the loop and lowered by the same
// conversion.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/SequenceValue.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct SequenceMapLowering : OpConversionPattern<SequenceMapOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(SequenceMapOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    const TypeConverter &converter = *getTypeConverter();
    Block &body = op.getBody().front();
    SmallVector<Value> inputs{op.getInputSequence()};
    llvm::append_range(inputs, op.getAdditionalInputs());
    SmallVector<ValueRange> converted{adaptor.getInputSequence()};
    llvm::append_range(converted, adaptor.getAdditionalInputs());
    if (body.getNumArguments() != inputs.size() ||
        body.getTerminator()->getNumOperands() != op.getNumResults())
      return reject(rewriter, op, "the body's inputs or outputs do not match the op's");

    // The element type of every sequence input and output.
    SmallVector<RankedTensorType> inElements, outElements;
    for (Value input : inputs) {
      RankedTensorType element;
      if (isa<SeqType>(input.getType()) &&
          !(element = getSequenceElementType(converter, input.getType())))
        return reject(rewriter, op, "the rank of an input sequence's elements is unknown");
      inElements.push_back(element);
    }
    for (auto [result, yielded] :
         llvm::zip(op.getResults(), body.getTerminator()->getOperandTypes())) {
      RankedTensorType element = getSequenceElementType(converter, result.getType());
      auto yieldType = dyn_cast_or_null<RankedTensorType>(converter.convertType(yielded));
      if (!element || !yieldType || yieldType.getRank() != element.getRank())
        return reject(rewriter, op,
                      "the rank of an output sequence's elements is unknown or "
                      "differs from what the body yields");
      outElements.push_back(element);
    }

    Location loc = op.getLoc();
    PackedSequence first = unpackOperand(converted.front());
    Value count = sequenceLength(rewriter, loc, first);
    for (auto [i, element] : llvm::enumerate(inElements))
      if (i > 0 && element)
        checkSizesEqual(rewriter, loc, op, count,
                        sequenceLength(rewriter, loc, unpackOperand(converted[i])),
                        "the sequence inputs have lengths {} and {}");

    // An scf.while, not an scf.for: the outputs grow, and the canonicalizer would give an
    // scf.for's carried tensors the static size of their (empty) initial values.
    SmallVector<Value> init{arith::ConstantIndexOp::create(rewriter, loc, 0)};
    for (RankedTensorType element : outElements) {
      PackedSequence empty = packTensors(rewriter, loc, {}, element);
      init.push_back(empty.data);
      init.push_back(empty.shapes);
    }
    SmallVector<Type> types;
    for (Value v : init)
      types.push_back(v.getType());
    auto loop = scf::WhileOp::create(
        rewriter, loc, types, init,
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value more = arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, args[0], count);
          scf::ConditionOp::create(b, l, more, args);
        },
        [](OpBuilder &, Location, ValueRange) {});
    Block *loopBody = loop.getAfterBody();
    Value k = loopBody->getArgument(0);

    SmallVector<Value> args;
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loopBody);
      for (auto [element, values] : llvm::zip(inElements, converted)) {
        if (element)
          args.push_back(extractElement(rewriter, loc, op, unpackOperand(values), k, element));
        else
          args.push_back(values.front());
      }
    }
    for (auto [arg, value] : llvm::zip(body.getArguments(), args)) {
      auto argType = dyn_cast<RankedTensorType>(arg.getType());
      auto valueType = dyn_cast<RankedTensorType>(value.getType());
      if (!argType || !valueType || argType.getRank() != valueType.getRank())
        return reject(rewriter, op, "a body input's rank differs from the op's input");
    }
    YieldOp yield = mergeBody(rewriter, loc, op.getBody(), loopBody, args);
    rewriter.setInsertionPoint(yield);
    SmallVector<Value> next{
        arith::AddIOp::create(rewriter, loc, k, arith::ConstantIndexOp::create(rewriter, loc, 1))};
    for (auto [j, value] : llvm::enumerate(yield.getValues())) {
      auto yieldType = cast<RankedTensorType>(converter.convertType(value.getType()));
      Value tensor = adapt(rewriter, loc, value, yieldType);
      PackedSequence acc{loopBody->getArgument(1 + 2 * j), loopBody->getArgument(2 + 2 * j)};
      PackedSequence grown = insertElement(rewriter, loc, acc, k, tensor);
      next.push_back(castTo(rewriter, loc, grown.data, types[1 + 2 * j]));
      next.push_back(castTo(rewriter, loc, grown.shapes, types[2 + 2 * j]));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);

    SmallVector<SmallVector<Value>> replacements;
    for (unsigned j = 0; j < op.getNumResults(); ++j)
      replacements.push_back({loop.getResult(1 + 2 * j), loop.getResult(2 + 2 * j)});
    rewriter.replaceOpWithMultiple(op, replacements);
    return success();
  }
};

} // namespace

void populateSequenceMapPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<SequenceMapLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
