//===- Loop.cpp - Lower onnx.Loop to scf.while ----------------------------===//
//
// scf.while carries (iteration, cond, v...); scan outputs are written into a buffer of M
// rows (so Loop with scan outputs needs the trip count M) and sliced afterwards. A carried
// sequence is carried as its two tensors (SequenceValue.h): the body block's signature is
// converted 1:N, and its onnx.Yield is lowered once what it yields is (YieldInLoopLowering).
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
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

/// Discardable attribute on the scf.while of a Loop whose yield is lowered later
/// (YieldInLoopLowering): the number of scan outputs.
constexpr llvm::StringLiteral kScanOutputsAttr = "kiln.loop_scan_outputs";

/// Ends the scf.while body of a Loop: (iteration + 1, cond, the carried values adapted to
/// the loop's types, and each scan buffer with this iteration's row written).
void buildLoopYield(ConversionPatternRewriter &rewriter, Location loc, scf::WhileOp whileOp,
                    Value cond, ValueRange carried, ValueRange scans) {
  Block *after = whileOp.getAfterBody();
  Value iter = after->getArgument(0);
  TypeRange types = whileOp.getResultTypes();
  Type i64 = rewriter.getI64Type();
  SmallVector<Value> next{
      arith::AddIOp::create(rewriter, loc, iter, arith::ConstantIntOp::create(rewriter, loc, i64, 1))};
  next.push_back(extractScalar(rewriter, loc, cond));
  for (auto [j, value] : llvm::enumerate(carried))
    next.push_back(adapt(rewriter, loc, value, types[2 + j]));
  Value row = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), iter);
  for (auto [k, value] : llvm::enumerate(scans)) {
    Value buffer = after->getArgument(2 + carried.size() + k);
    auto bufferType = cast<RankedTensorType>(buffer.getType());
    int64_t rank = bufferType.getRank();
    auto elemType =
        RankedTensorType::get(bufferType.getShape().drop_front(), bufferType.getElementType());
    Value elem = adapt(rewriter, loc, value, elemType);
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
}

