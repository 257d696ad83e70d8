//===- UpgradeContribQuantization.cpp - ONNX Runtime's quantized contrib ops -===//
//
// The com.microsoft ops ONNX Runtime's quantizers write (ir/onnx/contrib_schemas.py), each
// rewritten as the default-domain ops that compute it, so they reuse those ops' lowerings:
//
//   DequantizeLinear, QuantizeLinear  the default-domain ops of the same name (ONNX adopted
//                                     them; the contrib versions are per-tensor or per-axis)
//   QLinearConv                       the default-domain QLinearConv (channels_last = 0)
//   QLinearAdd, QLinearMul            QuantizeLinear(DequantizeLinear(A) op DequantizeLinear(B))
//   QGemm                             (MatMulInteger(A, B) + C) * alpha * a_scale * b_scale,
//                                     quantized with y_scale and y_zero_point when given: C is
//                                     int32 at scale alpha * a_scale * b_scale, so the sum is
//                                     exact in int32
//   DynamicQuantizeLSTM               LSTM with the dequantized weights, on X quantized and
//                                     dequantized as ONNX Runtime quantizes it before the
//                                     input product (DynamicQuantizeLinear: uint8, one scale
//                                     for the whole input); the LSTM is marked
//                                     kQuantizeHiddenAttr, so that its lowering quantizes the
//                                     hidden state before each recurrent product as ONNX
//                                     Runtime does; a constant R also goes to it as 8-bit
//                                     integers (kRecurrentWeightAttr), for an 8-bit product
//   MatMulNBits                       MatMul with B unpacked from its 2/4/8-bit blocks and
//                                     dequantized per block; B, scales and zero points are
//                                     initializers, so kiln-fold-constants folds the unpacking
//                                     into one f32 weight at compile time
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "passes/Folding/Literal.h"
#include "passes/OnnxToLinalg/RNN/Recurrence.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>

using namespace mlir;

