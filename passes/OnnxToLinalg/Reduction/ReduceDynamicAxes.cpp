//===- ReduceDynamicAxes.cpp - Reduce* with run-time axes -----------------===//
//
// Each dim is reduced under `scf.if flag` (keeping it as size 1), where the flag says
// whether the run-time axes list the dim (DynamicAxes.h); keepdims=0 then reshapes to the
// run-time shape of the kept dims.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Reduction/Reduce.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/DynamicAxes.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Builders.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

Value cIdx(OpBuilder &b, Location loc, int64_t v) {
  return arith::ConstantIndexOp::create(b, loc, v);
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

} // namespace

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

} // namespace kiln::conversion
