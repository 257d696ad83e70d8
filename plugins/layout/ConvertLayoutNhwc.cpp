//===- ConvertLayoutNhwc.cpp - Conv to kiln.conv_nhwc ----------------------===//

#include "plugins/layout/ConstantPermute.h"
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

constexpr int64_t kToNhwc[] = {0, 2, 3, 1};
constexpr int64_t kToNchw[] = {0, 3, 1, 2};
constexpr int64_t kWeightToHwcm[] = {2, 3, 1, 0}; // [M, C, KH, KW] -> [KH, KW, C, M]

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
// W' = Transpose(W, [2,3,1,0]) computed now.
struct ConvToNhwc : OpRewritePattern<ConvOp> {
  ConvToNhwc(MLIRContext *ctx, kiln::PassStatistic &dense, kiln::PassStatistic &depthwise)
      : OpRewritePattern(ctx), numDense(dense), numDepthwise(depthwise) {}

  LogicalResult matchAndRewrite(ConvOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!xType || !yType || xType.getRank() != yType.getRank() ||
        (xType.getRank() != 4 && xType.getRank() != 3))
      return rewriter.notifyMatchFailure(op, "not a 1-D or 2-D Conv with ranked input and result");
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
    if (wShape.size() != 4)
      return rewriter.notifyMatchFailure(op, "W does not have the input's rank");
    int64_t m = wShape[0], cg = wShape[1], kh = wShape[2], kw = wShape[3];
    int64_t c = xType.getDimSize(1), group = op.getGroup();
    bool depthwise = group > 1 && cg == 1 && m == group && c == group;
    if (!(group == 1 && cg == c) && !depthwise)
      return rewriter.notifyMatchFailure(op, "group is neither 1 nor depthwise");
    if (auto kernelShape = op.getKernelShape();
        kernelShape && (oneD ? *kernelShape != ArrayRef<int64_t>{kw}
                             : *kernelShape != ArrayRef<int64_t>{kh, kw}))
      return rewriter.notifyMatchFailure(op, "kernel_shape does not match W");
    Value bias = op.getB();
    if (isa<NoneType>(bias.getType())) {
      bias = Value();
    } else if (auto bType = dyn_cast<RankedTensorType>(bias.getType());
               !bType || bType.getRank() != 1) {
      return rewriter.notifyMatchFailure(op, "B is not a ranked 1-D tensor");
    }

    int64_t spatialRank = oneD ? 1 : 2;
    SmallVector<int64_t> ones(spatialRank, 1);
    SmallVector<int64_t> strides(op.getStrides().value_or(ArrayRef<int64_t>(ones)));
    SmallVector<int64_t> dilations(op.getDilations().value_or(ArrayRef<int64_t>(ones)));
    if (static_cast<int64_t>(strides.size()) != spatialRank ||
        static_cast<int64_t>(dilations.size()) != spatialRank)
      return rewriter.notifyMatchFailure(op, "strides or dilations do not match the rank");
    if (oneD) {
      strides.insert(strides.begin(), 1);
      dilations.insert(dilations.begin(), 1);
    }
    // pads as [top, left, bottom, right], the ONNX order; auto_pad resolved here.
    SmallVector<int64_t> pads(4, 0);
    int64_t kernel[2] = {kh, kw};
    StringRef autoPad = op.getAutoPad();
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      // With stride 1 the total pad is the dilated kernel's extent less 1, whatever the
      // size; otherwise it depends on the size, which must then be static.
      if (dynamicSpatial && llvm::any_of(strides, [](int64_t s) { return s != 1; }))
        return rewriter.notifyMatchFailure(op, "SAME pads of a strided window on a dynamic size");
      for (int64_t i = 0; i < 2; ++i) {
        int64_t in = dynamicSpatial ? 0 : xType.getDimSize(2 + i);
        int64_t out = (in + strides[i] - 1) / strides[i];
        int64_t total = std::max<int64_t>(
            0, (out - 1) * strides[i] + (kernel[i] - 1) * dilations[i] + 1 - in);
        int64_t small = total / 2;
        pads[i] = autoPad == "SAME_UPPER" ? small : total - small;
        pads[2 + i] = total - pads[i];
      }
    } else if (autoPad == "NOTSET" || autoPad.empty()) {
      if (std::optional<ArrayRef<int64_t>> explicitPads = op.getPads()) {
        if (static_cast<int64_t>(explicitPads->size()) != 2 * spatialRank)
          return rewriter.notifyMatchFailure(op, "pads do not have 2 entries per spatial dim");
        if (oneD)
          pads = {0, (*explicitPads)[0], 0, (*explicitPads)[1]};
        else
          pads.assign(explicitPads->begin(), explicitPads->end());
      }
    } else if (autoPad != "VALID") {
      return rewriter.notifyMatchFailure(op, "unknown auto_pad");
    }
    for (int64_t i = 0; i < 2; ++i) {
      if (xType.isDynamicDim(2 + i) || yType.isDynamicDim(2 + i))
        continue; // the lowering checks the size at run time
      int64_t span = xType.getDimSize(2 + i) + pads[i] + pads[2 + i] -
                     (kernel[i] - 1) * dilations[i] - 1;
      if (span < 0 || span / strides[i] + 1 != yType.getDimSize(2 + i))
        return rewriter.notifyMatchFailure(op, "the result's size disagrees with the window");
    }
    // The weights, transposes and conv_nhwc all stand for the Conv node.
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    Value w = kiln::layout::createPermutedConstant(rewriter, loc, weight, wShape, kWeightToHwcm);
    if (!w)
      return rewriter.notifyMatchFailure(op, "W's data cannot be read");
    Value x = op.getX();
    if (oneD)
      x = UnsqueezeOp::create(rewriter, loc, xType, x, kiln::layout::createI64Constant(rewriter, loc, {2}));
    x = transpose(rewriter, loc, x, kToNhwc);
    auto convType = RankedTensorType::get(kiln::layout::permuteShape(yType.getShape(), kToNhwc),
                                          yType.getElementType());
    auto conv = kiln::kilnir::ConvNhwcOp::create(
        rewriter, loc, convType, x, w, bias, rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads), rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getI64IntegerAttr(group));
    Value y = transpose(rewriter, loc, conv.getY(), kToNchw);
    if (oneD)
      y = SqueezeOp::create(rewriter, loc, op.getY().getType(), y,
                            kiln::layout::createI64Constant(rewriter, loc, {2}));
    rewriter.replaceOp(op, y);
    ++(depthwise ? numDepthwise : numDense);
    return success();
  }

  kiln::PassStatistic &numDense, &numDepthwise;
};

} // namespace

namespace kiln::layout {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct ConvertLayoutNhwcPass : impl::ConvertLayoutNhwcBase<ConvertLayoutNhwcPass> {
  kiln::PassStatistic numDense{this, "conv-nhwc", "Conv (group 1) made kiln.conv_nhwc"};
  kiln::PassStatistic numDepthwise{this, "depthwise-nhwc",
                                   "Depthwise Conv made kiln.conv_nhwc"};

  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ConvToNhwc>(&getContext(), numDense, numDepthwise);
    GreedyRewriteConfig config;
    config.setRegionSimplificationLevel(GreedySimplifyRegionLevel::Disabled);
    if (failed(applyPatternsGreedily(getOperation(), std::move(patterns), config)))
      return signalPassFailure();
  }
};
} // namespace kiln::layout
