//===- DynamicAxes.cpp - Reduce*, Squeeze, Unsqueeze with run-time axes ---===//
//
// When the axes of an op are a model input rather than a constant, which dims it touches
// is only known at run time, but the ranks are static (the axes tensor has a static
// length, and shape inference gives the result rank). Every dim then carries an i1 "is
// listed" flag computed from the axes tensor, and:
//  - Reduce* reduces each dim under `scf.if flag` (keeping it as size 1), then reshapes to
//    the run-time shape of the kept dims when keepdims=0;
//  - Squeeze and Unsqueeze compute the run-time result shape and emit tensor.reshape.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Reduction.h"
#include "passes/OnnxToLinalg/ShapeChecks.h"
#include "passes/OnnxToLinalg/TensorUtils.h"

#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
}

Value cBool(OpBuilder &b, Location loc, bool v) {
  return arith::ConstantIntOp::create(b, loc, b.getI1Type(), v);
}

Value eqIdx(OpBuilder &b, Location loc, Value x, Value y) {
  return b.createOrFold<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, x, y);
}

/// Sets `flags[d]` for the dim `d` named by the (possibly negative) axis `axis`.
void markAxis(OpBuilder &b, Location loc, Value axis, MutableArrayRef<Value> flags) {
  int64_t rank = flags.size();
  Value zero = cIdx(b, loc, 0);
  Value isNeg = arith::CmpIOp::create(b, loc, arith::CmpIPredicate::slt, axis, zero);
  Value wrapped = arith::AddIOp::create(b, loc, axis, cIdx(b, loc, rank));
  axis = arith::SelectOp::create(b, loc, isNeg, wrapped, axis);
  for (int64_t d = 0; d < rank; ++d)
    flags[d] = b.createOrFold<arith::OrIOp>(loc, flags[d], eqIdx(b, loc, axis, cIdx(b, loc, d)));
}

/// The type of `x` after a keepdims reduction of dim `d`: size 1 if `d` was static 1,
/// dynamic otherwise (it is 1 or the old size depending on a run-time flag).
RankedTensorType afterMaybeReduced(RankedTensorType type, int64_t d) {
  SmallVector<int64_t> shape(type.getShape());
  if (shape[d] != 1)
    shape[d] = ShapedType::kDynamic;
  return type.clone(shape);
}

/// Reduces dim `d` of `x` with `kind`, keeping it as a dim of size 1.
Value reduceOneDim(OpBuilder &b, Location loc, Value x, int64_t d, ReduceKind kind,
                   bool isUnsigned) {
  auto type = cast<RankedTensorType>(x.getType());
  int64_t rank = type.getRank();
  SmallVector<int64_t> shape(type.getShape());
  shape[d] = 1;
  auto outType = type.clone(shape);
  SmallVector<Value> dynamic;
  SmallVector<AffineExpr> exprs;
  SmallVector<utils::IteratorType> iterators;
  for (int64_t i = 0; i < rank; ++i) {
    exprs.push_back(i == d ? b.getAffineConstantExpr(0) : b.getAffineDimExpr(i));
    iterators.push_back(i == d ? utils::IteratorType::reduction : utils::IteratorType::parallel);
    if (outType.isDynamicDim(i))
      dynamic.push_back(tensor::DimOp::create(b, loc, x, i));
  }
  Value init = createEmpty(b, loc, outType, dynamic);
  Value neutral =
      arith::ConstantOp::create(b, loc, neutralElement(kind, type.getElementType(), isUnsigned));
  init = linalg::FillOp::create(b, loc, ValueRange{neutral}, ValueRange{init}).getResult(0);
  SmallVector<AffineMap> maps{b.getMultiDimIdentityMap(rank),
                              AffineMap::get(rank, 0, exprs, b.getContext())};
  auto generic = linalg::GenericOp::create(
      b, loc, TypeRange{outType}, ValueRange{x}, ValueRange{init}, maps, iterators,
      [&](OpBuilder &nb, Location nloc, ValueRange args) {
        linalg::YieldOp::create(nb, nloc,
                                combineReduce(nb, nloc, kind, args[0], args[1], isUnsigned));
      });
  return generic.getResult(0);
}

