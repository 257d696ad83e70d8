//===- CausalConv.cpp - Lower onnx CausalConvWithState to linalg ----------===//
//
// A causal depthwise 1-D convolution with a carried state (opset 27):
//
//   padded  = concat(past_state or zeros [B, C, K - 1], input [B, C, L])  along the length
//   out     = bias[c] + sum_j padded[b, c, l + j] * weight[c, 0, j]     (f32 accumulation,
//                                                                        rounded to the type)
//   output  = out, or out * sigmoid(out) for activation silu / swish (computed in f32)
//   present = padded[:, :, L:]                                          (the last K - 1)
//
// The kernel size K must be static (it sizes the state); B, C and L may be dynamic.
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
#include "mlir/Dialect/Tensor/IR/Tensor.h"

using namespace mlir;
using namespace kiln::onnxir;

namespace kiln::conversion {
namespace {

struct CausalConvWithStateLowering : OnnxLoweringPattern<CausalConvWithStateOp> {
  using OnnxLoweringPattern::OnnxLoweringPattern;

  LogicalResult matchAndRewriteRanked(CausalConvWithStateOp op, OpAdaptor adaptor,
                                      RankedTensorType outType,
                                      ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    auto stateType = dyn_cast_or_null<RankedTensorType>(
        getTypeConverter()->convertType(op.getPresentState().getType()));
    if (!stateType)
      return reject(rewriter, op, "present_state is not a ranked tensor");
    StringRef activation = op.getActivation();
    if (activation != "none" && activation != "silu" && activation != "swish")
      return reject(rewriter, op, "activation '" + activation + "' is not none, silu or swish");
    bool silu = activation != "none";
    Value input = adaptor.getInput(), weight = adaptor.getWeight();
    RankedTensorType inType = getRankedInputType(rewriter, op, input, "the input");
    if (!inType)
      return failure();
    RankedTensorType wType = getRankedInputType(rewriter, op, weight, "the weight");
    if (!wType)
      return failure();
    if (inType.getRank() != 3)
      return reject(rewriter, op, "the input must be 3-D [B, C, L]");
    if (wType.getRank() != 3 || wType.isDynamicDim(2) || wType.getDimSize(2) < 1 ||
        (!wType.isDynamicDim(1) && wType.getDimSize(1) != 1))
      return reject(rewriter, op, "the weight must be [C, 1, K] with a static K >= 1");
    int64_t k = wType.getDimSize(2);
    Type elementType = inType.getElementType(), f32 = rewriter.getF32Type();

    OpFoldResult batch = tensor::getMixedSize(rewriter, loc, input, 0);
    OpFoldResult channels = tensor::getMixedSize(rewriter, loc, input, 1);
    OpFoldResult length = tensor::getMixedSize(rewriter, loc, input, 2);
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, weight, 0), channels,
                    "the weight has {} channels, the input {}");
    checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, weight, 1),
                    rewriter.getIndexAttr(1), "the weight's dim 1 is {}, not {}");
    Value w = tensor::CollapseShapeOp::create(rewriter, loc, weight,
                                              SmallVector<ReassociationIndices>{{0, 1}, {2}});

    // padded = concat(past_state or zeros, input) along the length.
    SmallVector<OpFoldResult> stateSizes{batch, channels, rewriter.getIndexAttr(k - 1)};
    Value past = adaptor.getPastState();
    if (!isa<NoneType>(past.getType())) {
      RankedTensorType pastType = getRankedInputType(rewriter, op, past, "past_state");
      if (!pastType)
        return failure();
      if (pastType.getRank() != 3 || pastType.getElementType() != elementType)
        return reject(rewriter, op, "past_state must be 3-D [B, C, K - 1] of the input's type");
      for (int64_t d = 0; d < 3; ++d)
        checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, past, d),
                        stateSizes[d], "past_state's dim " + Twine(d) + " is {}, expected {}");
      auto staticState =
          RankedTensorType::get({inType.getDimSize(0), inType.getDimSize(1), k - 1}, elementType);
      past = castTo(rewriter, loc, past, staticState);
    } else {
      past = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, stateSizes, elementType),
                  createScalarConstant(rewriter, loc, elementType, 0));
    }
    Value padded =
        k == 1 ? input
               : tensor::ConcatOp::create(rewriter, loc, 2, ValueRange{past, input}).getResult();

    // out[b, c, l] = sum_j padded[b, c, l + j] * w[c, j]; loops b, c, l, j.
    SmallVector<OpFoldResult> outSizes{batch, channels, length};
    Value acc = fill(rewriter, loc, tensor::EmptyOp::create(rewriter, loc, outSizes, f32),
                     createScalarConstant(rewriter, loc, f32, 0));
    auto d = [&](unsigned i) { return getAffineDimExpr(i, ctx); };
    SmallVector<AffineMap> maps{AffineMap::get(4, 0, {d(0), d(1), d(2) + d(3)}, ctx),
                                AffineMap::get(4, 0, {d(1), d(3)}, ctx),
                                AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)};
    SmallVector<utils::IteratorType> iterators(3, utils::IteratorType::parallel);
    iterators.push_back(utils::IteratorType::reduction);
    Value conv =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{acc.getType()}, ValueRange{padded, w}, ValueRange{acc}, maps,
            iterators,
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value x = castScalar(b, l, a[0], f32, false, false);
              Value y = castScalar(b, l, a[1], f32, false, false);
              linalg::YieldOp::create(
                  b, l,
                  ValueRange{arith::AddFOp::create(b, l, a[2], arith::MulFOp::create(b, l, x, y))});
            })
            .getResult(0);

    // Bias, rounding to the element type, activation.
    SmallVector<Value> inputs{conv};
    SmallVector<AffineMap> epilogueMaps{b3(ctx)};
    Value bias = adaptor.getBias();
    bool hasBias = !isa<NoneType>(bias.getType());
    if (hasBias) {
      RankedTensorType biasType = getRankedInputType(rewriter, op, bias, "the bias");
      if (!biasType)
        return failure();
      if (biasType.getRank() != 1)
        return reject(rewriter, op, "the bias must be 1-D [C]");
      checkSizesEqual(rewriter, loc, op, tensor::getMixedSize(rewriter, loc, bias, 0), channels,
                      "the bias has {} channels, the input {}");
      inputs.push_back(bias);
      epilogueMaps.push_back(AffineMap::get(3, 0, {d(1)}, ctx));
    }
    epilogueMaps.push_back(b3(ctx));
    Value init = tensor::EmptyOp::create(rewriter, loc, outSizes, elementType);
    Value out =
        linalg::GenericOp::create(
            rewriter, loc, TypeRange{init.getType()}, inputs, ValueRange{init}, epilogueMaps,
            SmallVector<utils::IteratorType>(3, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange a) {
              Value y = a[0];
              if (hasBias)
                y = arith::AddFOp::create(b, l, y, castScalar(b, l, a[1], f32, false, false));
              y = castScalar(b, l, y, elementType, false, false);
              if (silu) {
                Value x = castScalar(b, l, y, f32, false, false);
                Value one = createScalarConstant(b, l, f32, 1.0);
                Value e = math::ExpOp::create(b, l, arith::NegFOp::create(b, l, x));
                Value sig = arith::DivFOp::create(b, l, one, arith::AddFOp::create(b, l, one, e));
                y = castScalar(b, l, arith::MulFOp::create(b, l, x, sig), elementType, false,
                               false);
              }
              linalg::YieldOp::create(b, l, ValueRange{y});
            })
            .getResult(0);

    // present = the last K - 1 positions of padded.
    Value present;
    if (k == 1) {
      present = tensor::EmptyOp::create(rewriter, loc, stateSizes, elementType);
    } else {
      SmallVector<OpFoldResult> offsets{rewriter.getIndexAttr(0), rewriter.getIndexAttr(0), length};
      present =
          tensor::ExtractSliceOp::create(rewriter, loc, padded, offsets, stateSizes,
                                         SmallVector<OpFoldResult>(3, rewriter.getIndexAttr(1)));
    }
    rewriter.replaceOp(op, {castWithCheck(rewriter, loc, op, out, outType, "output"),
                            castWithCheck(rewriter, loc, op, present, stateType, "present_state")});
    return success();
  }

  static AffineMap b3(MLIRContext *ctx) { return AffineMap::getMultiDimIdentityMap(3, ctx); }
};

} // namespace

void populateCausalConvPatterns(const OnnxTypeConverter &converter, RewritePatternSet &patterns) {
  patterns.add<CausalConvWithStateLowering>(converter, patterns.getContext());
}

} // namespace kiln::conversion
