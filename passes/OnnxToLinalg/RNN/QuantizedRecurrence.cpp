//===- QuantizedRecurrence.cpp - DynamicQuantizeLSTM's 8-bit step product -===//
//
// The widenings (8 bits to i32, minus a rank-0 zero point) are MatMulInteger's
// (Support/QuantizedArithmetic.h), which the CPU backend's Int8Operands.cpp recognizes.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/RNN/QuantizedRecurrence.h"

#include "passes/OnnxToLinalg/Support/DynamicQuantization.h"
#include "passes/OnnxToLinalg/Support/QuantizedArithmetic.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;

namespace kiln::conversion {

std::optional<QuantizedRecurrentWeights>
readQuantizedRecurrentWeights(OpBuilder &b, Location loc, const RecurrenceSpec &spec) {
  Operation *op = spec.op;
  auto weight = op->getAttrOfType<DenseElementsAttr>(kRecurrentWeightAttr);
  auto scale = op->getAttrOfType<DenseElementsAttr>(kRecurrentScaleAttr);
  auto zero = op->getAttrOfType<DenseElementsAttr>(kRecurrentZeroPointAttr);
  int64_t d = spec.numDirections, h = spec.hidden, n = spec.gateWidth();
  if (!weight || !scale || !zero || weight.getType().getShape() != ArrayRef<int64_t>{d, h, n} ||
      !weight.getElementType().isInteger(8) ||
      scale.getType().getShape() != ArrayRef<int64_t>{d, n} ||
      !scale.getElementType().isF32() || zero.getType().getShape() != ArrayRef<int64_t>{d} ||
      !zero.getElementType().isInteger(32))
    return std::nullopt;
  QuantizedRecurrentWeights result;
  result.isUnsigned = op->hasAttr(kRecurrentWeightUnsignedAttr);
  std::vector<int8_t> bits(weight.getValues<int8_t>().begin(), weight.getValues<int8_t>().end());
  std::vector<float> scales(scale.getValues<float>().begin(), scale.getValues<float>().end());
  auto weightType = RankedTensorType::get({h, n}, b.getI8Type());
  auto scaleType = RankedTensorType::get({n}, b.getF32Type());
  for (int64_t dir = 0; dir < d; ++dir) {
    ArrayRef<int8_t> slice = ArrayRef<int8_t>(bits).slice(dir * h * n, h * n);
    result.weights.push_back(
        arith::ConstantOp::create(b, loc, DenseElementsAttr::get(weightType, slice)));
    result.scales.push_back(arith::ConstantOp::create(
        b, loc, DenseElementsAttr::get(scaleType, ArrayRef<float>(scales).slice(dir * n, n))));
    result.zeroPoints.push_back(zero.getValues<int32_t>()[dir]);
  }
  return result;
}

Value quantizedRecurrentProduct(ConversionPatternRewriter &b, Location loc, Operation *node,
                                Value h, const QuantizedRecurrentWeights &weights,
                                int64_t direction, Value xw) {
  auto hType = cast<RankedTensorType>(h.getType());
  auto xwType = cast<RankedTensorType>(xw.getType());
  auto scalarI8 = RankedTensorType::get({}, b.getI8Type());
  U8QuantParams params = dynamicU8Params(b, loc, h);
  Value hq = quantizeU8(b, loc, h, params, RankedTensorType::get(hType.getShape(), b.getI8Type()));
  Value hZero = tensor::FromElementsOp::create(
      b, loc, scalarI8,
      ValueRange{castScalar(b, loc, params.zeroPoint, b.getI8Type(), /*srcUnsigned=*/false,
                            /*dstUnsigned=*/true)});
  Value rZero = arith::ConstantOp::create(
      b, loc, DenseElementsAttr::get(scalarI8, static_cast<int8_t>(weights.zeroPoints[direction])));
  Value hWide = widenMinusZeroPoint(b, loc, node, hq, /*isUnsigned=*/true, hZero, /*axis=*/-1);
  Value rWide = widenMinusZeroPoint(b, loc, node, weights.weights[direction], weights.isUnsigned,
                                    rZero, /*axis=*/-1);
  auto accType = RankedTensorType::get(xwType.getShape(), b.getI32Type());
  Value zero = arith::ConstantOp::create(b, loc, b.getI32IntegerAttr(0));
  Value acc = linalg::MatmulOp::create(b, loc, TypeRange{accType}, ValueRange{hWide, rWide},
                                       fill(b, loc, createEmptyLike(b, loc, accType, xw), zero))
                  .getResult(0);
  // xw + float(acc) * (scale_h * scale_R[n]).
  MLIRContext *ctx = b.getContext();
  AffineMap identity = AffineMap::getMultiDimIdentityMap(2, ctx);
  AffineMap column = AffineMap::get(2, 0, {getAffineDimExpr(1, ctx)}, ctx);
  SmallVector<utils::IteratorType> parallel(2, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{xwType}, ValueRange{acc, xw, weights.scales[direction]},
             ValueRange{createEmptyLike(b, loc, xwType, xw)},
             SmallVector<AffineMap>{identity, identity, column, identity}, parallel,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               Value product = arith::SIToFPOp::create(nb, l, nb.getF32Type(), args[0]);
               Value scaleProduct = arith::MulFOp::create(nb, l, params.scale, args[2]);
               product = arith::MulFOp::create(nb, l, product, scaleProduct);
               linalg::YieldOp::create(nb, l,
                                       ValueRange{arith::AddFOp::create(nb, l, args[1], product)});
             })
      .getResult(0);
}

} // namespace kiln::conversion
