//===- Reduce.cpp - Lower the Reduce* ops to linalg -----------------------===//
//
// Every Reduce* op (opset 18 with an `axes` input, and the older forms with an `axes`
// attribute) is one linalg.generic with reduction iterators over the reduced dims, whose
// body applies the op's per-element map (abs, square, exp) before combining; a second
// elementwise generic applies the final map (divide by the count, sqrt, log). keepdims
// re-inserts the reduced dims as unit dims with tensor.expand_shape. Axes given as a
// run-time tensor are lowered by buildDynamicAxesReduce (ReduceDynamicAxes.cpp).
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Reduction/Reduce.h"
#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/OpAttributes.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "llvm/ADT/APFloat.h"
#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

TypedAttr extremeValue(Type type, bool largest, bool isUnsigned) {
  if (auto floatType = dyn_cast<FloatType>(type))
    return FloatAttr::get(type, APFloat::getInf(floatType.getFloatSemantics(), !largest));
  unsigned width = type.getIntOrFloatBitWidth();
  APInt value = isUnsigned
                    ? (largest ? APInt::getMaxValue(width) : APInt::getMinValue(width))
                    : (largest ? APInt::getSignedMaxValue(width) : APInt::getSignedMinValue(width));
  return IntegerAttr::get(type, value);
}

bool isUnsignedReduce(Operation *op) {
  Type type = op->getOperand(0).getType();
  return isUnsignedInt(type) || getElementTypeOrSelf(type).isInteger(1);
}

TypedAttr neutralElement(ReduceKind kind, Type type, bool isUnsigned) {
  switch (kind) {
  case ReduceKind::Max:
    return extremeValue(type, /*largest=*/false, isUnsigned);
  case ReduceKind::Min:
    return extremeValue(type, /*largest=*/true, isUnsigned);
  case ReduceKind::Prod:
    return isa<FloatType>(type) ? TypedAttr(FloatAttr::get(type, 1.0))
                                : TypedAttr(IntegerAttr::get(type, 1));
  default:
    return cast<TypedAttr>(OpBuilder(type.getContext()).getZeroAttr(type));
  }
}

Value createFilled(OpBuilder &b, Location loc, RankedTensorType type, ValueRange dynamic,
                   TypedAttr value) {
  Value init = createEmpty(b, loc, type, dynamic);
  Value scalar = arith::ConstantOp::create(b, loc, value);
  return linalg::FillOp::create(b, loc, ValueRange{scalar}, ValueRange{init}).getResult(0);
}

ReducedShape getReducedShape(OpBuilder &b, Location loc, Value data, ArrayRef<int64_t> dims,
                             Type elementType) {
  auto dataType = cast<RankedTensorType>(data.getType());
  ReducedShape result;
  SmallVector<int64_t> shape;
  SmallVector<AffineExpr> exprs;
  for (int64_t d = 0; d < dataType.getRank(); ++d) {
    if (llvm::is_contained(dims, d))
      continue;
    shape.push_back(dataType.getDimSize(d));
    exprs.push_back(b.getAffineDimExpr(d));
    if (dataType.isDynamicDim(d))
      result.dynamic.push_back(tensor::DimOp::create(b, loc, data, d));
  }
  result.type = RankedTensorType::get(shape, elementType);
  result.map = AffineMap::get(dataType.getRank(), 0, exprs, b.getContext());
  return result;
}

Value combineReduce(OpBuilder &b, Location loc, ReduceKind kind, Value x, Value acc,
                    bool isUnsigned) {
  bool isFloat = isa<FloatType>(x.getType());
  switch (kind) {
  case ReduceKind::Max:
    return maxOf(b, loc, x, acc, isUnsigned);
  case ReduceKind::Min:
    return minOf(b, loc, x, acc, isUnsigned);
  case ReduceKind::Prod:
    return isFloat ? Value(arith::MulFOp::create(b, loc, x, acc))
                   : Value(arith::MulIOp::create(b, loc, x, acc));
  default:
    return isFloat ? Value(arith::AddFOp::create(b, loc, x, acc))
                   : Value(arith::AddIOp::create(b, loc, x, acc));
  }
}

