//===- QuantizedArithmetic.cpp - Integer products of quantized tensors ----===//

#include "passes/OnnxToLinalg/Support/QuantizedArithmetic.h"

#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;

namespace kiln::conversion {
namespace {

/// A quantization parameter read for each element of `data`: a scalar (a static
/// one-element tensor collapses to rank 0) or 1-D along `axis` of `data`, whose size is
/// checked. Sets `param` and `map`; false (after rejecting) for any other shape.
bool readParam(ConversionPatternRewriter &rewriter, Location loc, Operation *node, Value data,
               Value &param, int64_t axis, AffineMap &map, StringRef name) {
  auto type = dyn_cast<RankedTensorType>(param.getType());
  int64_t rank = cast<RankedTensorType>(data.getType()).getRank();
  MLIRContext *ctx = rewriter.getContext();
  if (type && type.hasStaticShape() && type.getNumElements() == 1) {
    if (type.getRank() != 0)
      param = tensor::CollapseShapeOp::create(rewriter, loc, param,
                                              SmallVector<ReassociationIndices>{});
    map = AffineMap::get(rank, 0, {}, ctx);
    return true;
  }
  if (type && type.getRank() == 1 && axis >= 0 && axis < rank) {
    checkSizesEqual(rewriter, loc, node, tensor::getMixedSize(rewriter, loc, param, 0),
                    tensor::getMixedSize(rewriter, loc, data, axis),
                    name + " has {} elements where the data has {} along its axis");
    map = AffineMap::get(rank, 0, {getAffineDimExpr(axis, ctx)}, ctx);
    return true;
  }
  (void)reject(rewriter, node,
               name + (axis >= 0 ? " must be a scalar or 1-D along its axis"
                                 : " must be a scalar or have one element"));
  return false;
}

Value buildGeneric(OpBuilder &b, Location loc, RankedTensorType resultType, Value like,
                   ValueRange inputs, ArrayRef<AffineMap> inputMaps,
                   function_ref<Value(OpBuilder &, Location, ValueRange)> body) {
  int64_t rank = resultType.getRank();
  Value init = createEmpty(b, loc, resultType, getDynamicSizes(b, loc, like));
  SmallVector<AffineMap> maps(inputMaps);
  maps.push_back(AffineMap::getMultiDimIdentityMap(rank, b.getContext()));
  SmallVector<utils::IteratorType> iterators(rank, utils::IteratorType::parallel);
  return linalg::GenericOp::create(b, loc, resultType, inputs, ValueRange{init}, maps, iterators,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, body(nb, l, args));
                                   })
      .getResult(0);
}

bool isPresent(Value v) { return v && !isa<NoneType>(v.getType()); }

} // namespace

Value widenMinusZeroPoint(ConversionPatternRewriter &rewriter, Location loc, Operation *node,
                          Value v, bool isUnsigned, Value zeroPoint, int64_t axis) {
  auto type = cast<RankedTensorType>(v.getType());
  Type i32 = rewriter.getI32Type();
  auto resultType = RankedTensorType::get(type.getShape(), i32);
  SmallVector<Value> inputs{v};
  SmallVector<AffineMap> maps{AffineMap::getMultiDimIdentityMap(type.getRank(),
                                                                rewriter.getContext())};
  bool hasZero = isPresent(zeroPoint);
  if (hasZero) {
    AffineMap map;
    if (!readParam(rewriter, loc, node, v, zeroPoint, axis, map, "the zero point"))
      return {};
    inputs.push_back(zeroPoint);
    maps.push_back(map);
  }
  return buildGeneric(rewriter, loc, resultType, v, inputs, maps,
                      [&](OpBuilder &b, Location l, ValueRange args) {
                        Value x = castScalar(b, l, args[0], i32, isUnsigned, false);
                        if (!hasZero)
                          return x;
                        Value z = castScalar(b, l, args[1], i32, isUnsigned, false);
                        return Value(arith::SubIOp::create(b, l, x, z));
                      });
}

Value requantize(ConversionPatternRewriter &rewriter, Location loc, Operation *node, Value acc,
                 Value scaleA, int64_t scaleAAxis, Value scaleB, int64_t scaleBAxis,
                 Value scaleY, Value zeroPoint, bool dstUnsigned,
                 RankedTensorType resultType) {
  SmallVector<Value> inputs{acc};
  SmallVector<AffineMap> maps{
      AffineMap::getMultiDimIdentityMap(resultType.getRank(), rewriter.getContext())};
  struct Param {
    Value value;
    int64_t axis;
    StringRef name;
  };
  for (Param p : {Param{scaleA, scaleAAxis, "the first scale"},
                  Param{scaleB, scaleBAxis, "the second scale"},
                  Param{scaleY, -1, "the output scale"}, Param{zeroPoint, -1, "the zero point"}}) {
    AffineMap map;
    if (!readParam(rewriter, loc, node, acc, p.value, p.axis, map, p.name))
      return {};
    inputs.push_back(p.value);
    maps.push_back(map);
  }
  Type dst = resultType.getElementType();
  unsigned width = dst.getIntOrFloatBitWidth();
  double lo = dstUnsigned ? 0.0 : -std::ldexp(1.0, width - 1);
  double hi = dstUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
  return buildGeneric(
      rewriter, loc, resultType, acc, inputs, maps,
      [&](OpBuilder &b, Location l, ValueRange args) {
        Type f64 = b.getF64Type();
        // The ratio in the scales' type (the reference multiplies numpy scalars of it).
        Type scaleType = args[1].getType();
        Value ratio = arith::MulFOp::create(b, l, args[1],
                                            castScalar(b, l, args[2], scaleType, false, false));
        ratio = arith::DivFOp::create(b, l, ratio,
                                      castScalar(b, l, args[3], scaleType, false, false));
        Value v = arith::MulFOp::create(b, l, castScalar(b, l, args[0], f64, false, false),
                                        castScalar(b, l, ratio, f64, false, false));
        v = arith::AddFOp::create(b, l, v, castScalar(b, l, args[4], f64, dstUnsigned, false));
        v = math::RoundEvenOp::create(b, l, v);
        v = arith::MaximumFOp::create(b, l, v, createScalarConstant(b, l, f64, lo));
        v = arith::MinimumFOp::create(b, l, v, createScalarConstant(b, l, f64, hi));
        return castScalar(b, l, v, dst, false, dstUnsigned);
      });
}

} // namespace kiln::conversion
