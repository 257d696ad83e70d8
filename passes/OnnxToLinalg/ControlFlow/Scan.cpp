//===- Scan.cpp - Lower onnx.Scan to scf.for ------------------------------===//
//
// An scf.for over the scan axis; inputs are read and outputs written with extract_slice /
// insert_slice (reverse directions index from the end).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

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

} // namespace

void populateScanPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<ScanLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