/// Reduces `x` with `kind` over every dim whose flag is set, keeping the dims.
Value reduceFlaggedDims(OpBuilder &b, Location loc, Value x, ArrayRef<Value> flags, ReduceKind kind,
                        bool isUnsigned) {
  for (auto [index, flag] : llvm::enumerate(flags)) {
    int64_t d = index; // a plain variable: lambdas cannot capture structured bindings in C++17
    RankedTensorType type = afterMaybeReduced(cast<RankedTensorType>(x.getType()), d);
    auto ifOp = scf::IfOp::create(
        b, loc, flag,
        [&](OpBuilder &nb, Location nloc) {
          Value r = reduceOneDim(nb, nloc, x, d, kind, isUnsigned);
          scf::YieldOp::create(nb, nloc, castTo(nb, nloc, r, type));
        },
        [&](OpBuilder &nb, Location nloc) {
          scf::YieldOp::create(nb, nloc, castTo(nb, nloc, x, type));
        });
    x = ifOp.getResult(0);
  }
  return x;
}

/// Whether `v` is a ranked 1-D tensor (the only axes form the flags are computed from).
bool isRankedVector(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.getRank() == 1;
}

/// Returns the run-time sizes of `x`.
SmallVector<Value> getSizes(OpBuilder &b, Location loc, Value x) {
  SmallVector<Value> sizes;
  for (int64_t d = 0; d < cast<RankedTensorType>(x.getType()).getRank(); ++d)
    sizes.push_back(getDimValue(b, loc, x, d));
  return sizes;
}

} // namespace

SmallVector<Value> getAxisFlags(OpBuilder &b, Location loc, Value axes, int64_t rank,
                                Value &isEmpty) {
  auto axesType = cast<RankedTensorType>(axes.getType());
  SmallVector<Value> flags(rank, cBool(b, loc, false));
  if (!axesType.isDynamicDim(0)) {
    int64_t n = axesType.getDimSize(0);
    isEmpty = cBool(b, loc, n == 0);
    for (Value axis : getIndexValues(b, loc, axes, n))
      markAxis(b, loc, axis, flags);
    return flags;
  }
  // A run-time length: loop over the entries, carrying the flags.
  Value n = tensor::DimOp::create(b, loc, axes, 0);
  isEmpty = eqIdx(b, loc, n, cIdx(b, loc, 0));
  auto loop = scf::ForOp::create(
      b, loc, cIdx(b, loc, 0), n, cIdx(b, loc, 1), flags,
      [&](OpBuilder &nb, Location nloc, Value j, ValueRange carried) {
        SmallVector<Value> next(carried);
        Value axis = tensor::ExtractOp::create(nb, nloc, axes, ValueRange{j});
        markAxis(nb, nloc, arith::IndexCastOp::create(nb, nloc, nb.getIndexType(), axis), next);
        scf::YieldOp::create(nb, nloc, next);
      });
  return SmallVector<Value>(loop.getResults());
}

SmallVector<Value> compactSizes(OpBuilder &b, Location loc, ArrayRef<Value> sizes,
                                ArrayRef<Value> dropped, int64_t resultRank) {
  // Kept dim d lands at position `pos` = number of kept dims before it; result size k is
  // the sum over d of (kept and pos == k) ? size : 0.
  Value zero = cIdx(b, loc, 0), one = cIdx(b, loc, 1);
  SmallVector<Value> result(resultRank, zero);
  Value pos = zero;
  for (auto [size, drop] : llvm::zip_equal(sizes, dropped)) {
    Value kept = b.createOrFold<arith::XOrIOp>(loc, drop, cBool(b, loc, true));
    for (int64_t k = 0; k < resultRank; ++k) {
      Value here = b.createOrFold<arith::AndIOp>(loc, kept, eqIdx(b, loc, pos, cIdx(b, loc, k)));
      Value add = b.createOrFold<arith::SelectOp>(loc, here, size, zero);
      result[k] = b.createOrFold<arith::AddIOp>(loc, result[k], add);
    }
    pos = b.createOrFold<arith::AddIOp>(loc, pos,
                                        b.createOrFold<arith::SelectOp>(loc, kept, one, zero));
  }
  return result;
}

