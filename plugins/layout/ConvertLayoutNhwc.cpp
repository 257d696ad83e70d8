//===- ConvertLayoutNhwc.cpp - Conv to kiln.conv_nhwc ----------------------===//
//
// 1-D, 2-D and 3-D f32 Convs with a constant weight become kiln.conv_nhwc on
// channels-last activations (NHWC, or NDHWC in 3-D; a 1-D Conv is viewed as 2-D of
// height 1) between two Transposes, with the weight transposed at compile time to
// [k..., C/group, M]; kiln-sink-transposes then cancels the Transposes between
// neighbouring convolutions.

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/ConvPads.h"
#include "plugins/layout/Passes.h"
#include "plugins/layout/TransposeSinking.h"

#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace kiln::layout {
#define GEN_PASS_DEF_CONVERTLAYOUTNHWC
#include "plugins/layout/Passes.h.inc"
} // namespace kiln::layout

using namespace mlir;
using namespace kiln::onnxir;

namespace {

/// The permutation that moves the channels of [N, C, spatial...] last (rank `rank`).
SmallVector<int64_t> toChannelsLast(int64_t rank) {
  SmallVector<int64_t> perm{0};
  for (int64_t i = 2; i < rank; ++i)
    perm.push_back(i);
  perm.push_back(1);
  return perm;
}

/// Its inverse: [N, spatial..., C] back to [N, C, spatial...].
SmallVector<int64_t> toChannelsFirst(int64_t rank) {
  SmallVector<int64_t> perm{0, rank - 1};
  for (int64_t i = 1; i + 1 < rank; ++i)
    perm.push_back(i);
  return perm;
}

/// [M, C, k...] -> [k..., C, M] for a weight of rank `rank`.
SmallVector<int64_t> weightToKcm(int64_t rank) {
  SmallVector<int64_t> perm;
  for (int64_t i = 2; i < rank; ++i)
    perm.push_back(i);
  perm.append({1, 0});
  return perm;
}

Value transpose(PatternRewriter &rewriter, Location loc, Value x, ArrayRef<int64_t> perm) {
  auto type = cast<RankedTensorType>(x.getType());
  auto resultType =
      RankedTensorType::get(kiln::layout::permuteShape(type.getShape(), perm), type.getElementType());
  return TransposeOp::create(rewriter, loc, TypeRange{resultType}, ValueRange{x},
                             ArrayRef<NamedAttribute>{
                                 rewriter.getNamedAttr("perm", rewriter.getDenseI64ArrayAttr(perm))})
      .getResult();
}

// Conv(x, W, B) = Transpose(conv_nhwc(Transpose(x, [0,2,3,1]), W', B), [0,3,1,2]),
// W' = Transpose(W, [2,3,1,0]) computed now; in 3-D the same with [0,2,3,4,1],
// [0,4,1,2,3] and [2,3,4,1,0].
struct ConvToNhwc : OpRewritePattern<ConvOp> {
  ConvToNhwc(MLIRContext *ctx, kiln::PassStatistic &dense, kiln::PassStatistic &depthwise,
             kiln::PassStatistic &grouped, kiln::PassStatistic &threeD)
      : OpRewritePattern(ctx), numDense(dense), numDepthwise(depthwise), numGrouped(grouped),
        numThreeD(threeD) {}

  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!xType || !yType || xType.getRank() != yType.getRank() || xType.getRank() < 3 ||
        xType.getRank() > 5)
      return rewriter.notifyMatchFailure(op,
                                         "not a 1-D, 2-D or 3-D Conv with ranked input and result");
    // A 1-D Conv is the 2-D one of height 1: [N, C, W] is viewed as [N, C, 1, W] (the
    // view's Squeeze/Unsqueeze let the Transposes around it sink and cancel).
    bool oneD = xType.getRank() == 3;
    auto withUnitHeight = [](RankedTensorType t) {
      SmallVector<int64_t> shape(t.getShape());
      shape.insert(shape.begin() + 2, 1);
      return RankedTensorType::get(shape, t.getElementType());
    };
    if (oneD) {
      xType = withUnitHeight(xType);
      yType = withUnitHeight(yType);
    }
    int64_t rank = xType.getRank(), spatial = rank - 2;
    if (!xType.getElementType().isF32())
      return rewriter.notifyMatchFailure(op, "input is not f32");
    // Dynamic image sizes are fine (kiln.conv_nhwc takes them) as long as the pads do
    // not depend on them.
    if (xType.isDynamicDim(1) || yType.isDynamicDim(1))
      return rewriter.notifyMatchFailure(op, "channel sizes are dynamic");
    bool dynamicSpatial = ShapedType::isDynamicShape(xType.getShape().drop_front(2)) ||
                          ShapedType::isDynamicShape(yType.getShape().drop_front(2));
    ElementsAttr weight = kiln::layout::getConstantValue(op.getW());
    if (!weight)
      return rewriter.notifyMatchFailure(op, "W is not a readable constant");
    SmallVector<int64_t> wShape(weight.getShapedType().getShape());
    if (oneD && wShape.size() == 3)
      wShape.insert(wShape.begin() + 2, 1);
    if (static_cast<int64_t>(wShape.size()) != rank)
      return rewriter.notifyMatchFailure(op, "W does not have the input's rank");
    int64_t m = wShape[0], cg = wShape[1];
    ArrayRef<int64_t> kernel = ArrayRef<int64_t>(wShape).drop_front(2);
    int64_t c = xType.getDimSize(1), group = op.getGroup();
    bool depthwise = group > 1 && cg == 1 && m == group && c == group;
    if (group < 1 || cg * group != c || m % group != 0)
      return rewriter.notifyMatchFailure(op, "W's channels do not match X and group");
    if (auto kernelShape = op.getKernelShape();
        kernelShape && (oneD ? *kernelShape != kernel.drop_front() : *kernelShape != kernel))
      return rewriter.notifyMatchFailure(op, "kernel_shape does not match W");
    Value bias = op.getB();
    if (isa<NoneType>(bias.getType())) {
      bias = Value();
    } else if (auto bType = dyn_cast<RankedTensorType>(bias.getType());
               !bType || bType.getRank() != 1) {
      return rewriter.notifyMatchFailure(op, "B is not a ranked 1-D tensor");
    }

