//===- LinearAttention.cpp - Lower onnx LinearAttention to linalg ---------===//
//
// The recurrence of linear attention (opset 27), one scf.for step per token t over the
// state S [B, Hkv, Dk, Dv], in f32 whatever the input type (as the ONNX reference does):
//
//   gated, gated_delta:  S = exp(g_t) * S                     (g_t per head or per key dim)
//   delta, gated_delta:  v_t = beta_t * (v_t - S^T k_t)       (beta_t per head or shared)
//   always:              S = S + k_t (x) v_t
//                        o_t = scale * q_t^T S               (each KV head serves Hq / Hkv
//                                                              query heads, h = hk * reps + r)
//
// Q, K, V, decay and beta come packed as [B, T, H * D] and are viewed as [B, T, H, D];
// the outputs are written into [B, T, Hq, Dv] and packed back. B and T may be dynamic;
// the head sizes (the packed last dims) must be static.
//
//===----------------------------------------------------------------------===//

#include "passes/OnnxToLinalg/Patterns.h"
#include "passes/OnnxToLinalg/Support/OnnxLoweringPattern.h"
#include "passes/OnnxToLinalg/Support/Rejection.h"
#include "passes/OnnxToLinalg/Support/ScalarOps.h"
#include "passes/OnnxToLinalg/Support/ShapeChecks.h"
#include "passes/OnnxToLinalg/Support/TensorUtils.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"

#include <cmath>

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

using BodyFn = function_ref<Value(OpBuilder &, Location, ValueRange)>;

/// A linalg.generic writing `init` (of `init`'s type) from `inputs`; `exprs` are the
/// indexing expressions of the inputs then of `init` over `numDims` loops, the last
/// `numReductions` of them reductions. `body` gets the input elements and the
/// accumulator and returns the element to yield.
Value generic(OpBuilder &b, Location loc, ValueRange inputs, Value init, unsigned numDims,
              ArrayRef<SmallVector<unsigned>> exprs, unsigned numReductions, BodyFn body) {
  MLIRContext *ctx = b.getContext();
  SmallVector<AffineMap> maps;
  for (ArrayRef<unsigned> dims : exprs) {
    SmallVector<AffineExpr> results;
    for (unsigned d : dims)
      results.push_back(getAffineDimExpr(d, ctx));
    maps.push_back(AffineMap::get(numDims, 0, results, ctx));
  }
  SmallVector<utils::IteratorType> iterators(numDims - numReductions,
                                             utils::IteratorType::parallel);
  iterators.append(numReductions, utils::IteratorType::reduction);
  return linalg::GenericOp::create(b, loc, TypeRange{init.getType()}, inputs, ValueRange{init},
                                   maps, iterators,
                                   [&](OpBuilder &nb, Location l, ValueRange args) {
                                     linalg::YieldOp::create(nb, l, body(nb, l, args));
                                   })
      .getResult(0);
}

Value mulAdd(OpBuilder &b, Location loc, ValueRange a) {
  return arith::AddFOp::create(b, loc, a[2], arith::MulFOp::create(b, loc, a[0], a[1]));
}

/// `value` converted elementwise to `elementType` (a copy only when the type differs).
Value convertTo(OpBuilder &b, Location loc, Value value, ArrayRef<OpFoldResult> sizes,
                Type elementType) {
  auto type = cast<RankedTensorType>(value.getType());
  if (type.getElementType() == elementType)
    return value;
  Value init = tensor::EmptyOp::create(b, loc, sizes, elementType);
  SmallVector<unsigned> identity = llvm::to_vector(llvm::seq<unsigned>(0, type.getRank()));
  return generic(b, loc, value, init, type.getRank(), {identity, identity}, 0,
                 [&](OpBuilder &nb, Location l, ValueRange args) {
                   return castScalar(nb, l, args[0], elementType, false, false);
                 });
}