Value preMapReduce(OpBuilder &b, Location loc, ReduceKind kind, Value x, bool isUnsigned) {
  bool isFloat = isa<FloatType>(x.getType());
  switch (kind) {
  case ReduceKind::L1:
    if (isFloat)
      return math::AbsFOp::create(b, loc, x);
    return isUnsigned ? x : Value(math::AbsIOp::create(b, loc, x));
  case ReduceKind::L2:
  case ReduceKind::SumSquare:
    return isFloat ? Value(arith::MulFOp::create(b, loc, x, x))
                   : Value(arith::MulIOp::create(b, loc, x, x));
  default:
    return x;
  }
}

namespace {

/// Reduces `data` over `dims` with `kind`; `shift`, when given (LogSumExp), is a tensor of
/// the reduced shape subtracted from every element before exp.
Value buildReduce(OpBuilder &b, Location loc, Value data, ArrayRef<int64_t> dims, ReduceKind kind,
                  bool isUnsigned, Value shift = nullptr) {
  auto dataType = cast<RankedTensorType>(data.getType());
  Type elementType = dataType.getElementType();
  ReducedShape reduced = getReducedShape(b, loc, data, dims, elementType);
  ReduceKind combineKind = shift ? ReduceKind::Sum : kind;
  Value init = createFilled(b, loc, reduced.type, reduced.dynamic,
                            neutralElement(combineKind, elementType, isUnsigned));
  SmallVector<Value> inputs{data};
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(dataType.getRank())};
  if (shift) {
    inputs.push_back(shift);
    maps.push_back(reduced.map);
  }
  maps.push_back(reduced.map);
  SmallVector<utils::IteratorType> iterators;
  for (int64_t d = 0; d < dataType.getRank(); ++d)
    iterators.push_back(llvm::is_contained(dims, d) ? utils::IteratorType::reduction
                                                    : utils::IteratorType::parallel);
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{reduced.type}, inputs, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        Value x = args[0];
        if (shift)
          x = math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, x, args[1]));
        else
          x = preMapReduce(nb, nloc, kind, x, isUnsigned);
        linalg::YieldOp::create(nb, nloc,
                                combineReduce(nb, nloc, combineKind, x, args.back(), isUnsigned));
      });
  return generic.getResult(0);
}

struct ReduceLowering : OnnxNamedLoweringPattern {
  ReduceLowering(const TypeConverter &converter, MLIRContext *ctx, StringRef name, ReduceKind kind)
      : OnnxNamedLoweringPattern(converter, ctx, name), kind(kind) {}

  LogicalResult matchAndRewriteRanked(Operation *op, ArrayRef<Value> operands,
                                      RankedTensorType resultType,
                                      ConversionPatternRewriter &rewriter) const override {
    Value data = operands[0];
    RankedTensorType dataType = getRankedInputType(rewriter, op, data);
    if (!dataType)
      return failure();
    int64_t rank = dataType.getRank();
    Type elementType = dataType.getElementType();
    bool isFloat = isa<FloatType>(elementType);
    if (!isFloat &&
        (kind == ReduceKind::L2 || kind == ReduceKind::LogSum || kind == ReduceKind::LogSumExp))
      return reject(rewriter, op, "integer inputs are not supported for this reduction");

    SmallVector<int64_t> axes;
    if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("axes")) {
      axes.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
    } else if (operands.size() > 1 && !isa<NoneType>(operands[1].getType())) {
      std::optional<SmallVector<int64_t>> c = onnxir::matchConstantI64s(operands[1]);
      if (!c) {
        auto axesType = dyn_cast<RankedTensorType>(operands[1].getType());
        if (!axesType || axesType.getRank() != 1)
          return reject(rewriter, op, "axes are not constant and not a 1-D tensor");
        if (intAttrOr(op, "keepdims", 1) && resultType.getRank() != rank)
          return reject(rewriter, op, "the result rank does not match keepdims");
        Value result = buildDynamicAxesReduce(
            rewriter, op->getLoc(), data, operands[1], kind, intAttrOr(op, "keepdims", 1) != 0,
            intAttrOr(op, "noop_with_empty_axes", 0) != 0, isUnsignedReduce(op), resultType);
        rewriter.replaceOp(op, result);
        return success();
      }
      axes = *c;
    }
    Location loc = op->getLoc();
    if (axes.empty()) {
      if (intAttrOr(op, "noop_with_empty_axes", 0)) {
        rewriter.replaceOp(op, castWithCheck(rewriter, loc, op, data, resultType));
        return success();
      }
      axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    }
    SmallVector<int64_t> dims;
    for (int64_t axis : axes) {
      FailureOr<int64_t> normalized = onnxir::normalizeAxis(axis, rank, /*emitError=*/nullptr);
      if (failed(normalized))
        return reject(rewriter, op, "an axis is out of range");
      int64_t a = *normalized;
      if (!llvm::is_contained(dims, a))
        dims.push_back(a);
    }
    llvm::sort(dims);
    bool keepDims = intAttrOr(op, "keepdims", 1) != 0;
    int64_t expectedRank = keepDims ? rank : rank - static_cast<int64_t>(dims.size());
    if (resultType.getRank() != expectedRank)
      return reject(rewriter, op, "the result rank does not match axes and keepdims");

