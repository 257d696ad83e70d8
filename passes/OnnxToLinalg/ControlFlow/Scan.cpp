//===- Scan.cpp - Lower onnx.Scan to scf.for ------------------------------===//
//
// An scf.for over the scan axis; inputs are read and outputs written with extract_slice /
// insert_slice (reverse directions index from the end).
//
// Scan-8 (onnx.ScanV8) batches: states are [B, ...], inputs [B, T, ...] (batch axis 0,
// scan axis 1), and the body runs per batch entry on its own sequence of
// sequence_lens[b] <= T steps. It becomes an scf.for over the batch around the scan's
// scf.for; scan outputs are [B, T, ...], zero past each sequence's end (as ONNX Runtime
// pads them).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"
#include "passes/OnnxToLinalg/Support/ValueChecks.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct ScanLowering : OpConversionPattern<ScanOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScanOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Type>> resultTypes =
        convertRanked(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedBody(op.getBody()))
      return reject(rewriter, op, "a scan value is not a ranked tensor");
    ValueRange operands = adaptor.getInitialStateAndScanInputs();
    int64_t numInputs = op.getNumScanInputs();
    int64_t numStates = static_cast<int64_t>(operands.size()) - numInputs;
    int64_t numOutputs = op.getNumResults() - numStates;
    if (numInputs < 1 || numStates < 0 || numOutputs < 0 || numStates + numOutputs == 0)
      return reject(rewriter, op, "num_scan_inputs does not match the operands");
    Block &body = op.getBody().front();
    if (body.getNumArguments() != operands.size() ||
        static_cast<int64_t>(body.getTerminator()->getNumOperands()) != numStates + numOutputs)
      return reject(rewriter, op, "the body's signature does not match the scan's operands");
    auto attrOr = [](std::optional<ArrayRef<int64_t>> attr, int64_t n) {
      SmallVector<int64_t> values(n, 0);
      if (attr)
        for (auto [i, v] : llvm::enumerate(*attr))
          if (static_cast<int64_t>(i) < n)
            values[i] = v;
      return values;
    };
    SmallVector<int64_t> inAxes = attrOr(op.getScanInputAxes(), numInputs);
    SmallVector<int64_t> inDirs = attrOr(op.getScanInputDirections(), numInputs);
    SmallVector<int64_t> outAxes = attrOr(op.getScanOutputAxes(), numOutputs);
    SmallVector<int64_t> outDirs = attrOr(op.getScanOutputDirections(), numOutputs);
    Location loc = op.getLoc();

    SmallVector<Value> inputs(operands.drop_front(numStates));
    for (auto [j, input] : llvm::enumerate(inputs)) {
      RankedTensorType type = getRankedInputType(rewriter, op, input, "a scan input");
      if (!type)
        return failure();
      FailureOr<int64_t> normalized =
          normalizeAxis(inAxes[j], type.getRank(), /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "a scan input axis is out of range");
      inAxes[j] = *normalized;
    }
    Value length = getDimValue(rewriter, loc, inputs[0], inAxes[0]);

    SmallVector<Value> inits;
    for (int64_t i = 0; i < numStates; ++i)
      inits.push_back(adapt(rewriter, loc, operands[i], (*resultTypes)[i]));
    for (int64_t k = 0; k < numOutputs; ++k) {
      auto type = cast<RankedTensorType>((*resultTypes)[numStates + k]);
      FailureOr<int64_t> normalized =
          normalizeAxis(outAxes[k], type.getRank(), /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "a scan output axis is out of range");
      outAxes[k] = *normalized;
      SmallVector<Value> dynamic;
      for (int64_t d = 0; d < type.getRank(); ++d) {
        if (!type.isDynamicDim(d))
          continue;
        if (d != outAxes[k])
          return reject(rewriter, op, "a scan output has a dynamic element shape");
        dynamic.push_back(length);
      }
      inits.push_back(createEmpty(rewriter, loc, type, dynamic));
    }

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value last = arith::SubIOp::create(rewriter, loc, length, one);
    auto forOp = scf::ForOp::create(rewriter, loc, zero, length, one, inits);
    Block *loop = forOp.getBody();
    rewriter.setInsertionPointToStart(loop);
    Value t = forOp.getInductionVar();
    Value reversed = arith::SubIOp::create(rewriter, loc, last, t);
    auto unitStrides = [&](int64_t rank) {
      return SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1));
    };

    SmallVector<Value> args(forOp.getRegionIterArgs().take_front(numStates));
    for (auto [j, input] : llvm::enumerate(inputs)) {
      auto type = cast<RankedTensorType>(input.getType());
      int64_t axis = inAxes[j];
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = inDirs[j] ? reversed : t;
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, input);
      sizes[axis] = rewriter.getIndexAttr(1);
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + axis);
      auto sliceType = RankedTensorType::get(shape, type.getElementType());
      args.push_back(tensor::ExtractSliceOp::create(rewriter, loc, sliceType, input, offsets,
                                                    sizes, unitStrides(type.getRank())));
    }
    YieldOp yield = mergeBody(rewriter, loc, op.getBody(), loop, args);
    rewriter.setInsertionPoint(yield);
    ValueRange yielded = yield.getValues();
    SmallVector<Value> next;
    for (int64_t i = 0; i < numStates; ++i)
      next.push_back(adapt(rewriter, loc, yielded[i], (*resultTypes)[i]));
    for (int64_t k = 0; k < numOutputs; ++k) {
      Value buffer = forOp.getRegionIterArgs()[numStates + k];
      auto type = cast<RankedTensorType>(buffer.getType());
      int64_t axis = outAxes[k];
      SmallVector<int64_t> shape(type.getShape());
      shape.erase(shape.begin() + axis);
      Value elem = adapt(rewriter, loc, yielded[numStates + k],
                         RankedTensorType::get(shape, type.getElementType()));
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      offsets[axis] = outDirs[k] ? reversed : t;
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d < type.getRank(); ++d)
        sizes.push_back(rewriter.getIndexAttr(d == axis ? 1 : type.getDimSize(d)));
      next.push_back(tensor::InsertSliceOp::create(rewriter, loc, elem, buffer, offsets, sizes,
                                                   unitStrides(type.getRank())));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);
    rewriter.replaceOp(op, forOp.getResults());
    return success();
  }
};