struct LinearAttentionLowering : OnnxLoweringPattern<LinearAttentionOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(LinearAttentionOp op, OpAdaptor adaptor,
                                      RankedTensorType outType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto stateType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getPresentState().getType()));
    if (!stateType)
      return reject(rewriter, op, "present_state is not a ranked tensor");
    StringRef rule = op.getUpdateRule();
    if (rule != "linear" && rule != "gated" && rule != "delta" && rule != "gated_delta")
      return reject(rewriter, op,
                    "update_rule '" + rule + "' is not linear, gated, delta or gated_delta");
    bool gating = rule == "gated" || rule == "gated_delta";
    bool delta = rule == "delta" || rule == "gated_delta";
    Value decayIn = adaptor.getDecay(), betaIn = adaptor.getBeta();
    bool hasDecay = !isa<NoneType>(decayIn.getType()), hasBeta = !isa<NoneType>(betaIn.getType());
    if (gating != hasDecay)
      return reject(rewriter, op,
                    "update_rule '" + rule + "' " + (gating ? "requires" : "forbids") +
                        " the decay input");
    if (delta != hasBeta)
      return reject(rewriter, op,
                    "update_rule '" + rule + "' " + (delta ? "requires" : "forbids") +
                        " the beta input");
    int64_t hq = op.getQNumHeads(), hkv = op.getKvNumHeads();
    if (hq <= 0 || hkv <= 0 || hq % hkv != 0)
      return reject(rewriter, op,
                    "q_num_heads (" + Twine(hq) +
                        ") must be a positive multiple of kv_num_heads (" + Twine(hkv) + ")");
    int64_t reps = hq / hkv;

    // Q, K, V: [B, T, H * D] with a static H * D divisible by H.
    auto packedType = [&](Value v, StringRef name, int64_t heads,
                          int64_t &headSize) -> RankedTensorType {
      RankedTensorType type = getRankedInputType(rewriter, op, v, name);
      if (!type)
        return {};
      if (type.getRank() != 3 || type.isDynamicDim(2) || type.getDimSize(2) % heads != 0) {
        (void)reject(rewriter, op,
                     name +
                         " must be [B, T, H * D] with a static last dim "
                         "divisible by its head count " +
                         Twine(heads));
        return {};
      }
      headSize = type.getDimSize(2) / heads;
      return type;
    };
    int64_t dk = 0, dkKey = 0, dv = 0;
    RankedTensorType qType = packedType(adaptor.getQuery(), "query", hq, dk);
    if (!qType)
      return failure();
    RankedTensorType kType = packedType(adaptor.getKey(), "key", hkv, dkKey);
    if (!kType)
      return failure();
    RankedTensorType vType = packedType(adaptor.getValue(), "value", hkv, dv);
    if (!vType)
      return failure();
    if (dk != dkKey)
      return reject(rewriter, op, "query's head size " + Twine(dk) + " != key's " + Twine(dkKey));
    Type f32 = rewriter.getF32Type();

    Value query = adaptor.getQuery();
    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, query, 0);
    OpFoldResult length = tensor::getMixedSize(rewriter, loc, query, 1);
    auto checkBatchAndLength = [&](Value v, StringRef name) {
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, v, 0), batch,
                      name + "'s batch size {} != query's {}");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, v, 1), length,
                      name + "'s sequence length {} != query's {}");
    };
    // [B, T, H * D] -> [B, T, H, D] in f32.
    auto unpack = [&](Value v, int64_t heads, int64_t size) {
      auto type = cast<RankedTensorType>(v.getType());
      SmallVector<OpFoldResult> sizes{tensor::getMixedSize(rewriter, loc, v, 0),
                                      tensor::getMixedSize(rewriter, loc, v, 1),
                                      rewriter.getIndexAttr(heads), rewriter.getIndexAttr(size)};
      auto expanded = RankedTensorType::get({type.getDimSize(0), type.getDimSize(1), heads, size},
                                            type.getElementType());
      Value e = expandShape(rewriter, loc, expanded, v,
                            SmallVector<ReassociationIndices>{{0}, {1}, {2, 3}}, sizes);
      return convertTo(rewriter, loc, e, sizes, f32);
    };
    Value q = unpack(query, hq, dk);
    checkBatchAndLength(adaptor.getKey(), "key");
    Value k = unpack(adaptor.getKey(), hkv, dk);
    checkBatchAndLength(adaptor.getValue(), "value");
    Value v = unpack(adaptor.getValue(), hkv, dv);

    // decay: [B, T, Hkv] (per head) or [B, T, Hkv * Dk] (per key dim) -> [B, T, Hkv, G].
    Value decay, beta;
    int64_t decaySize = 0, betaHeads = 0;
    if (hasDecay) {
      RankedTensorType type = getRankedInputType(rewriter, op, decayIn, "decay");
      if (!type)
        return failure();
      if (type.getRank() != 3 || type.isDynamicDim(2) ||
          (type.getDimSize(2) != hkv && type.getDimSize(2) != hkv * dk))
        return reject(rewriter, op,
                      "decay must be [B, T, Hkv] or [B, T, Hkv * Dk] with Hkv = " + Twine(hkv) +
                          " and Dk = " + Twine(dk));
      decaySize = type.getDimSize(2) / hkv;
      checkBatchAndLength(decayIn, "decay");
      decay = unpack(decayIn, hkv, decaySize);
    }
    // beta: [B, T, Hkv] or [B, T, 1] (shared by the heads).
    if (hasBeta) {
      RankedTensorType type = getRankedInputType(rewriter, op, betaIn, "beta");
      if (!type)
        return failure();
      if (type.getRank() != 3 || type.isDynamicDim(2) ||
          (type.getDimSize(2) != hkv && type.getDimSize(2) != 1))
        return reject(rewriter, op,
                      "beta must be [B, T, Hkv] or [B, T, 1] with Hkv = " + Twine(hkv));
      betaHeads = type.getDimSize(2);
      checkBatchAndLength(betaIn, "beta");
      beta = unpack(betaIn, betaHeads, 1);
    }

    // The state, [B, Hkv, Dk, Dv] in f32: past_state or zeros.
    SmallVector<OpFoldResult> stateSizes{batch, rewriter.getIndexAttr(hkv),
                                         rewriter.getIndexAttr(dk), rewriter.getIndexAttr(dv)};
    auto stateF32 = RankedTensorType::get({qType.getDimSize(0), hkv, dk, dv}, f32);
    Value state;
    if (!isa<NoneType>(adaptor.getPastState().getType())) {
      Value past = adaptor.getPastState();
      RankedTensorType type = getRankedInputType(rewriter, op, past, "past_state");
      if (!type)
        return failure();
      if (type.getRank() != 4 ||
          !llvm::all_of(
              llvm::zip(type.getShape().drop_front(), ArrayRef<int64_t>{hkv, dk, dv}), [](auto p) {
                return ShapedType::isDynamic(std::get<0>(p)) || std::get<0>(p) == std::get<1>(p);
              }))
        return reject(rewriter, op,
                      "past_state must be [B, " + Twine(hkv) + ", " + Twine(dk) + ", " + Twine(dv) +
                          "]");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, past, 0), batch,
                      "past_state's batch size {} != query's {}");
      for (int64_t d = 1; d < 4; ++d)
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, past, d),
                        stateSizes[d], "past_state's dim " + Twine(d) + " {} != {}");
      auto pastSizes = getMixedSizes(rewriter, loc, past);
      state = castTo(rewriter, loc, convertTo(rewriter, loc, past, pastSizes, f32), stateF32);
    } else {
      state = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, stateSizes, f32),
                   createScalarConstant(rewriter, loc, f32, 0));
    }
    double scale = op.getScale().convertToDouble();
    if (scale == 0)
      scale = 1.0 / std::sqrt(static_cast<double>(dk));

    // The outputs, [B, T, Hkv, reps, Dv] in f32, one token per step.
    SmallVector<OpFoldResult> outSizes{batch, length, rewriter.getIndexAttr(hkv),
                                       rewriter.getIndexAttr(reps), rewriter.getIndexAttr(dv)};
    Value outputs = tensor::EmptyOp::create(rewriter, loc, outSizes, f32);
    Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
    Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
    Value steps = getValueOrCreateConstantIndexOp(rewriter, loc, length);
    auto loop = scf::ForOp::create(rewriter, loc, zero, steps, one, ValueRange{state, outputs});
    {
      OpBuilder::InsertionGuard guard(rewriter);
      rewriter.setInsertionPointToStart(loop.getBody());
      Value t = loop.getInductionVar();
      Value s = loop.getRegionIterArgs()[0], out = loop.getRegionIterArgs()[1];
      // x[:, t] of a [B, T, ...] tensor, without the T dim.
      auto token = [&](Value x) {
        auto type = cast<RankedTensorType>(x.getType());
        SmallVector<OpFoldResult> offsets(type.getRank(), rewriter.getIndexAttr(0));
        offsets[1] = t;
        SmallVector<OpFoldResult> sizes = getMixedSizes(rewriter, loc, x);
        sizes[1] = rewriter.getIndexAttr(1);
        SmallVector<int64_t> shape(type.getShape());
        shape.erase(shape.begin() + 1);
        return tensor::ExtractSliceOp::create(
                   rewriter, loc, RankedTensorType::get(shape, f32), x, offsets, sizes,
                   SmallVector<OpFoldResult>(type.getRank(), rewriter.getIndexAttr(1)))
            .getResult();
      };
      Value kt = token(k), vt = token(v);
      // Dims of the state updates: b, h, d (key), m (value).
      if (gating) {
        Value gt = token(decay); // [B, Hkv, G]
        SmallVector<unsigned> gDims =
            decaySize == 1 ? SmallVector<unsigned>{0, 1} : SmallVector<unsigned>{0, 1, 2};
        if (decaySize == 1)
          gt = tensor::CollapseShapeOp::create(rewriter, loc, gt,
                                               SmallVector<ReassociationIndices>{{0}, {1, 2}});
        s = generic(rewriter, loc, ValueRange{s, gt}, s, 4, {{0, 1, 2, 3}, gDims, {0, 1, 2, 3}}, 0,
                    [](OpBuilder &b, Location l, ValueRange a) -> Value {
                      return arith::MulFOp::create(b, l, a[0], math::ExpOp::create(b, l, a[1]));
                    });
      }
      if (delta) {
        // retrieved[b, h, m] = sum_d S[b, h, d, m] k[b, h, d]; v = beta (v - retrieved).
        // beta_t [B, Hb, 1] as [B, Hb], or [B] when the heads share it.
        Value bt = tensor::CollapseShapeOp::create(
            rewriter, loc, token(beta),
            betaHeads == 1 ? SmallVector<ReassociationIndices>{{0, 1, 2}}
                           : SmallVector<ReassociationIndices>{{0}, {1, 2}});
        SmallVector<OpFoldResult> vSizes = getMixedSizes(rewriter, loc, vt);
        Value acc = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, vSizes, f32),
                         createScalarConstant(rewriter, loc, f32, 0));
        // Loops b, h, m, d.
        Value retrieved = generic(rewriter, loc, ValueRange{s, kt}, acc, 4,
                                  {{0, 1, 3, 2}, {0, 1, 3}, {0, 1, 2}}, 1, mulAdd);
        SmallVector<unsigned> betaDims =
            betaHeads == 1 ? SmallVector<unsigned>{0} : SmallVector<unsigned>{0, 1};
        vt = generic(rewriter, loc, ValueRange{vt, retrieved, bt}, vt, 3,
                     {{0, 1, 2}, {0, 1, 2}, betaDims, {0, 1, 2}}, 0,
                     [](OpBuilder &b, Location l, ValueRange a) -> Value {
                       return arith::MulFOp::create(b, l, a[2],
                                                    arith::SubFOp::create(b, l, a[0], a[1]));
                     });
      }
      // S += k (x) v.
      s = generic(rewriter, loc, ValueRange{s, kt, vt}, s, 4,
                  {{0, 1, 2, 3}, {0, 1, 2}, {0, 1, 3}, {0, 1, 2, 3}}, 0,
                  [](OpBuilder &b, Location l, ValueRange a) -> Value {
                    return arith::AddFOp::create(b, l, a[0],
                                                 arith::MulFOp::create(b, l, a[1], a[2]));
                  });
      // o[b, hk, r, m] = scale * sum_d q[b, hk, r, d] S[b, hk, d, m]; loops b, hk, r, m, d.
      Value qt = token(q); // [B, Hq, Dk]
      auto qtType = cast<RankedTensorType>(qt.getType());
      qt = tensor::ExpandShapeOp::create(
          rewriter, loc, RankedTensorType::get({qtType.getDimSize(0), hkv, reps, dk}, f32), qt,
          SmallVector<ReassociationIndices>{{0}, {1, 2}, {3}});
      SmallVector<OpFoldResult> oSizes{batch, rewriter.getIndexAttr(hkv),
                                       rewriter.getIndexAttr(reps), rewriter.getIndexAttr(dv)};
      Value acc = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, oSizes, f32),
                       createScalarConstant(rewriter, loc, f32, 0));
      Value o = generic(rewriter, loc, ValueRange{qt, s}, acc, 5,
                        {{0, 1, 2, 4}, {0, 1, 4, 3}, {0, 1, 2, 3}}, 1, mulAdd);
      Value scaleValue = createScalarConstant(rewriter, loc, f32, scale);
      o = generic(rewriter, loc, ValueRange{o}, o, 4, {{0, 1, 2, 3}, {0, 1, 2, 3}}, 0,
                  [&](OpBuilder &b, Location l, ValueRange a) -> Value {
                    return arith::MulFOp::create(b, l, a[0], scaleValue);
                  });
      SmallVector<OpFoldResult> offsets(5, rewriter.getIndexAttr(0));
      offsets[1] = t;
      SmallVector<OpFoldResult> sizes = outSizes;
      sizes[1] = rewriter.getIndexAttr(1);
      out = tensor::InsertSliceOp::create(rewriter, loc, o, out, offsets, sizes,
                                          SmallVector<OpFoldResult>(5, rewriter.getIndexAttr(1)));
      scf::YieldOp::create(rewriter, loc, ValueRange{s, out});
    }

    // [B, T, Hkv, reps, Dv] -> [B, T, Hq * Dv] in the output type; the state in its own.
    Value out = tensor::CollapseShapeOp::create(
        rewriter, loc, loop.getResult(1), SmallVector<ReassociationIndices>{{0}, {1}, {2, 3, 4}});
    SmallVector<OpFoldResult> packedSizes{batch, length, rewriter.getIndexAttr(hq * dv)};
    out = convertTo(rewriter, loc, out, packedSizes, outType.getElementType());
    Value present =
        convertTo(rewriter, loc, loop.getResult(0), stateSizes, stateType.getElementType());
    rewriter.replaceOp(op, {castWithCheck(rewriter, loc, op, out, outType, "output"),
                            castWithCheck(rewriter, loc, op, present, stateType, "present_state")});
    return success();
  }
};

} // namespace

void populateLinearAttentionPatterns(const OnnxTypeConverter &converter,
                                     RewritePatternSet &patterns) {
  patterns.add<LinearAttentionLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
