//===- UpgradeContribTransformer.cpp - ONNX Runtime's transformer contrib ops -===//
//
// The contrib ops ONNX Runtime's transformer optimizer fuses (ir/onnx/contrib_schemas.py),
// each rewritten as the default-domain ops that compute it:
//
//   Gelu, BiasGelu        Gelu(X), Gelu(A + B) (the erf form)
//   FastGelu              Gelu(X + bias, approximate = tanh)
//   QuickGelu             X * Sigmoid(alpha * X)
//   FusedMatMul           alpha * MatMul(op(A), op(B)); op transposes the last two dimensions
//                         (transA/B) after moving the first dimension behind the other batch
//                         dimensions (transBatchA/B)
//   SkipLayerNormalization            LayerNormalization(input + skip + bias) over the last
//   SkipSimplifiedLayerNormalization  axis; RMSNormalization for the simplified one. Output 3
//                                     is the sum; mean (output 1) exists only in the former
//   SimplifiedLayerNormalization      RMSNormalization (the inverse RMS output is refused)
//   Attention             the packed QKV projection, per-head scaled dot products, the mask
//                         (raw 2-D or 3-D 0/1 masks, 1-D right-padding lengths), the causal
//                         mask of unidirectional, attention_bias, Softmax and the V product.
//                         past/present, rotary embeddings and the left-padding mask layouts
//                         are refused
//
//===----------------------------------------------------------------------===//

#include "passes/Upgrade/LegacyUpgrades.h"

#include "mlir/IR/BuiltinTypes.h"

#include <cmath>
#include <numeric>

using namespace mlir;