Value reshapeToSizes(OpBuilder &b, Location loc, Value src, ArrayRef<Value> sizes,
                     RankedTensorType resultType) {
  auto shapeType = RankedTensorType::get({static_cast<int64_t>(sizes.size())}, b.getIndexType());
  Value shape = tensor::FromElementsOp::create(b, loc, shapeType, sizes);
  return tensor::ReshapeOp::create(b, loc, resultType, src, shape);
}

Value buildDynamicAxesReduce(OpBuilder &b, Location loc, Value data, Value axes, ReduceKind kind,
                             bool keepDims, bool noopWithEmptyAxes, bool isUnsigned,
                             RankedTensorType resultType) {
  auto dataType = cast<RankedTensorType>(data.getType());
  Type elementType = dataType.getElementType();
  int64_t rank = dataType.getRank();
  Value isEmpty;
  SmallVector<Value> flags = getAxisFlags(b, loc, axes, rank, isEmpty);
  if (!noopWithEmptyAxes) // empty axes reduce every dim
    for (Value &flag : flags)
      flag = b.createOrFold<arith::OrIOp>(loc, flag, isEmpty);

  auto elementwise = [&](Value x, ValueRange more, ScalarBodyBuilder body) {
    SmallVector<Value> inputs{x};
    inputs.append(more.begin(), more.end());
    return buildElementwise(b, loc, cast<RankedTensorType>(x.getType()), inputs, body);
  };
  Value x = data, shift;
  if (kind == ReduceKind::LogSumExp) {
    // Subtract the max, broadcast back over the reduced dims, so exp cannot overflow.
    shift = reduceFlaggedDims(b, loc, data, flags, ReduceKind::Max, isUnsigned);
    SmallVector<Value> sizes = getSizes(b, loc, data);
    Value wide = buildIndexGather(
        b, loc, dataType, sizes, shift, [&](OpBuilder &nb, Location nloc, ValueRange idx) {
          SmallVector<Value> src;
          Value zero = cIdx(nb, nloc, 0);
          for (auto [i, flag] : llvm::zip_equal(idx, flags))
            src.push_back(arith::SelectOp::create(nb, nloc, flag, zero, i));
          return src;
        });
    x = elementwise(data, wide, [](OpBuilder &nb, Location nloc, ValueRange a) {
      return Value(math::ExpOp::create(nb, nloc, arith::SubFOp::create(nb, nloc, a[0], a[1])));
    });
  } else if (kind == ReduceKind::L1 || kind == ReduceKind::L2 || kind == ReduceKind::SumSquare) {
    x = elementwise(data, {}, [&](OpBuilder &nb, Location nloc, ValueRange a) {
      return preMapReduce(nb, nloc, kind, a[0], isUnsigned);
    });
  }
  ReduceKind combineKind = kind;
  if (kind != ReduceKind::Max && kind != ReduceKind::Min && kind != ReduceKind::Prod)
    combineKind = ReduceKind::Sum;
  Value reduced = reduceFlaggedDims(b, loc, x, flags, combineKind, isUnsigned);

  bool isFloat = isa<FloatType>(elementType);
  if (kind == ReduceKind::Mean) {
    Value count = cIdx(b, loc, 1);
    for (auto [d, flag] : llvm::enumerate(flags)) {
      Value size =
          b.createOrFold<arith::SelectOp>(loc, flag, getDimValue(b, loc, data, d), cIdx(b, loc, 1));
      count = b.createOrFold<arith::MulIOp>(loc, count, size);
    }
    count = arith::IndexCastOp::create(b, loc, b.getI64Type(), count);
    count = castScalar(b, loc, count, elementType, /*srcUnsigned=*/false, isUnsigned);
    reduced = elementwise(reduced, {}, [&](OpBuilder &nb, Location nloc, ValueRange a) {
      if (isFloat)
        return Value(arith::DivFOp::create(nb, nloc, a[0], count));
      return isUnsigned ? Value(arith::DivUIOp::create(nb, nloc, a[0], count))
                        : Value(arith::DivSIOp::create(nb, nloc, a[0], count));
    });
  } else if (kind == ReduceKind::L2 || kind == ReduceKind::LogSum) {
    reduced = elementwise(reduced, {}, [&](OpBuilder &nb, Location nloc, ValueRange a) {
      return kind == ReduceKind::L2 ? Value(math::SqrtOp::create(nb, nloc, a[0]))
                                    : Value(math::LogOp::create(nb, nloc, a[0]));
    });
  } else if (kind == ReduceKind::LogSumExp) {
    reduced = elementwise(reduced, shift, [](OpBuilder &nb, Location nloc, ValueRange a) {
      return Value(arith::AddFOp::create(nb, nloc, math::LogOp::create(nb, nloc, a[0]), a[1]));
    });
  }
  if (keepDims)
    return castWithCheck(b, loc, nullptr, reduced, resultType);
  SmallVector<Value> sizes =
      compactSizes(b, loc, getSizes(b, loc, reduced), flags, resultType.getRank());
  return reshapeToSizes(b, loc, reduced, sizes, resultType);
}