    int64_t onnxSpatial = oneD ? 1 : spatial;
    SmallVector<int64_t> ones(onnxSpatial, 1);
    SmallVector<int64_t> strides(op.getStrides().value_or(ArrayRef<int64_t>(ones)));
    SmallVector<int64_t> dilations(op.getDilations().value_or(ArrayRef<int64_t>(ones)));
    if (static_cast<int64_t>(strides.size()) != onnxSpatial ||
        static_cast<int64_t>(dilations.size()) != onnxSpatial)
      return rewriter.notifyMatchFailure(op, "strides or dilations do not match the rank");
    if (oneD) {
      strides.insert(strides.begin(), 1);
      dilations.insert(dilations.begin(), 1);
    }
    // pads as [begin..., end...] (2-D: [top, left, bottom, right]), the ONNX order;
    // auto_pad resolved here.
    SmallVector<int64_t> pads(2 * spatial, 0);
    StringRef autoPad = op.getAutoPad();
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      // With stride 1 the total pad is the dilated kernel's extent less 1, whatever the
      // size; otherwise it depends on the size, which must then be static.
      if (dynamicSpatial && llvm::any_of(strides, [](int64_t s) { return s != 1; }))
        return rewriter.notifyMatchFailure(op, "SAME pads of a strided window on a dynamic size");
      SmallVector<int64_t> in(spatial, 0);
      if (!dynamicSpatial)
        in.assign(xType.getShape().begin() + 2, xType.getShape().end());
      pads = kiln::layout::samePads(autoPad == "SAME_UPPER", in, kernel, strides, dilations);
    } else if (autoPad == "NOTSET" || autoPad.empty()) {
      if (std::optional<ArrayRef<int64_t>> explicitPads = op.getPads()) {
        if (static_cast<int64_t>(explicitPads->size()) != 2 * onnxSpatial)
          return rewriter.notifyMatchFailure(op, "pads do not have 2 entries per spatial dim");
        if (oneD)
          pads = {0, (*explicitPads)[0], 0, (*explicitPads)[1]};
        else
          pads.assign(explicitPads->begin(), explicitPads->end());
      }
    } else if (autoPad != "VALID") {
      return rewriter.notifyMatchFailure(op, "unknown auto_pad");
    }
    for (int64_t i = 0; i < spatial; ++i) {
      if (xType.isDynamicDim(2 + i) || yType.isDynamicDim(2 + i))
        continue; // the lowering checks the size at run time
      int64_t span = xType.getDimSize(2 + i) + pads[i] + pads[spatial + i] -
                     (kernel[i] - 1) * dilations[i] - 1;
      if (span < 0 || span / strides[i] + 1 != yType.getDimSize(2 + i))
        return rewriter.notifyMatchFailure(op, "the result's size disagrees with the window");
    }
    // The weights, transposes and conv_nhwc all stand for the Conv node.
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    Value w =
        kiln::layout::createPermutedConstant(rewriter, loc, weight, wShape, weightToKcm(rank));
    if (!w)
      return rewriter.notifyMatchFailure(op, "W's data cannot be read");
    Value x = op.getX();
    if (oneD)
      x = UnsqueezeOp::create(rewriter, loc, xType, x, kiln::layout::createI64Constant(rewriter, loc, {2}));
    x = transpose(rewriter, loc, x, toChannelsLast(rank));
    auto convType = RankedTensorType::get(
        kiln::layout::permuteShape(yType.getShape(), toChannelsLast(rank)),
        yType.getElementType());
    auto conv = kiln::kilnir::ConvNhwcOp::create(
        rewriter, loc, convType, x, w, bias, rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads), rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getI64IntegerAttr(group));
    Value y = transpose(rewriter, loc, conv.getY(), toChannelsFirst(rank));
    if (oneD)
      y = SqueezeOp::create(rewriter, loc, op.getY().getType(), y,
                            kiln::layout::createI64Constant(rewriter, loc, {2}));
    rewriter.replaceOp(op, y);
    ++(depthwise ? numDepthwise : group == 1 ? numDense : numGrouped);
    if (spatial == 3)
      ++numThreeD;
    return success();
  }

  kiln::PassStatistic &numDense, &numDepthwise, &numGrouped, &numThreeD;
};

} // namespace