namespace kiln::upgrade {
namespace {

bool isNone(Value v) { return isa<NoneType>(v.getType()); }

float floatAttrOr(Operation *op, StringRef name, float fallback) {
  if (auto attr = op->getAttrOfType<FloatAttr>(name))
    return attr.getValueAsDouble();
  return fallback;
}

LogicalResult upgradeGelu(Operation *op, OnnxBuilder &b) {
  return b.rename("onnx.Gelu", op->getOperands());
}

LogicalResult upgradeBiasGelu(Operation *op, OnnxBuilder &b) {
  Type elem = elementTypeOf(op->getOperand(0));
  Value sum = b.op("onnx.Add", {op->getOperand(0), op->getOperand(1)}, elem);
  return b.replaceWith(b.op("onnx.Gelu", {sum}, elem));
}

LogicalResult upgradeFastGelu(Operation *op, OnnxBuilder &b) {
  Value x = op->getOperand(0), bias = op->getOperand(1);
  Type elem = elementTypeOf(x);
  if (!isNone(bias))
    x = b.op("onnx.Add", {x, bias}, elem);
  return b.replaceWith(b.op("onnx.Gelu", {x}, elem, {b.strAttr("approximate", "tanh")}));
}

LogicalResult upgradeQuickGelu(Operation *op, OnnxBuilder &b) {
  Value x = op->getOperand(0);
  Type elem = elementTypeOf(x);
  Value scaled = b.op("onnx.Mul", {x, b.scalar(elem, floatAttrOr(op, "alpha", 1.702f))}, elem);
  return b.replaceWith(b.op("onnx.Mul", {x, b.op("onnx.Sigmoid", {scaled}, elem)}, elem));
}

/// A FusedMatMul operand transposed as transBatch and trans say.
FailureOr<Value> fusedMatMulOperand(OnnxBuilder &b, Value v, bool transBatch, bool trans,
                                    StringRef which) {
  if (!transBatch && !trans)
    return v;
  int64_t rank = rankOf(v);
  if (rank < 0)
    return b.fail("transposing " + which + " needs its rank");
  if (rank < 2)
    return b.fail(which + " must have rank >= 2 to be transposed");
  SmallVector<int64_t> perm(rank);
  std::iota(perm.begin(), perm.end(), 0);
  if (transBatch && rank > 2) {
    // [d0, d1, ..., d(r-2), d(r-1)] -> [d1, ..., d(r-2), d0, d(r-1)].
    std::rotate(perm.begin(), perm.begin() + 1, perm.end() - 1);
  }
  if (trans)
    std::swap(perm[rank - 2], perm[rank - 1]);
  return b.op("onnx.Transpose", {v}, elementTypeOf(v),
              {b.attr("perm", b.builder().getDenseI64ArrayAttr(perm))});
}

LogicalResult upgradeFusedMatMul(Operation *op, OnnxBuilder &b) {
  FailureOr<Value> lhs = fusedMatMulOperand(b, op->getOperand(0), intAttrOr(op, "transBatchA", 0),
                                            intAttrOr(op, "transA", 0), "A");
  if (failed(lhs))
    return failure();
  FailureOr<Value> rhs = fusedMatMulOperand(b, op->getOperand(1), intAttrOr(op, "transBatchB", 0),
                                            intAttrOr(op, "transB", 0), "B");
  if (failed(rhs))
    return failure();
  Type elem = elementTypeOf(*lhs);
  Value y = b.op("onnx.MatMul", {*lhs, *rhs}, elem);
  float alpha = floatAttrOr(op, "alpha", 1.0f);
  if (alpha != 1.0f)
    y = b.op("onnx.Mul", {y, b.scalar(elem, alpha)}, elem);
  return b.replaceWith(y);
}

/// SkipLayerNormalization (simplified = false) and SkipSimplifiedLayerNormalization.
template <bool Simplified>
LogicalResult upgradeSkipNorm(Operation *op, OnnxBuilder &b) {
  Value input = op->getOperand(0), skip = op->getOperand(1), gamma = op->getOperand(2);
  Value beta = Simplified ? Value() : op->getOperand(3);
  Value bias = op->getOperand(Simplified ? 3 : 4);
  Type elem = elementTypeOf(input), f32 = b.builder().getF32Type();
  Value sum = b.op("onnx.Add", {input, skip}, elem);
  if (!isNone(bias))
    sum = b.op("onnx.Add", {sum, bias}, elem);
  auto epsilon = b.attr("epsilon", b.builder().getF32FloatAttr(floatAttrOr(op, "epsilon", 1e-12f)));
  if (Simplified) {
    if (!op->getResult(1).use_empty() || !op->getResult(2).use_empty())
      return b.fail("the mean and inv_std_var outputs are not supported");
    Value y = b.op("onnx.RMSNormalization", {sum, gamma}, elem,
                   {b.intAttr("axis", -1), epsilon});
    return b.replaceWith({y, b.none(), b.none(), sum});
  }
  Operation *norm = b.create("onnx.LayerNormalization", {sum, gamma, beta},
                             {b.intAttr("axis", -1), epsilon},
                             {UnrankedTensorType::get(elem), UnrankedTensorType::get(f32),
                              UnrankedTensorType::get(f32)});
  return b.replaceWith({norm->getResult(0), norm->getResult(1), norm->getResult(2), sum});
}

LogicalResult upgradeSimplifiedLayerNorm(Operation *op, OnnxBuilder &b) {
  if (!op->getResult(1).use_empty())
    return b.fail("the inv_std_var output is not supported");
  Type elem = elementTypeOf(op->getOperand(1));
  return b.replaceWith(b.op("onnx.RMSNormalization", op->getOperands(), elem,
                            op->getAttrDictionary().getValue()));
}

/// The additive mask [B, 1 or S, T] (broadcast over heads after an Unsqueeze) of
/// Attention's mask_index, or failure for the layouts Kiln does not support. `batchOf` is
/// the input, whose first dimension is the batch size.
FailureOr<Value> attentionMask(OnnxBuilder &b, Value mask, Value batchOf, Value keyLength,
                               Type elem, float filter) {
  Type i64 = b.builder().getI64Type(), i1 = b.builder().getI1Type();
  int64_t rank = rankOf(mask);
  Value keep;
  if (rank == 2 || rank == 3) {
    // Raw masks: 1 attends, 0 is masked.
    Value keepRaw = b.op("onnx.Greater", {mask, b.scalar(elementTypeOf(mask), 0)}, i1);
    keep = rank == 2 ? b.op("onnx.Unsqueeze", {keepRaw, b.i64s({1})}, i1) : keepRaw;
  } else if (rank == 1) {
    // [B]: right padding, the valid length of each sequence. ONNX Runtime also reads [2B]
    // (left padding) and [3B + 2]: only a static [B] matching a static batch size is taken.
    auto type = cast<RankedTensorType>(mask.getType());
    auto inputType = dyn_cast<RankedTensorType>(batchOf.getType());
    if (type.isDynamicDim(0) || !inputType || inputType.getRank() < 1 ||
        inputType.isDynamicDim(0) || type.getDimSize(0) != inputType.getDimSize(0))
      return b.fail("a 1-D mask_index must have the input's static batch size (right-padding "
                    "lengths); the left-padding layouts are not supported");
    Value positions = b.op("onnx.Range", {b.scalar(i64, 0), keyLength, b.scalar(i64, 1)}, i64);
    Value lengths = b.op("onnx.Unsqueeze",
                         {b.op("onnx.Cast", {mask}, i64, {b.intAttr("to", 7)}), b.i64s({1})},
                         i64);
    keep = b.op("onnx.Unsqueeze", {b.op("onnx.Less", {positions, lengths}, i1), b.i64s({1})},
                i1);
  } else {
    return b.fail("mask_index of rank " + Twine(rank) +
                  " is not supported (2-D or 3-D raw masks, or 1-D lengths)");
  }
  return b.op("onnx.Where", {keep, b.scalar(elem, 0), b.scalar(elem, filter)}, elem);
}

LogicalResult upgradeAttention(Operation *op, OnnxBuilder &b) {
  Value input = op->getOperand(0), weights = op->getOperand(1), bias = op->getOperand(2);
  Value mask = op->getOperand(3), past = op->getOperand(4), attnBias = op->getOperand(5);
  if (!isNone(past) || !isNone(op->getOperand(6)) || !op->getResult(1).use_empty())
    return b.fail("past and present key/value states are not supported");
  if (intAttrOr(op, "do_rotary", 0) != 0)
    return b.fail("rotary embeddings (do_rotary = 1) are not supported");
  int64_t heads = intAttrOr(op, "num_heads", 0);
  if (heads <= 0)
    return b.fail("num_heads must be positive");
  auto weightType = dyn_cast<RankedTensorType>(weights.getType());
  if (!weightType || weightType.getRank() != 2 || weightType.isDynamicDim(1))
    return b.fail("weights must be a 2-D tensor with a static second dimension");
  SmallVector<int64_t> sizes;
  if (auto attr = op->getAttrOfType<DenseI64ArrayAttr>("qkv_hidden_sizes"))
    sizes.assign(attr.asArrayRef().begin(), attr.asArrayRef().end());
  else if (weightType.getDimSize(1) % 3 == 0)
    sizes.assign(3, weightType.getDimSize(1) / 3);
  if (sizes.size() != 3 || sizes[0] != sizes[1] ||
      sizes[0] + sizes[1] + sizes[2] != weightType.getDimSize(1) ||
      llvm::any_of(sizes, [&](int64_t s) { return s <= 0 || s % heads != 0; }))
    return b.fail("qkv_hidden_sizes must be three sizes divisible by num_heads, Q's equal to "
                  "K's, summing to the weights' second dimension " +
                  Twine(weightType.getDimSize(1)));
  int64_t headSize = sizes[0] / heads;
  float scale = floatAttrOr(op, "scale", 1.0f / std::sqrt(static_cast<float>(headSize)));
  float filter = floatAttrOr(op, "mask_filter_value", -10000.0f);

  Type elem = elementTypeOf(input), i64 = b.builder().getI64Type(), i1 = b.builder().getI1Type();
  Value qkv = b.op("onnx.MatMul", {input, weights}, elem);
  if (!isNone(bias))
    qkv = b.op("onnx.Add", {qkv, bias}, elem);
  Operation *split = b.create("onnx.Split", {qkv, b.i64s(sizes)}, {b.intAttr("axis", -1)},
                              {UnrankedTensorType::get(elem), UnrankedTensorType::get(elem),
                               UnrankedTensorType::get(elem)});
  // [B, S, heads * d] -> [B, heads, S, d] (K: [B, heads, d, S]).
  auto toHeads = [&](Value v, ArrayRef<int64_t> perm) {
    Value split = b.op("onnx.Reshape", {v, b.i64s({0, 0, heads, -1})}, elem);
    return b.op("onnx.Transpose", {split}, elem,
                {b.attr("perm", b.builder().getDenseI64ArrayAttr(perm))});
  };
  Value q = toHeads(split->getResult(0), {0, 2, 1, 3});
  Value k = toHeads(split->getResult(1), {0, 2, 3, 1});
  Value v = toHeads(split->getResult(2), {0, 2, 1, 3});
  Value scores = b.op("onnx.Mul", {b.op("onnx.MatMul", {q, k}, elem), b.scalar(elem, scale)},
                      elem);

  Value shape = b.op("onnx.Shape", {input}, i64);
  Value seqLength = b.op("onnx.Gather", {shape, b.scalar(i64, 1)}, i64);
  if (!isNone(mask)) {
    FailureOr<Value> additive = attentionMask(b, mask, input, seqLength, elem, filter);
    if (failed(additive))
      return failure();
    scores = b.op("onnx.Add", {scores, b.op("onnx.Unsqueeze", {*additive, b.i64s({1})}, elem)},
                  elem);
  }
  if (intAttrOr(op, "unidirectional", 0) != 0) {
    // Key j is masked for query i when j > i.
    Value positions = b.op("onnx.Range", {b.scalar(i64, 0), seqLength, b.scalar(i64, 1)}, i64);
    Value later = b.op("onnx.Greater",
                       {positions, b.op("onnx.Unsqueeze", {positions, b.i64s({1})}, i64)}, i1);
    scores = b.op("onnx.Add",
                  {scores, b.op("onnx.Where", {later, b.scalar(elem, filter), b.scalar(elem, 0)},
                                elem)},
                  elem);
  }
  if (!isNone(attnBias))
    scores = b.op("onnx.Add", {scores, attnBias}, elem);
  Value probs = b.op("onnx.Softmax", {scores}, elem, {b.intAttr("axis", -1)});
  Value context = b.op("onnx.MatMul", {probs, v}, elem);
  context = b.op("onnx.Transpose", {context}, elem,
                 {b.attr("perm", b.builder().getDenseI64ArrayAttr({0, 2, 1, 3}))});
  return b.replaceWith(b.op("onnx.Reshape", {context, b.i64s({0, 0, -1})}, elem));
}

} // namespace

void addContribTransformerUpgrades(llvm::StringMap<LegacyUpgrade> &table) {
  table["onnx.ms.Gelu"] = upgradeGelu;
  table["onnx.ms.BiasGelu"] = upgradeBiasGelu;
  table["onnx.ms.FastGelu"] = upgradeFastGelu;
  table["onnx.ms.QuickGelu"] = upgradeQuickGelu;
  table["onnx.ms.FusedMatMul"] = upgradeFusedMatMul;
  table["onnx.ms.SkipLayerNormalization"] = upgradeSkipNorm<false>;
  table["onnx.ms.SkipSimplifiedLayerNormalization"] = upgradeSkipNorm<true>;
  table["onnx.ms.SimplifiedLayerNormalization"] = upgradeSimplifiedLayerNorm;
  table["onnx.ms.Attention"] = upgradeAttention;
}

} // namespace kiln::upgrade
