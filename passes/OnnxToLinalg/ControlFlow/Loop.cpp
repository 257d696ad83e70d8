//===- Loop.cpp - Lower onnx.Loop to scf.while ----------------------------===//
//
// scf.while carries (iteration, cond, v...); scan outputs are written into a buffer of M
// rows (so Loop with scan outputs needs the trip count M) and sliced afterwards.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ControlFlow/Regions.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct LoopLowering : OpConversionPattern<LoopOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LoopOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Type>> resultTypes =
        convertRanked(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedBody(op.getBody()))
      return reject(rewriter, op, "a loop value is not a ranked tensor (sequences and "
                                  "optionals are not supported)");
    Block &body = op.getBody().front();
    int64_t numCarried = op.getVInitial().size();
    int64_t numScan = op.getNumResults() - numCarried;
    if (body.getNumArguments() != 2 + numCarried ||
        body.getTerminator()->getNumOperands() != 1 + numCarried + numScan)
      return reject(rewriter, op, "the body's signature does not match the loop's operands");
    for (int64_t i = 0; i < 2; ++i)
      if (cast<RankedTensorType>(body.getArgument(i).getType()).getRank() != 0)
        return reject(rewriter, op, "the iteration number or condition is not a scalar");
    bool hasTripCount = !isa<NoneType>(op.getM().getType());
    bool hasCond = !isa<NoneType>(op.getCond().getType());
    if (numScan > 0 && !hasTripCount)
      return reject(rewriter, op, "scan outputs need the trip count M to size their buffer");
    Location loc = op.getLoc();
    Type i64 = rewriter.getI64Type(), i1 = rewriter.getI1Type();

    // Scan outputs go into buffers of M rows, the element shape taken from the result.
    SmallVector<Value> buffers;
    Value tripCount;
    if (hasTripCount)
      tripCount = extractScalar(rewriter, loc, adaptor.getM());
    for (int64_t k = 0; k < numScan; ++k) {
      auto type = cast<RankedTensorType>((*resultTypes)[numCarried + k]);
      if (type.getRank() < 1)
        return reject(rewriter, op, "a scan output is not of rank >= 1");
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = ShapedType::kDynamic;
      if (llvm::any_of(ArrayRef(shape).drop_front(), ShapedType::isDynamic))
        return reject(rewriter, op, "a scan output has a dynamic element shape");
      Value rows = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), tripCount);
      buffers.push_back(createEmpty(rewriter, loc, RankedTensorType::get(shape, type.getElementType()),
                                    {rows}));
    }

    SmallVector<Value> inits{arith::ConstantIntOp::create(rewriter, loc, i64, 0)};
    inits.push_back(hasCond ? extractScalar(rewriter, loc, adaptor.getCond())
                            : arith::ConstantIntOp::create(rewriter, loc, i1, 1).getResult());
    for (auto [value, type] : llvm::zip(adaptor.getVInitial(), *resultTypes))
      inits.push_back(adapt(rewriter, loc, value, type));
    llvm::append_range(inits, buffers);
    SmallVector<Type> types = llvm::to_vector(ValueRange(inits).getTypes());
    SmallVector<Location> locs(types.size(), loc);

    auto whileOp = scf::WhileOp::create(rewriter, loc, types, inits);
    Block *before = rewriter.createBlock(&whileOp.getBefore(), {}, types, locs);
    {
      Value go = before->getArgument(1);
      if (hasTripCount) {
        Value inRange = arith::CmpIOp::create(rewriter, loc, arith::CmpIPredicate::slt,
                                              before->getArgument(0), tripCount);
        go = arith::AndIOp::create(rewriter, loc, go, inRange);
      }
      scf::ConditionOp::create(rewriter, loc, go, before->getArguments());
    }
    Block *after = rewriter.createBlock(&whileOp.getAfter(), {}, types, locs);
    Value iter = after->getArgument(0);
    SmallVector<Value> args{
        tensor::FromElementsOp::create(rewriter, loc, RankedTensorType::get({}, i64), iter),
        tensor::FromElementsOp::create(rewriter, loc, RankedTensorType::get({}, i1),
                                       after->getArgument(1))};
    llvm::append_range(args, after->getArguments().slice(2, numCarried));
    YieldOp yield = mergeBody(rewriter, loc, op.getBody(), after, args);

    rewriter.setInsertionPoint(yield);
    ValueRange yielded = yield.getValues();
    SmallVector<Value> next{arith::AddIOp::create(
        rewriter, loc, iter, arith::ConstantIntOp::create(rewriter, loc, i64, 1))};
    next.push_back(extractScalar(rewriter, loc, yielded[0]));
    for (int64_t j = 0; j < numCarried; ++j)
      next.push_back(adapt(rewriter, loc, yielded[1 + j], types[2 + j]));
    Value row = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), iter);
    for (int64_t k = 0; k < numScan; ++k) {
      Value buffer = after->getArgument(2 + numCarried + k);
      auto bufferType = cast<RankedTensorType>(buffer.getType());
      int64_t rank = bufferType.getRank();
      auto elemType = RankedTensorType::get(bufferType.getShape().drop_front(),
                                            bufferType.getElementType());
      Value elem = adapt(rewriter, loc, yielded[1 + numCarried + k], elemType);
      SmallVector<OpFoldResult> offsets(rank, rewriter.getIndexAttr(0));
      SmallVector<OpFoldResult> sizes{rewriter.getIndexAttr(1)};
      for (int64_t d = 1; d < rank; ++d)
        sizes.push_back(rewriter.getIndexAttr(bufferType.getDimSize(d)));
      SmallVector<OpFoldResult> strides(rank, rewriter.getIndexAttr(1));
      offsets[0] = row;
      next.push_back(
          tensor::InsertSliceOp::create(rewriter, loc, elem, buffer, offsets, sizes, strides));
    }
    scf::YieldOp::create(rewriter, loc, next);
    rewriter.eraseOp(yield);

    // The scan outputs hold as many rows as iterations ran.
    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<Value> results(whileOp.getResults().slice(2, numCarried));
    Value count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                             whileOp.getResult(0));
    for (int64_t k = 0; k < numScan; ++k) {
      Value buffer = whileOp.getResult(2 + numCarried + k);
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, buffer);
      sizes[0] = count;
      int64_t rank = sizes.size();
      Value rows = tensor::ExtractSliceOp::create(
          rewriter, loc, buffer, SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(0)), sizes,
          SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1)));
      results.push_back(castWithCheck(rewriter, loc, op, rows, (*resultTypes)[numCarried + k],
                                      "scan output " + Twine(k)));
    }
    rewriter.replaceOp(op, results);
    return success();
  }
};

/// Scan (opset 9+): for t in [0, L): states = body(states, inputs[t]); outputs[t] = ...

} // namespace

void populateLoopPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LoopLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
