//===- Attention.cpp - Lower onnx Attention to linalg ---------------------===//
//
// Scaled dot-product attention (opsets 23 to 25, all upgraded to onnx.Attention):
//
//   Q, K, V   -> [B, H, S, D] (3-D inputs are split into heads and transposed)
//   K, V      =  concat(past, K/V) along the sequence axis (the present outputs)
//   qk        =  softcap((Q * sqrt(scale)) (K * sqrt(scale))^T)
//   bias      =  attn_mask (bool: 0 / -inf, float: added) + causal, window and
//                nonpad_kv_seqlen frontiers (0 / -inf)
//   p         =  softmax(qk + bias) along the keys, 0 in rows whose bias is all -inf
//   Y         =  p V
//
// Grouped-query attention never materializes repeated K/V heads: Q (and p) are viewed
// as [B, Hkv, reps, S, D], head h = hk * reps + r, and the two contractions read K and V
// at head hk. The arithmetic is in f32 (f64 for f64 inputs or softmax_precision =
// DOUBLE); for f16/bf16 inputs the values are rounded to the input type where the ONNX
// reference rounds them, so the node tests match to the last bit.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/Broadcast.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/ReduceDims.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>
#include <limits>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

constexpr int64_t kOnnxDouble = 11; // TensorProto.DOUBLE

RankedTensorType getStaticType(Value v) {
  auto type = dyn_cast<RankedTensorType>(v.getType());
  return type && type.hasStaticShape() ? type : RankedTensorType();
}

/// Copies a rank-4 `input` to a fresh tensor of element type `elementType`, swapping
/// dims 1 and 2 if `swap` ([B, S, H, D] <-> [B, H, S, D]).
Value relayout(OpBuilder &b, Location loc, Value input, Type elementType, bool swap) {
  auto type = cast<RankedTensorType>(input.getType());
  if (!swap && type.getElementType() == elementType)
    return input;
  SmallVector<int64_t> shape(type.getShape());
  if (swap)
    std::swap(shape[1], shape[2]);
  auto resultType = RankedTensorType::get(shape, elementType);
  MLIRContext *ctx = b.getContext();
  SmallVector<unsigned> perm{0, swap ? 2u : 1u, swap ? 1u : 2u, 3};
  SmallVector<AffineMap> maps{AffineMap::getPermutationMap(perm, ctx), b.getMultiDimIdentityMap(4)};
  Value init = tensor::EmptyOp::create(b, loc, shape, elementType);
  SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{input}, ValueRange{init}, maps, iterators,
             [&](OpBuilder &nb, Location l, ValueRange args) {
               linalg::YieldOp::create(nb, l,
                                       castScalar(nb, l, args[0], elementType, false, false));
             })
      .getResult(0);
}

/// Contracts `lhs` [B, Hkv, reps, M, K] with `rhs` [B, Hkv, N, K] (`rhsTransposed`, Q K^T)
/// or [B, Hkv, K, N] (p V) into [B, Hkv, reps, M, N].
Value contract(OpBuilder &b, Location loc, Value lhs, Value rhs, bool rhsTransposed) {
  auto lhsType = cast<RankedTensorType>(lhs.getType());
  auto rhsType = cast<RankedTensorType>(rhs.getType());
  SmallVector<int64_t> shape(lhsType.getShape().drop_back());
  shape.push_back(rhsType.getDimSize(rhsTransposed ? 2 : 3));
  Type elementType = lhsType.getElementType();
  auto resultType = RankedTensorType::get(shape, elementType);
  Value init = fill(b, loc, tensor::EmptyOp::create(b, loc, shape, elementType),
                    createScalarConstant(b, loc, elementType, 0));
  MLIRContext *ctx = b.getContext();
  auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
  // Dims: b, hk, r, m, n, k.
  SmallVector<AffineMap> maps{AffineMap::get(6, 0, {d(0), d(1), d(2), d(3), d(5)}, ctx),
                              AffineMap::get(6, 0,
                                             rhsTransposed
                                                 ? ArrayRef<AffineExpr>{d(0), d(1), d(4), d(5)}
                                                 : ArrayRef<AffineExpr>{d(0), d(1), d(5), d(4)},
                                             ctx),
                              AffineMap::get(6, 0, {d(0), d(1), d(2), d(3), d(4)}, ctx)};
  SmallVector<utils::IteratorType> iterators(5, utils::IteratorType::parallel);
  iterators.push_back(utils::IteratorType::reduction);
  return linalg::GenericOp::create(
             b, loc, TypeRange{resultType}, ValueRange{lhs, rhs}, ValueRange{init}, maps, iterators,
             yieldMulAdd)
      .getResult(0);
}

