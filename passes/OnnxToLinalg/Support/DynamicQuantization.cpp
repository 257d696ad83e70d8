//===- DynamicQuantization.cpp - uint8 parameters from a tensor's range ---===//
//
// Reductions of x's rows and then of the row results give lo and hi (loops of one min or
// max are what LLVM vectorizes), scalar arith computes the parameters, and a generic
// quantizes x.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Support/DynamicQuantization.h"

#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {
namespace {

/// `v` reduced with min or max over its dims from `kept` on (rank `kept` left), starting
/// from 0 so that the range includes it.
Value reduceRange(OpBuilder &b, Location loc, Value v, bool isMax, int64_t kept) {
  MLIRContext *ctx = b.getContext();
  Type f32 = b.getF32Type();
  auto type = cast<RankedTensorType>(v.getType());
  int64_t rank = type.getRank();
  SmallVector<Value> sizes;
  SmallVector<AffineExpr> outer;
  for (int64_t d = 0; d < kept; ++d) {
    outer.push_back(getAffineDimExpr(d, ctx));
    if (type.isDynamicDim(d))
      sizes.push_back(tensor::DimOp::create(b, loc, v, d));
  }
  auto resultType = RankedTensorType::get(type.getShape().take_front(kept), f32);
  Value init = fill(b, loc, createEmpty(b, loc, resultType, sizes),
                    createScalarConstant(b, loc, f32, 0.0));
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(rank, ctx),
                              AffineMap::get(rank, 0, outer, ctx)};
  SmallVector<utils::IteratorType> iterators(kept, utils::IteratorType::parallel);
  iterators.append(rank - kept, utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{v}, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value m = isMax ? Value(arith::MaximumFOp::create(nb, l, args[1], args[0]))
                               : Value(arith::MinimumFOp::create(nb, l, args[1], args[0]));
               linalg::YieldOp::create(nb, l, m);
             })
      .getResult(0);
}

/// clamp(round_half_even(x / scale) + zero_point, 0, 255) of one scalar, in f32.
Value quantizedScalar(OpBuilder &b, Location loc, Value x, const U8QuantParams &params) {
  Type f32 = b.getF32Type();
  Value v = arith::DivFOp::create(b, loc, x, params.scale);
  v = math::RoundEvenOp::create(b, loc, v);
  v = arith::AddFOp::create(b, loc, v, params.zeroPoint);
  v = arith::MaximumFOp::create(b, loc, v, createScalarConstant(b, loc, f32, 0.0));
  return arith::MinimumFOp::create(b, loc, v, createScalarConstant(b, loc, f32, 255.0));
}

/// A generic applying `body` to each element of `x`, into a tensor of `type`.
Value mapElements(OpBuilder &b, Location loc, Value x, RankedTensorType type,
                  function_ref<Value(OpBuilder &, Location, Value)> body) {
  int64_t rank = type.getRank();
  Value init = createEmpty(b, loc, type, getDynamicSizes(b, loc, x));
  AffineMap identity = AffineMap::getMultiDimIdentityMap(rank, b.getContext());
  SmallVector<utils::IteratorType> parallel(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, type, ValueRange{x}, ValueRange{init}, {identity, identity}, parallel,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l, body(nb, l, args[0]));
             })
      .getResult(0);
}

} // namespace

U8QuantParams dynamicU8Params(OpBuilder &b, Location loc, Value x) {
  int64_t rank = cast<RankedTensorType>(x.getType()).getRank();
  auto range = [&](bool isMax) {
    Value r = rank > 1 ? reduceRange(b, loc, reduceRange(b, loc, x, isMax, rank - 1), isMax, 0)
                       : reduceRange(b, loc, x, isMax, 0);
    return tensor::ExtractOp::create(b, loc, r, ValueRange{}).getResult();
  };
  Value lo = range(/*isMax=*/false), hi = range(/*isMax=*/true);
  Type f32 = b.getF32Type();
  Value zero = createScalarConstant(b, loc, f32, 0.0);
  Value qmax = createScalarConstant(b, loc, f32, 255.0);
  Value one = createScalarConstant(b, loc, f32, 1.0);
  Value same = arith::CmpFOp::create(b, loc, arith::CmpFPredicate::OEQ, hi, lo);
  Value span = arith::SelectOp::create(b, loc, same, one, arith::SubFOp::create(b, loc, hi, lo));
  Value scale = arith::DivFOp::create(b, loc, span, qmax);
  Value initialZero =
      arith::SubFOp::create(b, loc, zero, arith::DivFOp::create(b, loc, lo, scale));
  Value zp = arith::MinimumFOp::create(b, loc, qmax,
                                       arith::MaximumFOp::create(b, loc, zero, initialZero));
  return {scale, math::RoundEvenOp::create(b, loc, zp)};
}

Value quantizeU8(OpBuilder &b, Location loc, Value x, const U8QuantParams &params,
                 RankedTensorType type) {
  return mapElements(b, loc, x, type, [&](OpBuilder &nb, Location l, Value v) {
    return castScalar(nb, l, quantizedScalar(nb, l, v, params), type.getElementType(),
                      /*srcUnsigned=*/false, /*dstUnsigned=*/true);
  });
}

Value fakeQuantizeU8(OpBuilder &b, Location loc, Value x, const U8QuantParams &params) {
  auto type = cast<RankedTensorType>(x.getType());
  return mapElements(b, loc, x, type, [&](OpBuilder &nb, Location l, Value v) {
    Value q = quantizedScalar(nb, l, v, params);
    Value centered = arith::SubFOp::create(nb, l, q, params.zeroPoint);
    return arith::MulFOp::create(nb, l, centered, params.scale).getResult();
  });
}

} // namespace kiln::conversion