struct ScanV8Lowering : OpConversionPattern<ScanV8Op> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(ScanV8Op op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Type>> resultTypes =
        convertRanked(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedBody(op.getBody()))
      return reject(rewriter, op, "a scan value is not a ranked tensor");
    ValueRange operands = adaptor.getInitialStateAndScanInputs();
    int64_t numInputs = op.getNumScanInputs();
    int64_t numStates = static_cast<int64_t>(operands.size()) - numInputs;
    int64_t numOutputs = op.getNumResults() - numStates;
    if (numInputs < 1 || numStates < 0 || numOutputs < 0)
      return reject(rewriter, op, "num_scan_inputs does not match the operands");
    Block &body = op.getBody().front();
    if (body.getNumArguments() != operands.size() ||
        static_cast<int64_t>(body.getTerminator()->getNumOperands()) != numStates + numOutputs)
      return reject(rewriter, op, "the body's signature does not match the scan's operands");
    SmallVector<int64_t> dirs(numInputs, 0);
    if (std::optional<ArrayRef<int64_t>> attr = op.getDirections())
      for (auto [j, v] : llvm::enumerate(*attr))
        if (static_cast<int64_t>(j) < numInputs)
          dirs[j] = v;
    Location loc = op.getLoc();
    SmallVector<Value> inputs(operands.drop_front(numStates));
    for (Value input : inputs) {
      RankedTensorType type = getRankedInputType(rewriter, op, input, "a scan input");
      if (!type)
        return failure();
      if (type.getRank() < 2)
        return reject(rewriter, op, "a scan input is not of rank >= 2 [B, T, ...]");
    }
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, inputs[0], 0);
    OpFoldResult maxLength = tensor::getMixedSize(rewriter, loc, inputs[0], 1);
    for (auto [j, input] : llvm::enumerate(inputs)) {
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, input, 0), batch,
                      "scan input " + Twine(j) + " has batch size {}, scan input 0 {}");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, input, 1), maxLength,
                      "scan input " + Twine(j) + " has sequence length {}, scan input 0 {}");
    }
    Value lens = adaptor.getSequenceLens();
    bool hasLens = !isa<NoneType>(lens.getType());
    if (hasLens) {
      RankedTensorType type = getRankedInputType(rewriter, op, lens, "sequence_lens");
      if (!type)
        return failure();
      if (type.getRank() != 1)
        return reject(rewriter, op, "sequence_lens is not 1-D [B]");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, lens, 0), batch,
                      "sequence_lens has {} entries but the batch size is {}");
    }

    // Result buffers: the states start as the initial states, the scan outputs as zeros.
    SmallVector<Value> inits;
    for (int64_t i = 0; i < numStates; ++i) {
      auto type = cast<RankedTensorType>((*resultTypes)[i]);
      if (type.getRank() < 1)
        return reject(rewriter, op, "a state is not of rank >= 1 [B, ...]");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, operands[i], 0),
                      batch, "state " + Twine(i) + " has batch size {}, the scan inputs {}");
      inits.push_back(adapt(rewriter, loc, operands[i], type));
    }
    for (int64_t k = 0; k < numOutputs; ++k) {
      auto type = cast<RankedTensorType>((*resultTypes)[numStates + k]);
      if (type.getRank() < 2)
        return reject(rewriter, op, "a scan output is not of rank >= 2 [B, T, ...]");
      if (llvm::any_of(type.getShape().drop_front(2), ShapedType::isDynamic))
        return reject(rewriter, op, "a scan output has a dynamic element shape");
      SmallVector<Value> dynamic;
      if (type.isDynamicDim(0))
        dynamic.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, batch));
      if (type.isDynamicDim(1))
        dynamic.push_back(getValueOrCreateConstantIndexOp(rewriter, loc, maxLength));
      Value empty = createEmpty(rewriter, loc, type, dynamic);
      inits.push_back(fill(rewriter, loc, empty,
                           createScalarConstant(rewriter, loc, type.getElementType(), 0)));
    }

    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value batchSize = getValueOrCreateConstantIndexOp(rewriter, loc, batch);
    Value maxSteps = getValueOrCreateConstantIndexOp(rewriter, loc, maxLength);
    auto batchLoop = scf::ForOp::create(rewriter, loc, zero, batchSize, one, inits);
    OpBuilder::InsertionGuard guard(rewriter);
    rewriter.setInsertionPointToStart(batchLoop.getBody());
    Value b = batchLoop.getInductionVar();
    ValueRange buffers = batchLoop.getRegionIterArgs();
    auto unitStrides = [&](int64_t rank) {
      return SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1));
    };
    // `value`'s entries at the leading `indices`, without those dims.
    auto sliceAt = [&](Value value, ArrayRef<Value> indices) {
      auto type = cast<RankedTensorType>(value.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, value);
      for (auto [d, index] : llvm::enumerate(indices)) {
        offsets[d] = index;
        sizes[d] = rewriter.getIndexAttr(1);
      }
      auto sliceType = RankedTensorType::get(type.getShape().drop_front(indices.size()),
                                             type.getElementType());
      return tensor::ExtractSliceOp::create(rewriter, loc, sliceType, value, offsets, sizes,
                                            unitStrides(type.getRank()))
          .getResult();
    };
    auto insertAt = [&](Value elem, Value into, ArrayRef<Value> indices) {
      auto type = cast<RankedTensorType>(into.getType());
      SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, into);
      for (auto [d, index] : llvm::enumerate(indices)) {
        offsets[d] = index;
        sizes[d] = rewriter.getIndexAttr(1);
      }
      auto elemType = RankedTensorType::get(type.getShape().drop_front(indices.size()),
                                            type.getElementType());
      return tensor::InsertSliceOp::create(rewriter, loc, adapt(rewriter, loc, elem, elemType),
                                           into, offsets, sizes, unitStrides(type.getRank()))
          .getResult();
    };

    // This entry's sequence length, checked to be in [0, T].
    Value length = maxSteps;
    if (hasLens) {
      Value len = tensor::ExtractOp::create(rewriter, loc, lens, ValueRange{b});
      Value maxLen = arith::IndexCastOp::create(rewriter, loc, len.getType(), maxSteps);
      Value zeroLen = arith::ConstantIntOp::create(rewriter, loc, len.getType(), 0);
      Value ok = arith::AndIOp::create(
          rewriter, loc,
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sge, len, zeroLen),
          arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::sle, len, maxLen));
      emitCheck(rewriter, op, ok, len, maxLen, kilnir::kCheckIndex,
                "sequence length {} is not in [0, {}]");
      length = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), len);
    }
    SmallVector<Value> stepInits;
    for (int64_t i = 0; i < numStates; ++i)
      stepInits.push_back(sliceAt(buffers[i], {b}));
    llvm::append_range(stepInits, buffers.drop_front(numStates));
    auto stepLoop = scf::ForOp::create(rewriter, loc, zero, length, one, stepInits);
    {
      OpBuilder::InsertionGuard stepGuard(rewriter);
      rewriter.setInsertionPointToStart(stepLoop.getBody());
      Value t = stepLoop.getInductionVar();
      Value last = arith::SubIOp::create(rewriter, loc, length, one);
      Value reversed = arith::SubIOp::create(rewriter, loc, last, t);
      SmallVector<Value> args(stepLoop.getRegionIterArgs().take_front(numStates));
      for (auto [j, input] : llvm::enumerate(inputs))
        args.push_back(sliceAt(input, {b, dirs[j] ? reversed : t}));
      YieldOp yield = mergeBody(rewriter, loc, op.getBody(), stepLoop.getBody(), args);
      rewriter.setInsertionPoint(yield);
      ValueRange yielded = yield.getValues();
      SmallVector<Value> next;
      for (int64_t i = 0; i < numStates; ++i)
        next.push_back(adapt(rewriter, loc, yielded[i], stepInits[i].getType()));
      for (int64_t k = 0; k < numOutputs; ++k)
        next.push_back(insertAt(yielded[numStates + k],
                                stepLoop.getRegionIterArgs()[numStates + k], {b, t}));
      scf::YieldOp::create(rewriter, loc, next);
      rewriter.eraseOp(yield);
    }
    SmallVector<Value> batchNext;
    for (int64_t i = 0; i < numStates; ++i)
      batchNext.push_back(insertAt(stepLoop.getResult(i), buffers[i], {b}));
    llvm::append_range(batchNext, stepLoop.getResults().drop_front(numStates));
    scf::YieldOp::create(rewriter, loc, batchNext);
    rewriter.replaceOp(op, batchLoop.getResults());
    return success();
  }
};

} // namespace

void populateScanPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScanLowering, ScanV8Lowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