namespace kiln::layout {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct ConvertLayoutNhwcPass : impl::ConvertLayoutNhwcBase<ConvertLayoutNhwcPass> {
  kiln::PassStatistic numDense{this, "conv-nhwc", "Conv (group 1) made kiln.conv_nhwc"};
  kiln::PassStatistic numDepthwise{this, "depthwise-nhwc",
                                   "Depthwise Conv made kiln.conv_nhwc"};
  kiln::PassStatistic numGrouped{this, "grouped-nhwc",
                                 "Grouped (not depthwise) Conv made kiln.conv_nhwc"};
  kiln::PassStatistic numThreeD{this, "ndhwc",
                                "3-D Convs among those (NDHWC kiln.conv_nhwc)"};
  kiln::PassStatistic numPointwiseInteger{
      this, "pointwise-conv-integer", "1x1 ConvInteger made a channels-last MatMulInteger"};
  kiln::PassStatistic numWindowedInteger{
      this, "windowed-conv-integer",
      "Other group-1 ConvInteger made channels-last columns and a MatMulInteger"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToNhwc>(&getContext(), numDense, numDepthwise, numGrouped, numThreeD);
    populateConvIntegerNhwcPatterns(patterns, numPointwiseInteger, numWindowedInteger);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace kiln::layout