struct LoopLowering : OpConversionPattern<LoopOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(LoopOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    const TypeConverter &converter = *getTypeConverter();
    Block &body = op.getBody().front();
    int64_t numCarried = op.getVInitial().size();
    int64_t numScan = op.getNumResults() - numCarried;
    if (body.getNumArguments() != 2 + numCarried ||
        body.getTerminator()->getNumOperands() != 1 + numCarried + numScan)
      return reject(rewriter, op, "the body's signature does not match the loop's operands");
    // A carried sequence is two carried tensors (SequenceValue.h).
    FailureOr<SmallVector<SmallVector<Type, 2>>> carriedTypes =
        convertValueTypes(converter, TypeRange(op.getResultTypes()).take_front(numCarried));
    FailureOr<SmallVector<Type>> scanTypes =
        convertRanked(converter, TypeRange(op.getResultTypes()).drop_front(numCarried));
    if (failed(carriedTypes) || failed(scanTypes) || !hasRankedOrSequenceBody(op.getBody()))
      return reject(rewriter, op, "a loop value is not a ranked tensor or a sequence of them "
                                  "(optionals are not supported)");
    for (int64_t i = 0; i < 2; ++i) {
      auto type = dyn_cast<RankedTensorType>(body.getArgument(i).getType());
      if (!type || type.getRank() != 0)
        return reject(rewriter, op, "the iteration number or condition is not a scalar");
    }
    bool hasSequences = false;
    SmallVector<Type> flatCarried;
    for (const SmallVector<Type, 2> &t : *carriedTypes) {
      hasSequences |= t.size() > 1;
      llvm::append_range(flatCarried, t);
    }
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
      tripCount = extractScalar(rewriter, loc, adaptor.getM().front());
    for (int64_t k = 0; k < numScan; ++k) {
      auto type = cast<RankedTensorType>((*scanTypes)[k]);
      if (type.getRank() < 1)
        return reject(rewriter, op, "a scan output is not of rank >= 1");
      SmallVector<int64_t> shape(type.getShape());
      shape[0] = ShapedType::kDynamic;
      if (llvm::any_of(ArrayRef(shape).drop_front(), ShapedType::isDynamic))
        return reject(rewriter, op, "a scan output has a dynamic element shape");
      Value rows = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(), tripCount);
      buffers.push_back(createEmpty(
          rewriter, loc, RankedTensorType::get(shape, type.getElementType()), {rows}));
    }

    SmallVector<Value> inits{arith::ConstantIntOp::create(rewriter, loc, i64, 0)};
    inits.push_back(hasCond ? extractScalar(rewriter, loc, adaptor.getCond().front())
                            : arith::ConstantIntOp::create(rewriter, loc, i1, 1).getResult());
    for (auto [values, types] : llvm::zip(adaptor.getVInitial(), *carriedTypes))
      for (auto [value, type] : llvm::zip(values, types))
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
    llvm::append_range(args, after->getArguments().slice(2, flatCarried.size()));
    if (hasSequences) {
      // A carried sequence enters the body as its two tensors.
      TypeConverter::SignatureConversion signature(body.getNumArguments());
      for (BlockArgument arg : body.getArguments()) {
        if (isa<SeqType>(arg.getType()))
          signature.addInputs(arg.getArgNumber(),
                              getPackedSequenceTypes(
                                  getSequenceElementType(converter, arg.getType())));
        else
          signature.addInputs(arg.getArgNumber(), arg.getType());
      }
      rewriter.applySignatureConversion(&body, signature, &converter);
    }
    YieldOp yield = mergeBody(rewriter, loc, op.getBody(), after, args);

    if (hasSequences) {
      // The yielded sequences have their two tensors once their producers are lowered:
      // YieldInLoopLowering ends the body then.
      whileOp->setAttr(kScanOutputsAttr, rewriter.getI64IntegerAttr(numScan));
    } else {
      rewriter.setInsertionPoint(yield);
      ValueRange yielded = yield.getValues();
      buildLoopYield(rewriter, loc, whileOp, yielded[0], yielded.slice(1, numCarried),
                     yielded.drop_front(1 + numCarried));
      rewriter.eraseOp(yield);
    }

    // The scan outputs hold as many rows as iterations ran.
    rewriter.setInsertionPointAfter(whileOp);
    SmallVector<SmallVector<Value>> results;
    unsigned next = 2;
    for (const SmallVector<Type, 2> &t : *carriedTypes) {
      results.emplace_back(whileOp.getResults().slice(next, t.size()));
      next += t.size();
    }
    Value count = arith::IndexCastOp::create(rewriter, loc, rewriter.getIndexType(),
                                             whileOp.getResult(0));
    for (int64_t k = 0; k < numScan; ++k) {
      Value buffer = whileOp.getResult(next + k);
      SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, buffer);
      sizes[0] = count;
      int64_t rank = sizes.size();
      Value rows = tensor::ExtractSliceOp::create(
          rewriter, loc, buffer, SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(0)), sizes,
          SmallVector<OpFoldResult>(rank, rewriter.getIndexAttr(1)));
      results.push_back({castWithCheck(rewriter, loc, op, rows, (*scanTypes)[k],
                                       "scan output " + Twine(k))});
    }
    rewriter.replaceOpWithMultiple(op, results);
    return success();
  }
};

/// The onnx.Yield of a Loop body that carries a sequence, once in its scf.while and its
/// operands lowered: the end of the body (buildLoopYield).
struct YieldInLoopLowering : OpConversionPattern<YieldOp> {
  using OpConversionPattern::OpConversionPattern;

  LogicalResult matchAndRewrite(YieldOp op, OneToNOpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    auto whileOp = dyn_cast<scf::WhileOp>(op->getParentOp());
    auto numScanAttr = whileOp ? whileOp->getAttrOfType<IntegerAttr>(kScanOutputsAttr)
                               : IntegerAttr();
    if (!numScanAttr)
      return failure();
    int64_t numScan = numScanAttr.getInt();
    ArrayRef<ValueRange> groups = adaptor.getOperands();
    if (groups.empty() || static_cast<int64_t>(groups.size()) < 1 + numScan)
      return reject(rewriter, op, "the body yields fewer values than the loop carries");
    SmallVector<Value> carried, scans;
    for (ValueRange group : groups.slice(1, groups.size() - 1 - numScan))
      llvm::append_range(carried, group);
    for (ValueRange group : groups.take_back(numScan))
      scans.push_back(group.front());
    if (whileOp.getNumResults() != 2 + carried.size() + scans.size())
      return reject(rewriter, op, "the body yields values of other kinds than the loop carries");
    rewriter.setInsertionPoint(op);
    buildLoopYield(rewriter, op.getLoc(), whileOp, groups.front().front(), carried, scans);
    rewriter.eraseOp(op);
    rewriter.modifyOpInPlace(whileOp, [&] { whileOp->removeAttr(kScanOutputsAttr); });
    return success();
  }
};

/// Scan (opset 9+): for t in [0, L): states = body(states, inputs[t]); outputs[t] = ...

} // namespace

void populateLoopPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<LoopLowering, YieldInLoopLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