LogicalResult lowerSqueezeWithDynamicAxes(ConversionPatternRewriter &rewriter, Operation *op,
                                          Value data, Value axes, RankedTensorType resultType) {
  if (!isRankedVector(axes))
    return reject(rewriter, op, "axes are not constant and not a 1-D tensor");
  Location loc = op->getLoc();
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  Value isEmpty;
  SmallVector<Value> flags = getAxisFlags(rewriter, loc, axes, rank, isEmpty);
  SmallVector<Value> sizes = getSizes(rewriter, loc, data);
  // Empty axes squeeze every dim of size 1.
  for (auto [flag, size] : llvm::zip_equal(flags, sizes)) {
    Value isOne = eqIdx(rewriter, loc, size, cIdx(rewriter, loc, 1));
    flag = rewriter.createOrFold<arith::SelectOp>(loc, isEmpty, isOne, flag);
  }
  SmallVector<Value> resultSizes = compactSizes(rewriter, loc, sizes, flags, resultType.getRank());
  rewriter.replaceOp(op, reshapeToSizes(rewriter, loc, data, resultSizes, resultType));
  return success();
}

LogicalResult lowerUnsqueezeWithDynamicAxes(ConversionPatternRewriter &rewriter, Operation *op,
                                            Value data, Value axes, RankedTensorType resultType) {
  if (!isRankedVector(axes))
    return reject(rewriter, op, "axes are not constant and not a 1-D tensor");
  Location loc = op->getLoc();
  int64_t rank = resultType.getRank();
  Value isEmpty;
  SmallVector<Value> flags = getAxisFlags(rewriter, loc, axes, rank, isEmpty);
  SmallVector<Value> sizes = getSizes(rewriter, loc, data);
  // Result dim p is 1 where listed, else input dim p - (number of listed dims before p).
  Value zero = cIdx(rewriter, loc, 0), one = cIdx(rewriter, loc, 1);
  Value before = zero;
  SmallVector<Value> resultSizes;
  for (int64_t p = 0; p < rank; ++p) {
    Value src = rewriter.createOrFold<arith::SubIOp>(loc, cIdx(rewriter, loc, p), before);
    Value size = one;
    for (auto [i, inputSize] : llvm::enumerate(sizes)) {
      Value here = eqIdx(rewriter, loc, src, cIdx(rewriter, loc, i));
      size = rewriter.createOrFold<arith::SelectOp>(loc, here, inputSize, size);
    }
    resultSizes.push_back(rewriter.createOrFold<arith::SelectOp>(loc, flags[p], one, size));
    before = rewriter.createOrFold<arith::AddIOp>(
        loc, before, rewriter.createOrFold<arith::SelectOp>(loc, flags[p], one, zero));
  }
  rewriter.replaceOp(op, reshapeToSizes(rewriter, loc, data, resultSizes, resultType));
  return success();
}

} // namespace kiln::conversion