/// [B, H, S, X] <-> [B, Hkv, reps, S, X].
SmallVector<ReassociationIndices> headGroups() { return {{0}, {1, 2}, {3}, {4}}; }

Value splitHeads(OpBuilder &b, Location loc, Value v, int64_t kvHeads) {
  auto type = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> shape{type.getDimSize(0), kvHeads, type.getDimSize(1) / kvHeads,
                             type.getDimSize(2), type.getDimSize(3)};
  return tensor::ExpandShapeOp::create(b, loc, RankedTensorType::get(shape, type.getElementType()),
                                       v, headGroups());
}

Value mergeHeads(OpBuilder &b, Location loc, Value v) {
  return tensor::CollapseShapeOp::create(b, loc, v, headGroups());
}

struct AttentionLowering : OnnxLoweringPattern<AttentionOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(AttentionOp op, OpAdaptor adaptor, RankedTensorType yType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto qType = getStaticType(adaptor.getQ()), kType = getStaticType(adaptor.getK()),
         vType = getStaticType(adaptor.getV());
    if (!qType || !kType || !vType || !yType.hasStaticShape())
      return reject(rewriter, op, "Q, K, V and Y must have static shapes");
    int64_t rank = qType.getRank();
    if ((rank != 3 && rank != 4) || kType.getRank() != rank || vType.getRank() != rank)
      return reject(rewriter, op, "Q, K and V must all be 3-D or all be 4-D");
    Type elementType = qType.getElementType();
    if (kType.getElementType() != elementType || vType.getElementType() != elementType)
      return reject(rewriter, op, "Q, K and V must have the same element type");

    // Q, K, V as [B, H, S, D] in the input type.
    Value q = adaptor.getQ(), k = adaptor.getK(), v = adaptor.getV();
    if (rank == 3) {
      std::optional<uint64_t> qHeads = op.getQNumHeads(), kvHeads = op.getKvNumHeads();
      if (!qHeads || !kvHeads || *qHeads == 0 || *kvHeads == 0)
        return reject(rewriter, op, "3-D inputs need positive q_num_heads and kv_num_heads");
      auto split = [&](Value x, RankedTensorType type, int64_t heads) -> Value {
        int64_t hidden = type.getDimSize(2);
        if (hidden % heads != 0)
          return Value();
        SmallVector<int64_t> shape{type.getDimSize(0), type.getDimSize(1), heads, hidden / heads};
        auto expanded = RankedTensorType::get(shape, elementType);
        Value e = tensor::ExpandShapeOp::create(
            rewriter, loc, expanded, x, SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
        return relayout(rewriter, loc, e, elementType, /*swap=*/true);
      };
      q = split(q, qType, *qHeads);
      k = split(k, kType, *kvHeads);
      v = split(v, vType, *kvHeads);
      if (!q || !k || !v)
        return reject(rewriter, op, "the hidden sizes must be divisible by the head counts");
    }
    auto q4 = cast<RankedTensorType>(q.getType()), k4 = cast<RankedTensorType>(k.getType()),
         v4 = cast<RankedTensorType>(v.getType());
    int64_t batch = q4.getDimSize(0), heads = q4.getDimSize(1), qLen = q4.getDimSize(2),
            headSize = q4.getDimSize(3), kvHeads = k4.getDimSize(1);
    if (k4.getDimSize(0) != batch || v4.getDimSize(0) != batch || v4.getDimSize(1) != kvHeads ||
        k4.getDimSize(3) != headSize || v4.getDimSize(2) != k4.getDimSize(2))
      return reject(rewriter, op, "the shapes of Q, K and V do not agree");
    if (kvHeads == 0 || heads % kvHeads != 0)
      return reject(rewriter, op,
                    "the number of Q heads (" + Twine(heads) +
                        ") is not a multiple of the number of K/V heads (" + Twine(kvHeads) + ")");

    // The KV cache: present = concat(past, new) along the sequence axis.
    bool hasPastKey = !isa<NoneType>(adaptor.getPastKey().getType());
    bool hasPastValue = !isa<NoneType>(adaptor.getPastValue().getType());
    if (hasPastKey != hasPastValue)
      return reject(rewriter, op, "past_key and past_value must be given together");
    int64_t pastLen = 0;
    if (hasPastKey) {
      auto pkType = getStaticType(adaptor.getPastKey());
      auto pvType = getStaticType(adaptor.getPastValue());
      if (!pkType || !pvType || pkType.getRank() != 4 || pvType.getRank() != 4 ||
          pkType.getDimSize(2) != pvType.getDimSize(2))
        return reject(rewriter, op,
                      "past_key and past_value must be static 4-D [B, Hkv, P, D] tensors");
      pastLen = pkType.getDimSize(2);
      k = tensor::ConcatOp::create(rewriter, loc, 2, ValueRange{adaptor.getPastKey(), k});
      v = tensor::ConcatOp::create(rewriter, loc, 2, ValueRange{adaptor.getPastValue(), v});
    }
    Value presentKey = k, presentValue = v;
    int64_t kvLen = cast<RankedTensorType>(k.getType()).getDimSize(2);

    Value nonpad = adaptor.getNonpadKvSeqlen();
    bool hasNonpad = !isa<NoneType>(nonpad.getType());
    if (hasNonpad) {
      auto type = getStaticType(nonpad);
      if (hasPastKey)
        return reject(rewriter, op, "nonpad_kv_seqlen cannot be combined with past_key");
      if (!type || type.getRank() != 1 || type.getDimSize(0) != batch)
        return reject(rewriter, op, "nonpad_kv_seqlen must be a static 1-D [B] tensor");
    }

    std::optional<uint64_t> precision = op.getSoftmaxPrecision();
    Type computeType = elementType.isF64() || (precision && *precision == kOnnxDouble)
                           ? Type(rewriter.getF64Type())
                           : Type(rewriter.getF32Type());
    auto scoresType = RankedTensorType::get({batch, heads, qLen, kvLen}, computeType);

    // The mask, padded with "masked" up to the key length.
    Value mask = adaptor.getAttnMask();
    RankedTensorType maskType;
    bool boolMask = false;
    if (!isa<NoneType>(mask.getType())) {
      maskType = getStaticType(mask);
      if (!maskType || maskType.getRank() < 1 || maskType.getRank() > 4)
        return reject(rewriter, op, "attn_mask must be a static tensor of rank 1 to 4");
      Type maskElement = maskType.getElementType();
      boolMask = maskElement.isInteger(1);
      if (!boolMask && !isa<FloatType>(maskElement))
        return reject(rewriter, op, "attn_mask must be bool or float");
      int64_t maskLen = maskType.getDimSize(maskType.getRank() - 1);
      if (maskLen > kvLen)
        return reject(rewriter, op,
                      "attn_mask has " + Twine(maskLen) + " keys but K has only " + Twine(kvLen));
      if (maskLen < kvLen) {
        int64_t r = maskType.getRank();
        SmallVector<OpFoldResult> low(r, rewriter.getIndexAttr(0)), high = low;
        high[r - 1] = rewriter.getIndexAttr(kvLen - maskLen);
        Value padValue =
            boolMask ? Value(arith::ConstantOp::create(rewriter, loc, rewriter.getBoolAttr(false)))
                     : Value(arith::ConstantOp::create(
                           rewriter, loc,
                           rewriter.getFloatAttr(maskElement,
                                                 -std::numeric_limits<double>::infinity())));
        mask = tensor::PadOp::create(rewriter, loc, Type(), mask, low, high, padValue);
        maskType = cast<RankedTensorType>(mask.getType());
      }
      for (int64_t d = 0; d < maskType.getRank(); ++d) {
        int64_t size = maskType.getDimSize(maskType.getRank() - 1 - d);
        int64_t want = scoresType.getDimSize(3 - d);
        if (size != 1 && size != want)
          return reject(rewriter, op, "attn_mask does not broadcast to [B, H, S_q, S_kv]");
      }
    }

    int64_t leftWindow = static_cast<int64_t>(op.getLeftWindowSize());
    int64_t rightWindow = static_cast<int64_t>(op.getRightWindowSize());
    bool causal = op.getIsCausal() != 0;
    bool hasBias = maskType || causal || leftWindow >= 0 || rightWindow >= 0 || hasNonpad;
    double negInfValue = -std::numeric_limits<double>::infinity();
    Value zero = createScalarConstant(rewriter, loc, computeType, 0);
    Value negInf = createScalarConstant(rewriter, loc, computeType, negInfValue);

    // bias[b, h, i, j]: 0 where key j is visible to query i, -inf elsewhere, plus a float mask.
    Value bias;
    if (hasBias) {
      SmallVector<Value> inputs;
      SmallVector<AffineMap> maps;
      if (maskType) {
        inputs.push_back(mask);
        maps.push_back(getBroadcastMap(ctx, maskType, scoresType));
      }
      if (hasNonpad) {
        inputs.push_back(nonpad);
        maps.push_back(AffineMap::get(4, 0, getAffineDimExpr(0, ctx)));
      }
      maps.push_back(rewriter.getMultiDimIdentityMap(4));
      Value init = tensor::EmptyOp::create(rewriter, loc, scoresType.getShape(), computeType);
      SmallVector<utils::IteratorType> iterators(4, utils::IteratorType::parallel);
      bias =
          linalg::GenericOp::create(
              rewriter, loc, TypeRange{scoresType}, inputs, ValueRange{init}, maps, iterators,
              [&](OpBuilder &b, Location l, ValueRange args) {
                Type i64 = b.getI64Type();
                auto index = [&](unsigned dim) -> Value {
                  return arith::IndexCastOp::create(b, l, i64, linalg::IndexOp::create(b, l, dim));
                };
                auto constant = [&](int64_t c) -> Value {
                  return arith::ConstantOp::create(b, l, b.getI64IntegerAttr(c));
                };
                auto cmp = [&](arith::CmpIPredicate p, Value x, Value y) -> Value {
                  return arith::CmpIOp::create(b, l, p, x, y);
                };
                Value maskValue = maskType ? args[0] : Value();
                Value kvValid = hasNonpad ? args[maskType ? 1 : 0] : Value();
                Value i = index(2), j = index(3);
                // The absolute position of query i: past length, or per batch
                // nonpad_kv_seqlen - S_q for an external cache.
                Value offset = hasNonpad
                                   ? Value(arith::SubIOp::create(b, l, kvValid, constant(qLen)))
                                   : constant(pastLen);
                Value pos = arith::AddIOp::create(b, l, i, offset);
                Value allowed = arith::ConstantOp::create(b, l, b.getBoolAttr(true));
                auto require = [&](Value cond) {
                  allowed = arith::AndIOp::create(b, l, allowed, cond);
                };
                if (causal)
                  require(cmp(arith::CmpIPredicate::sle, j, pos));
                if (leftWindow >= 0)
                  require(cmp(arith::CmpIPredicate::sle, arith::SubIOp::create(b, l, pos, j),
                              constant(leftWindow)));
                if (rightWindow >= 0)
                  require(cmp(arith::CmpIPredicate::sle, arith::SubIOp::create(b, l, j, pos),
                              constant(rightWindow)));
                if (hasNonpad)
                  require(cmp(arith::CmpIPredicate::slt, j, kvValid));
                if (boolMask)
                  require(maskValue);
                Value result = arith::SelectOp::create(b, l, allowed, zero, negInf);
                if (maskType && !boolMask)
                  result = arith::AddFOp::create(
                      b, l, result, castScalar(b, l, maskValue, computeType, false, false));
                linalg::YieldOp::create(b, l, result);
              })
              .getResult(0);
    }

    // Without softmax_precision the reference computes the scores and their softmax of
    // f16/bf16 inputs in that type: round the scores, x - max, its exp and the sum to it
    // (the sum itself accumulates wider), so the result matches to the last bit.
    bool roundSoftmax = !precision && elementType != computeType;
    auto round = [&](OpBuilder &b, Location l, Value x) -> Value {
      if (!roundSoftmax)
        return x;
      return castScalar(b, l, castScalar(b, l, x, elementType, false, false), computeType, false,
                        false);
    };

    // qk = softcap((Q * sqrt(scale)) (K * sqrt(scale))^T). As in the reference, sqrt(scale)
    // and the scaled Q and K are rounded to the input type.
    double scale = op.getScale() ? op.getScale()->convertToDouble()
                                 : 1.0 / std::sqrt(static_cast<double>(headSize));
    Value rootScale = createScalarConstant(rewriter, loc, computeType,
                                           castToInputPrecision(std::sqrt(scale), elementType));
    auto scaleInput = [&](Value x) -> Value {
      auto type = cast<RankedTensorType>(x.getType());
      return buildElementwise(rewriter, loc, type.clone(computeType), x,
                              [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                                Value e = castScalar(b, l, args[0], computeType, false, false);
                                Value scaled = arith::MulFOp::create(b, l, e, rootScale);
                                return castScalar(
                                    b, l, castScalar(b, l, scaled, elementType, false, false),
                                    computeType, false, false);
                              });
    };
    Value qc = splitHeads(rewriter, loc, scaleInput(q), kvHeads);
    Value kc = scaleInput(k);
    Value vc = relayout(rewriter, loc, v, computeType, false);
    Value scores = mergeHeads(rewriter, loc, contract(rewriter, loc, qc, kc, true));
    double softcap = op.getSoftcap().convertToDouble();
    Value cap = createScalarConstant(rewriter, loc, computeType, softcap > 0 ? softcap : 1);
    Value qk = scores;
    if (softcap > 0)
      qk =
          buildElementwise(rewriter, loc, scoresType, scores,
                           [&](OpBuilder &b, Location l, ValueRange args) -> Value {
                             Value x = arith::DivFOp::create(b, l, args[0], cap);
                             return arith::MulFOp::create(b, l, cap, math::TanhOp::create(b, l, x));
                           });
    Value withBias = hasBias ? buildElementwise(rewriter, loc, scoresType, ValueRange{qk, bias},
                                                [&](OpBuilder &b, Location l, ValueRange args) {
                                                  return Value(arith::AddFOp::create(
                                                      b, l, round(b, l, args[0]), args[1]));
                                                })
                             : qk;

    // p = softmax(withBias) along the keys, max-subtracted; a row whose bias is all -inf
    // (no visible key) is 0 rather than NaN.
    SmallVector<bool> reduced{false, false, false, true};
    auto maxOf = [](OpBuilder &b, Location l, Value in, ValueRange, Value acc) -> Value {
      return arith::MaximumFOp::create(b, l, acc, in);
    };
    Value rowMax = reduceDims(rewriter, loc, withBias, reduced, {}, negInf, maxOf);
    Value biasMax = hasBias ? reduceDims(rewriter, loc, bias, reduced, {}, negInf, maxOf) : Value();
    auto safeMax = [&](OpBuilder &b, Location l, Value m) -> Value {
      Value isNegInf = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, m, negInf);
      return arith::SelectOp::create(b, l, isNegInf, zero, m);
    };
    auto expShifted = [&](OpBuilder &b, Location l, Value x, Value max) -> Value {
      Value shifted = round(b, l, arith::SubFOp::create(b, l, round(b, l, x), safeMax(b, l, max)));
      return round(b, l, math::ExpOp::create(b, l, shifted));
    };
    Value sum = reduceDims(rewriter, loc, withBias, reduced, rowMax, zero,
                           [&](OpBuilder &b, Location l, Value in, ValueRange kept, Value acc) {
                             return arith::AddFOp::create(
                                 b, l, acc, expShifted(b, l, in, round(b, l, kept[0])));
                           });
    AffineMap identity = rewriter.getMultiDimIdentityMap(4);
    AffineMap rows = getProjectionMap(ctx, {true, true, true, false});
    SmallVector<Value> softmaxInputs{withBias, rowMax, sum};
    SmallVector<AffineMap> softmaxMaps{identity, rows, rows};
    if (hasBias) {
      softmaxInputs.push_back(biasMax);
      softmaxMaps.push_back(rows);
    }
    softmaxMaps.push_back(identity);
    Value one = createScalarConstant(rewriter, loc, computeType, 1);
    Value probs =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{scoresType}, softmaxInputs,
            ValueRange{tensor::EmptyOp::create(rewriter, loc, scoresType.getShape(), computeType)},
            softmaxMaps, SmallVector<utils::IteratorType>(4, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value sumValue = round(b, l, args[2]);
              Value isZero = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sumValue, zero);
              Value denominator = arith::SelectOp::create(b, l, isZero, one, sumValue);
              Value p = arith::DivFOp::create(b, l, expShifted(b, l, args[0], round(b, l, args[1])),
                                              denominator);
              if (hasBias) {
                Value masked =
                    arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, args[3], negInf);
                p = arith::SelectOp::create(b, l, masked, zero, p);
              }
              linalg::YieldOp::create(b, l, p);
            })
            .getResult(0);
    // The reference rounds p to the input type before the second contraction.
    if (elementType != computeType)
      probs = relayout(rewriter, loc, relayout(rewriter, loc, probs, elementType, false),
                       computeType, false);

    // Y = p V, back in the input type and layout.
    Value y = mergeHeads(rewriter, loc,
                         contract(rewriter, loc, splitHeads(rewriter, loc, probs, kvHeads), vc,
                                  /*rhsTransposed=*/false));
    y = relayout(rewriter, loc, y, elementType, /*swap=*/rank == 3);
    if (rank == 3)
      y = tensor::CollapseShapeOp::create(rewriter, loc, y,
                                          SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}});
    if (cast<RankedTensorType>(y.getType()) != yType)
      return reject(rewriter, op, "the computed shape of Y does not match its declared type");

    // qk_matmul_output: 0 and 1 the (softcapped) QK product, 2 with the bias, 3 the softmax.
    Value qkOutput;
    if (!op.getQkMatmulOutput().use_empty()) {
      uint64_t mode = op.getQkMatmulOutputMode();
      if (mode > 3)
        return reject(rewriter, op, "qk_matmul_output_mode " + Twine(mode) + " is not 0 to 3");
      Value stage = mode == 3 ? probs : mode == 2 ? withBias : qk;
      qkOutput = relayout(rewriter, loc, stage, elementType, false);
    }
    rewriter.replaceOp(op, {y, op.getPresentKey().use_empty() ? Value() : presentKey,
                            op.getPresentValue().use_empty() ? Value() : presentValue, qkOutput});
    return success();
  }

  /// Rounds `value` to the precision of the float type `type`.
  static double castToInputPrecision(double value, Type type) {
    auto floatType = cast<FloatType>(type);
    llvm::APFloat f(value);
    bool lost;
    f.convert(floatType.getFloatSemantics(), llvm::APFloat::rmNearestTiesToEven, &lost);
    f.convert(llvm::APFloat::IEEEdouble(), llvm::APFloat::rmNearestTiesToEven, &lost);
    return f.convertToDouble();
  }
};

} // namespace

void populateAttentionPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<AttentionLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