namespace kiln::upgrade {
namespace {

bool isNone(Value v) { return isa<NoneType>(v.getType()); }

template <const char *NewName>
LogicalResult upgradeRename(Operation *op, OnnxBuilder &b) {
  return b.rename(NewName, op->getOperands());
}

constexpr char kDequantizeLinear[] = "onnx.DequantizeLinear",
               kQuantizeLinear[] = "onnx.QuantizeLinear";

LogicalResult upgradeQLinearConv(Operation *op, OnnxBuilder &b) {
  if (intAttrOr(op, "channels_last", 0) != 0)
    return b.fail("channels_last = 1 (NHWC input) is not supported");
  return b.rename("onnx.QLinearConv", op->getOperands(), {"channels_last"});
}

/// DequantizeLinear of `q` whose result has the shape of `shapeLike` (DequantizeLinear has no
/// shape inference of its own).
Value dequantize(OnnxBuilder &b, Value q, Value scale, Value zero, Value shapeLike) {
  Type f32 = b.builder().getF32Type();
  Type type = UnrankedTensorType::get(f32);
  if (auto ranked = dyn_cast<RankedTensorType>(shapeLike.getType()))
    type = RankedTensorType::get(ranked.getShape(), f32);
  return b.create("onnx.DequantizeLinear", {q, scale, zero}, {}, type)->getResult(0);
}

/// A zero point that is absent is 0 of the quantized type, which QuantizeLinear can only
/// tell from a zero-point input.
Value zeroPointOr(OnnxBuilder &b, Value zeroPoint, Type quantized) {
  return isNone(zeroPoint) ? b.scalar(quantized, 0) : zeroPoint;
}

template <const char *BinaryOp>
LogicalResult upgradeQLinearBinary(Operation *op, OnnxBuilder &b) {
  Value a = op->getOperand(0), aScale = op->getOperand(1), aZero = op->getOperand(2);
  Value x = op->getOperand(3), xScale = op->getOperand(4), xZero = op->getOperand(5);
  Value cScale = op->getOperand(6), cZero = op->getOperand(7);
  Type f32 = b.builder().getF32Type(), quantized = elementTypeOf(a);
  Value lhs = dequantize(b, a, aScale, aZero, a);
  Value rhs = dequantize(b, x, xScale, xZero, x);
  Value sum = b.op(BinaryOp, {lhs, rhs}, f32);
  return b.replaceWith(b.op("onnx.QuantizeLinear",
                            {sum, cScale, zeroPointOr(b, cZero, quantized)}, quantized));
}

constexpr char kAdd[] = "onnx.Add", kMul[] = "onnx.Mul";

LogicalResult upgradeQGemm(Operation *op, OnnxBuilder &b) {
  Value a = op->getOperand(0), aScale = op->getOperand(1), aZero = op->getOperand(2);
  Value x = op->getOperand(3), xScale = op->getOperand(4), xZero = op->getOperand(5);
  Value c = op->getOperand(6), yScale = op->getOperand(7), yZero = op->getOperand(8);
  for (Value v : {a, x})
    if (rankOf(v) != 2)
      return b.fail("A and B must be ranked 2-D tensors");
  Type f32 = b.builder().getF32Type(), i32 = b.builder().getI32Type();
  if (intAttrOr(op, "transA", 0))
    a = b.op("onnx.Transpose", {a}, elementTypeOf(a));
  if (intAttrOr(op, "transB", 0))
    x = b.op("onnx.Transpose", {x}, elementTypeOf(x));
  Value product = b.op("onnx.MatMulInteger", {a, x, aZero, xZero}, i32);
  if (!isNone(c))
    product = b.op("onnx.Add", {product, c}, i32);
  double alpha = 1.0;
  if (auto attr = op->getAttrOfType<FloatAttr>("alpha"))
    alpha = attr.getValueAsDouble();
  Value scale = b.op("onnx.Mul", {aScale, xScale}, f32);
  if (alpha != 1.0)
    scale = b.op("onnx.Mul", {scale, b.scalar(f32, alpha)}, f32);
  Value y = b.op("onnx.Mul", {b.op("onnx.Cast", {product}, f32, {b.intAttr("to", 1)}), scale}, f32);
  if (isNone(yScale))
    return b.replaceWith(y);
  Type quantized = elementTypeOf(op->getResult(0));
  return b.replaceWith(
      b.op("onnx.QuantizeLinear", {y, yScale, zeroPointOr(b, yZero, quantized)}, quantized));
}

/// (W - zero_point) * scale for DynamicQuantizeLSTM's W [D, I, 4H] or R [D, H, 4H], whose
/// scale and zero point are per direction [D] or per direction and column [D, 4H];
/// transposed to LSTM's layout [D, 4H, I].
FailureOr<Value> dequantizeRecurrentWeight(OnnxBuilder &b, Value w, Value scale, Value zero) {
  for (Value v : {scale, zero})
    if (rankOf(v) != 1 && rankOf(v) != 2)
      return b.fail("weight scales and zero points must be ranked [num_directions] or "
                    "[num_directions, 4 * hidden_size] tensors");
  Type f32 = b.builder().getF32Type();
  // [D] -> [D, 1, 1] and [D, 4H] -> [D, 1, 4H]: both broadcast against [D, I, 4H].
  Value shape = b.i64s({0, 1, -1});
  auto toFloat = [&](Value v) { return b.op("onnx.Cast", {v}, f32, {b.intAttr("to", 1)}); };
  Value centered = b.op("onnx.Sub",
                        {toFloat(w), toFloat(b.op("onnx.Reshape", {zero, shape},
                                                  elementTypeOf(zero)))},
                        f32);
  Value dequantized =
      b.op("onnx.Mul", {centered, b.op("onnx.Reshape", {scale, shape}, f32)}, f32);
  return b.op("onnx.Transpose", {dequantized}, f32,
              {b.attr("perm", b.builder().getDenseI64ArrayAttr({0, 2, 1}))});
}

/// The attributes that hand the LSTM lowering DynamicQuantizeLSTM's R as 8-bit integers
/// (Recurrence.h), when R, its scales and its zero points are constants and each
/// direction has one zero point (ONNX Runtime's kernel reads only the first); none
/// otherwise, and the LSTM multiplies the dequantized f32 R.
SmallVector<NamedAttribute> quantizedRecurrentWeight(OnnxBuilder &b, Value r, Value scale,
                                                     Value zero) {
  std::optional<folding::Literal> rl = folding::readConstant(r);
  std::optional<folding::Literal> sl = folding::readConstant(scale);
  std::optional<folding::Literal> zl = folding::readConstant(zero);
  if (!rl || !sl || !zl || rl->shape.size() != 3 || rl->isFloat() ||
      rl->elementType.getIntOrFloatBitWidth() != 8)
    return {};
  int64_t d = rl->shape[0], columns = rl->shape[2];
  auto perDirection = [&](const folding::Literal &l, int64_t dir, int64_t col) {
    int64_t n = l.numElements();
    return n == d ? l.getDouble(dir) : n == d * columns ? l.getDouble(dir * columns + col) : NAN;
  };
  std::vector<float> scales(d * columns);
  std::vector<int32_t> zeros(d);
  for (int64_t dir = 0; dir < d; ++dir) {
    zeros[dir] = static_cast<int32_t>(perDirection(*zl, dir, 0));
    for (int64_t col = 0; col < columns; ++col) {
      double z = perDirection(*zl, dir, col), s = perDirection(*sl, dir, col);
      if (std::isnan(z) || std::isnan(s) || z != zeros[dir])
        return {};
      scales[dir * columns + col] = static_cast<float>(s);
    }
  }
  OpBuilder &builder = b.builder();
  std::vector<int8_t> bits(rl->ints.size());
  for (auto [i, v] : llvm::enumerate(rl->ints))
    bits[i] = static_cast<int8_t>(static_cast<uint8_t>(v));
  auto i8Type = RankedTensorType::get(rl->shape, builder.getI8Type());
  SmallVector<NamedAttribute> attrs{
      builder.getNamedAttr(conversion::kRecurrentWeightAttr,
                           DenseElementsAttr::get(i8Type, ArrayRef<int8_t>(bits))),
      builder.getNamedAttr(conversion::kRecurrentScaleAttr,
                           DenseElementsAttr::get(RankedTensorType::get({d, columns},
                                                                        builder.getF32Type()),
                                                  ArrayRef<float>(scales))),
      builder.getNamedAttr(conversion::kRecurrentZeroPointAttr,
                           DenseElementsAttr::get(RankedTensorType::get({d}, builder.getI32Type()),
                                                  ArrayRef<int32_t>(zeros)))};
  if (rl->elementType.isUnsignedInteger())
    attrs.push_back(
        builder.getNamedAttr(conversion::kRecurrentWeightUnsignedAttr, builder.getUnitAttr()));
  return attrs;
}

LogicalResult upgradeDynamicQuantizeLSTM(Operation *op, OnnxBuilder &b) {
  SmallVector<Value> inputs(op->getOperands().take_front(8));
  FailureOr<Value> w =
      dequantizeRecurrentWeight(b, inputs[1], op->getOperand(8), op->getOperand(9));
  if (failed(w))
    return failure();
  FailureOr<Value> r =
      dequantizeRecurrentWeight(b, inputs[2], op->getOperand(10), op->getOperand(11));
  if (failed(r))
    return failure();
  inputs[1] = *w;
  inputs[2] = *r;
  // X as ONNX Runtime multiplies it: quantized to uint8 with one scale for the whole input.
  Type f32 = b.builder().getF32Type(), u8 = b.builder().getIntegerType(8, /*isSigned=*/false);
  auto scalar = [&](Type elem) { return RankedTensorType::get({}, elem); };
  Operation *quantized =
      b.create("onnx.DynamicQuantizeLinear", {inputs[0]}, {},
               {UnrankedTensorType::get(u8), scalar(f32), scalar(u8)});
  ValueRange q = quantized->getResults();
  inputs[0] = dequantize(b, q[0], q[1], q[2], inputs[0]);
  SmallVector<NamedAttribute> added = quantizedRecurrentWeight(
      b, op->getOperand(2), op->getOperand(10), op->getOperand(11));
  added.push_back(
      b.builder().getNamedAttr(conversion::kQuantizeHiddenAttr, b.builder().getUnitAttr()));
  return b.rename("onnx.LSTM", inputs, /*dropped=*/{}, added);
}

/// Splits each byte of `packed` (uint8 [..., n]) into its 8 / bits fields, lowest bits
/// first: uint8 [..., n * 8 / bits].
Value unpackBits(OnnxBuilder &b, Value packed, int64_t bits) {
  Type u8 = elementTypeOf(packed);
  if (bits == 8)
    return packed;
  SmallVector<Value> fields;
  Value mask = b.scalar(u8, (1 << bits) - 1);
  Value axis = b.i64s({-1});
  for (int64_t shift = 0; shift < 8; shift += bits) {
    Value field = shift == 0 ? packed
                             : b.op("onnx.BitShift", {packed, b.scalar(u8, shift)}, u8,
                                    {b.strAttr("direction", "RIGHT")});
    field = b.op("onnx.BitwiseAnd", {field, mask}, u8);
    fields.push_back(b.op("onnx.Unsqueeze", {field, axis}, u8));
  }
  Value stacked = b.op("onnx.Concat", fields, u8, {b.intAttr("axis", -1)});
  // [..., n, 8 / bits] -> [..., n * 8 / bits].
  Value shape = b.op("onnx.Concat",
                     {b.op("onnx.Slice", {b.op("onnx.Shape", {packed}, b.builder().getI64Type()),
                                          b.i64s({0}), b.i64s({-1}), b.none(), b.none()},
                           b.builder().getI64Type()),
                      b.i64s({-1})},
                     b.builder().getI64Type(), {b.intAttr("axis", 0)});
  return b.op("onnx.Reshape", {stacked, shape}, u8);
}

/// MatMulNBits' product with its weight as a blocked DequantizeLinear of the 2- or
/// 4-bit values `q` (uint8 [N, blocks, block_size]), [K, N] along axis 0 after folding:
/// the form the CPU backend computes with the values still 4-bit (Int4Weights.cpp),
/// instead of an f32 weight. Without zero points the values are offset by
/// 2^(bits - 1) and made signed.
Value matMulOfBlockedWeight(OnnxBuilder &b, Value a, Value q, Value scales, Value zeros,
                            Value bias, int64_t k, int64_t n, int64_t bits, int64_t blockSize) {
  int64_t blocks = (k + blockSize - 1) / blockSize;
  Type elem = elementTypeOf(a), u8 = elementTypeOf(q);
  Type i8 = b.builder().getIntegerType(8);
  auto kByN = [&](Value v, Type type, int64_t rows) {
    // [N, rows...] -> [N, rows] -> [rows, N]
    v = b.op("onnx.Reshape", {v, b.i64s({n, -1})}, type);
    if (rows != -1)
      v = b.op("onnx.Slice", {v, b.i64s({0}), b.i64s({rows}), b.i64s({1}), b.none()}, type);
    return b.op("onnx.Transpose", {v}, type);
  };
  Value values = kByN(q, u8, blocks * blockSize == k ? -1 : k);
  Value zero;
  if (isNone(zeros)) {
    values = b.op("onnx.Sub", {b.op("onnx.Cast", {values}, i8, {b.intAttr("to", 3)}),
                               b.scalar(i8, 1 << (bits - 1))},
                  i8);
    zero = b.none();
  } else {
    // Packed like B, each row padded to whole bytes: [N, ceil(blocks * bits / 8)].
    Value rows = b.op("onnx.Reshape", {zeros, b.i64s({n, -1})}, u8);
    zero = kByN(unpackBits(b, rows, bits), u8, blocks);
  }
  Value w = b.op("onnx.DequantizeLinear", {values, kByN(scales, elem, -1), zero}, elem,
                 {b.intAttr("axis", 0), b.intAttr("block_size", blockSize)});
  Value y = b.op("onnx.MatMul", {a, w}, elem);
  if (!isNone(bias))
    y = b.op("onnx.Add", {y, bias}, elem);
  return y;
}

LogicalResult upgradeMatMulNBits(Operation *op, OnnxBuilder &b) {
  Value a = op->getOperand(0), packed = op->getOperand(1), scales = op->getOperand(2);
  Value zeros = op->getOperand(3), groups = op->getOperand(4), bias = op->getOperand(5);
  int64_t k = intAttrOr(op, "K", 0), n = intAttrOr(op, "N", 0);
  int64_t bits = intAttrOr(op, "bits", 4), blockSize = intAttrOr(op, "block_size", 0);
  if (bits != 2 && bits != 4 && bits != 8)
    return b.fail("bits = " + Twine(bits) + " is not supported (2, 4 or 8)");
  if (k <= 0 || n <= 0 || blockSize < 16 || (blockSize & (blockSize - 1)))
    return b.fail("K and N must be positive and block_size a power of two >= 16 (K = " +
                  Twine(k) + ", N = " + Twine(n) + ", block_size = " + Twine(blockSize) + ")");
  if (!isNone(groups))
    return b.fail("g_idx (act-order group indices) is not supported");
  if (intAttrOr(op, "weight_prepacked", 0) != 0)
    return b.fail("weights prepacked for a CUDA kernel (weight_prepacked != 0) are not supported");
  int64_t blocks = (k + blockSize - 1) / blockSize;
  Type elem = elementTypeOf(a), u8 = elementTypeOf(packed);
  // B [N, blocks, blob] -> quantized values [N, blocks, block_size] in A's type.
  Value q = b.op("onnx.Reshape", {unpackBits(b, packed, bits), b.i64s({n, blocks, blockSize})},
                 u8);
  if (bits <= 4 && elem.isF32() && (isNone(zeros) || elementTypeOf(zeros) == u8))
    return b.replaceWith(matMulOfBlockedWeight(b, a, q, scales, zeros, bias, k, n, bits,
                                               blockSize));
  Value w = b.op("onnx.CastLike", {q, scales}, elem);
  Value blockShape = b.i64s({n, blocks, 1});
  Value zero;
  if (isNone(zeros)) {
    zero = b.scalar(elem, 1 << (bits - 1));
  } else if (elementTypeOf(zeros) == u8) {
    // Packed like B, each row padded to whole bytes: [N, ceil(blocks * bits / 8)].
    Value rows = b.op("onnx.Reshape", {zeros, b.i64s({n, -1})}, u8);
    Value unpacked = b.op("onnx.Slice", {unpackBits(b, rows, bits), b.i64s({0}),
                                         b.i64s({blocks}), b.i64s({1}), b.none()},
                          u8);
    zero = b.op("onnx.CastLike", {b.op("onnx.Reshape", {unpacked, blockShape}, u8), scales},
                elem);
  } else {
    zero = b.op("onnx.Reshape", {zeros, blockShape}, elem);
  }
  w = b.op("onnx.Sub", {w, zero}, elem);
  w = b.op("onnx.Mul", {w, b.op("onnx.Reshape", {scales, blockShape}, elem)}, elem);
  // [N, blocks * block_size] -> the first K columns -> [K, N].
  w = b.op("onnx.Reshape", {w, b.i64s({n, blocks * blockSize})}, elem);
  if (blocks * blockSize != k)
    w = b.op("onnx.Slice", {w, b.i64s({0}), b.i64s({k}), b.i64s({1}), b.none()}, elem);
  w = b.op("onnx.Transpose", {w}, elem);
  Value y = b.op("onnx.MatMul", {a, w}, elem);
  if (!isNone(bias))
    y = b.op("onnx.Add", {y, bias}, elem);
  return b.replaceWith(y);
}

} // namespace

void addContribQuantizationUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  table["onnx.ms.DequantizeLinear"] = upgradeRename<kDequantizeLinear>;
  table["onnx.ms.QuantizeLinear"] = upgradeRename<kQuantizeLinear>;
  table["onnx.ms.QLinearConv"] = upgradeQLinearConv;
  table["onnx.ms.QLinearAdd"] = upgradeQLinearBinary<kAdd>;
  table["onnx.ms.QLinearMul"] = upgradeQLinearBinary<kMul>;
  table["onnx.ms.QGemm"] = upgradeQGemm;
  table["onnx.ms.DynamicQuantizeLSTM"] = upgradeDynamicQuantizeLSTM;
  table["onnx.ms.MatMulNBits"] = upgradeMatMulNBits;
}

} // namespace kiln::upgrade
