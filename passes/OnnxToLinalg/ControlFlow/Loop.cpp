//===- ControlFlow.cpp - Lower If, Loop and Scan to scf ---------------------===//
//
// The subgraph of each op is moved into the scf op that replaces it (its onnx ops are
// legalized afterwards by the same conversion, since the driver collected them up front) and
// its onnx.Yield becomes an scf.yield / scf.condition:
//   If   -> scf.if, each branch's results cast to the op's result types;
//   Loop -> scf.while carrying (iteration, cond, v...), scan outputs written into a buffer of
//           M rows (so Loop with scan outputs needs the trip count M) and sliced afterwards;
//   Scan -> scf.for over the scan axis, inputs read and outputs written with
//           extract_slice / insert_slice (reverse directions index from the end).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Adapts `value` to `type`: element types that differ only in signedness are reinterpreted
/// with a cast the conversion reconciles, shapes that differ in static information get a
/// tensor.cast.
Value adapt(OpBuilder &b, Location loc, Value value, Type type) {
  if (value.getType() == type)
    return value;
  auto from = cast<RankedTensorType>(value.getType());
  auto to = cast<RankedTensorType>(type);
  if (from.getElementType() != to.getElementType()) {
    auto reinterpreted = RankedTensorType::get(from.getShape(), to.getElementType());
    value = UnrealizedConversionCastOp::create(b, loc, TypeRange{reinterpreted}, value)
                .getResult(0);
  }
  return castTo(b, loc, value, type);
}

/// Returns the converted ranked tensor types of `types`, or failure if one is not a ranked
/// tensor (a sequence, an optional, or of unknown rank).
FailureOr<SmallVector<Type>> convertRanked(const TypeConverter &converter, TypeRange types) {
  SmallVector<Type> result;
  for (Type type : types) {
    auto converted = dyn_cast_or_null<RankedTensorType>(converter.convertType(type));
    if (!converted)
      return failure();
    result.push_back(converted);
  }
  return result;
}

/// Moves the single block of `region` to the end of `dest`, its arguments replaced by
/// `args` (adapted to their types), and returns the onnx.Yield that ends it.
YieldOp mergeBody(ConversionPatternRewriter &rewriter, Location loc, Region &region, Block *dest,
                  ValueRange args) {
  Block &body = region.front();
  SmallVector<Value> replacements;
  OpBuilder::InsertionGuard guard(rewriter);
  rewriter.setInsertionPointToEnd(dest);
  for (auto [arg, value] : llvm::zip(body.getArguments(), args))
    replacements.push_back(adapt(rewriter, loc, value, arg.getType()));
  auto yield = cast<YieldOp>(body.getTerminator());
  rewriter.mergeBlocks(&body, dest, replacements);
  return yield;
}

/// Checks that every body argument and yielded value is a ranked tensor.
bool hasRankedBody(Region &region) {
  Block &body = region.front();
  auto ranked = [](Type type) { return isa<RankedTensorType>(type); };
  return llvm::all_of(body.getArgumentTypes(), ranked) &&
         llvm::all_of(body.getTerminator()->getOperandTypes(), ranked);
}

struct IfLowering : OpConversionPattern<IfOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(IfOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    FailureOr<SmallVector<Type>> resultTypes =
        convertRanked(*getTypeConverter(), op.getResultTypes());
    if (failed(resultTypes) || !hasRankedBody(op.getThenBranch()) ||
        !hasRankedBody(op.getElseBranch()))
      return reject(rewriter, op, "a branch output is not a ranked tensor (sequences and "
                                  "optionals are not supported)");
    if (op.getNumResults() == 0)
      return reject(rewriter, op, "the op has no outputs");
    Location loc = op.getLoc();
    Value cond = extractScalar(rewriter, loc, adaptor.getCond());
    auto ifOp = scf::IfOp::create(rewriter, loc, *resultTypes, cond, /*addThenBlock=*/true,
                                  /*addElseBlock=*/true);
    for (auto [from, to] : {std::pair<Region *, Region *>{&op.getThenBranch(),
                                                          &ifOp.getThenRegion()},
                            {&op.getElseBranch(), &ifOp.getElseRegion()}}) {
      Block *dest = &to->front();
      YieldOp yield = mergeBody(rewriter, loc, *from, dest, {});
      rewriter.setInsertionPoint(yield);
      SmallVector<Value> values;
      for (auto [value, type] : llvm::zip(yield.getValues(), *resultTypes))
        values.push_back(adapt(rewriter, loc, value, type));
      scf::YieldOp::create(rewriter, loc, values);
      rewriter.eraseOp(yield);
    }
    rewriter.replaceOp(op, ifOp.getResults());
    return success();
  }
};

/// Loop: while (i < M && cond) { cond, v... = body(i, cond, v...); scan[i] = ...; ++i }.
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
      auto type = dyn_cast<RankedTensorType>(input.getType());
      if (!type)
        return reject(rewriter, op, "a scan input is not a ranked tensor");
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

void populateControlFlowPatterns(const OnnxTypeConverter &converter,
                                 RewritePatternSet &patterns) {
  patterns.add<IfLowering, LoopLowering, ScanLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