    bool isUnsigned = isUnsignedReduce(op);
    Value shift;
    if (kind == ReduceKind::LogSumExp) // subtract the max so exp cannot overflow
      shift = buildReduce(rewriter, loc, data, dims, ReduceKind::Max, isUnsigned);
    Value reduced = buildReduce(rewriter, loc, data, dims, kind, isUnsigned, shift);

    // The final per-element map.
    auto reducedType = cast<RankedTensorType>(reduced.getType());
    Value count;
    if (kind == ReduceKind::Mean) {
      count = arith::ConstantIndexOp::create(rewriter, loc, 1);
      for (int64_t d : dims)
        count = arith::MulIOp::create(rewriter, loc, count, getDimValue(rewriter, loc, data, d));
      count = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(), count);
      count = castScalar(rewriter, loc, count, elementType, /*srcUnsigned=*/false, isUnsigned);
    }
    if (kind == ReduceKind::Mean || kind == ReduceKind::L2 || kind == ReduceKind::LogSum ||
        kind == ReduceKind::LogSumExp) {
      SmallVector<Value> inputs{reduced};
      if (shift)
        inputs.push_back(shift);
      reduced = buildElementwise(
          rewriter, loc, reducedType, inputs, [&](OpBuilder &b, Location nloc, ValueRange a) {
            switch (kind) {
            case ReduceKind::Mean:
              if (isFloat)
                return Value(arith::DivFOp::create(b, nloc, a[0], count));
              return isUnsigned ? Value(arith::DivUIOp::create(b, nloc, a[0], count))
                                : Value(arith::DivSIOp::create(b, nloc, a[0], count));
            case ReduceKind::L2:
              return Value(math::SqrtOp::create(b, nloc, a[0]));
            case ReduceKind::LogSum:
              return Value(math::LogOp::create(b, nloc, a[0]));
            default: // LogSumExp
              return Value(
                  arith::AddFOp::create(b, nloc, math::LogOp::create(b, nloc, a[0]), a[1]));
            }
          });
    }
    Value result = keepDims ? insertUnitDims(rewriter, loc, reduced, dims, resultType)
                            : castWithCheck(rewriter, loc, op, reduced, resultType);
    rewriter.replaceOp(op, result);
    return success();
  }

  ReduceKind kind;
};

} // namespace

void populateReducePatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  const std::pair<StringRef, ReduceKind> reductions[] = {
      {"ReduceSum", ReduceKind::Sum},       {"ReduceMean", ReduceKind::Mean},
      {"ReduceMax", ReduceKind::Max},       {"ReduceMin", ReduceKind::Min},
      {"ReduceProd", ReduceKind::Prod},     {"ReduceL1", ReduceKind::L1},
      {"ReduceL2", ReduceKind::L2},         {"ReduceSumSquare", ReduceKind::SumSquare},
      {"ReduceLogSum", ReduceKind::LogSum}, {"ReduceLogSumExp", ReduceKind::LogSumExp}};
  // The older versions (axes as an attribute) share the lowering; ReduceSum moved axes to
  // an input at opset 13, the others at opset 18.
  for (auto [name, kind] : reductions) {
    patterns.add<ReduceLowering>(converter, ctx, ("onnx." + name).str(), kind);
    patterns.add<ReduceLowering>(
        converter, ctx, ("onnx." + name + (kind == ReduceKind::Sum ? "V11" : "V13")).str(), kind);
  }
}

} // namespace kiln::conversion
