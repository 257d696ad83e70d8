//===- ConvIntegerNhwc.cpp - ConvInteger as a channels-last MatMulInteger -===//
//
// A group-1 2-D ConvInteger with a constant weight, on an image of static size, is a
// matrix product of the channels-last columns by the weight:
//
//   ConvInteger(x, W, zx, zw) = Transpose(MatMulInteger(cols, W', zx, zw), [0, 3, 1, 2])
//
// W' = W [M, C, KH, KW] transposed at compile time to [KH, KW, C, M] and viewed
// [KH * KW * C, M] (zw, per tensor or per output channel, is then per column of W').
// For a 1x1 kernel with stride 1 and no pads cols = Transpose(x, [0, 2, 3, 1]) as it is;
// otherwise cols [N, OH, OW, KH * KW * C] concatenates, tap by tap, the strided windows
// of that input padded with zx (ONNX pads the quantized input with its zero point, which
// is 0 once subtracted); kiln-decompose-concats writes each window straight into cols.
//
// Channels-last, the activations are the product's rows, and the constant weight is the
// operand the VNNI kernel packs at compile time (backends/cpu/Int8Kernel.cpp);
// channels-first the activations (or their im2col columns) were the run-time operand,
// interleaved by a pre-pass on every run. The Transposes cancel, with
// kiln-sink-transposes, against those of the neighbouring NHWC convolutions (MobileNet's
// f32 depthwise ones, the next ConvInteger) across the QuantizeLinear before and the
// Cast and scale Mul after.
//
//===----------------------------------------------------------------------===//

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/ConvPads.h"
#include "plugins/layout/Passes.h"
#include "plugins/layout/TransposeSinking.h"

#include "kiln/NodeLoc.h"
#include "kiln/Statistic.h"

namespace kiln::layout {

using namespace mlir;
using namespace kiln::onnxir;

namespace {

/// The fewest input channels for which a window's columns are gathered channels-last:
/// that copies C bytes per pixel and tap, too short for an image stem's 3 channels, where
/// the channels-first im2col (whole output rows per copy) stays faster (ResNet-50 int8's
/// 7x7 stem, batch 1: 1.98 ms channels-last, 1.28 ms channels-first, Intel Xeon, 1 thread).
constexpr int64_t kMinWindowChannels = 16;

bool isNone(Value v) { return isa<NoneType>(v.getType()); }

/// `v` as a rank-0 tensor (a one-element zero point used as Pad's constant_value).
Value asScalar(PatternRewriter &rewriter, Location loc, Value v) {
  auto type = cast<RankedTensorType>(v.getType());
  if (type.getRank() == 0)
    return v;
  return ReshapeOp::create(rewriter, loc,
                           TypeRange{RankedTensorType::get({}, type.getElementType())},
                           ValueRange{v, createI64Constant(rewriter, loc, {})})
      .getResult();
}

struct ConvIntegerToMatMul : OpRewritePattern<ConvIntegerOp> {
  ConvIntegerToMatMul(MLIRContext *ctx, kiln::PassStatistic &pointwise,
                      kiln::PassStatistic &windowed)
      : OpRewritePattern(ctx), numPointwise(pointwise), numWindowed(windowed) {}

  LogicalResult matchAndRewrite(ConvIntegerOp op, PatternRewriter &rewriter) const override {
    auto xType = dyn_cast<RankedTensorType>(op.getX().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!xType || !yType || xType.getRank() != 4 || yType.getRank() != 4)
      return rewriter.notifyMatchFailure(op, "not a 2-D ConvInteger with ranked types");
    // The image's dims merge into the product's rows with at most the batch dynamic.
    if (ShapedType::isDynamicShape(xType.getShape().drop_front()) ||
        ShapedType::isDynamicShape(yType.getShape().drop_front()))
      return rewriter.notifyMatchFailure(op, "channels or image size are dynamic");
    if (op.getGroup() != 1)
      return rewriter.notifyMatchFailure(op, "grouped");
    ElementsAttr weight = getConstantValue(op.getW());
    if (!weight)
      return rewriter.notifyMatchFailure(op, "W is not a readable constant");
    ArrayRef<int64_t> wShape = weight.getShapedType().getShape();
    int64_t c = xType.getDimSize(1);
    if (wShape.size() != 4 || wShape[1] != c)
      return rewriter.notifyMatchFailure(op, "W is not [M, C, KH, KW]");
    int64_t m = wShape[0];
    ArrayRef<int64_t> kernel = wShape.drop_front(2);
    if (std::optional<ArrayRef<int64_t>> k = op.getKernelShape(); k && *k != kernel)
      return rewriter.notifyMatchFailure(op, "kernel_shape does not match W");
    SmallVector<int64_t> ones{1, 1};
    SmallVector<int64_t> strides(op.getStrides().value_or(ArrayRef<int64_t>(ones)));
    SmallVector<int64_t> dilations(op.getDilations().value_or(ArrayRef<int64_t>(ones)));
    if (strides.size() != 2 || dilations.size() != 2 ||
        llvm::any_of(llvm::concat<int64_t>(strides, dilations), [](int64_t v) { return v < 1; }))
      return rewriter.notifyMatchFailure(op, "strides or dilations are not 2 positive values");
    // pads [top, left, bottom, right], auto_pad resolved on the static image size.
    SmallVector<int64_t> pads(4, 0);
    StringRef autoPad = op.getAutoPad();
    if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
      pads = samePads(autoPad == "SAME_UPPER", xType.getShape().drop_front(2), kernel, strides,
                      dilations);
    } else if (autoPad == "NOTSET" || autoPad.empty()) {
      if (std::optional<ArrayRef<int64_t>> p = op.getPads()) {
        if (p->size() != 4 || llvm::any_of(*p, [](int64_t v) { return v < 0; }))
          return rewriter.notifyMatchFailure(op, "pads are not 4 values >= 0");
        pads.assign(p->begin(), p->end());
      }
    } else if (autoPad != "VALID") {
      return rewriter.notifyMatchFailure(op, "unknown auto_pad");
    }
    SmallVector<int64_t> outSize(2);
    for (int64_t i = 0; i < 2; ++i) {
      int64_t span = xType.getDimSize(2 + i) + pads[i] + pads[2 + i] -
                     (kernel[i] - 1) * dilations[i] - 1;
      outSize[i] = span < 0 ? -1 : span / strides[i] + 1;
    }
    if (yType.getDimSize(0) != xType.getDimSize(0) || yType.getDimSize(1) != m ||
        yType.getDimSize(2) != outSize[0] || yType.getDimSize(3) != outSize[1])
      return rewriter.notifyMatchFailure(op, "the result's type is not [N, M, OH, OW]");
    // The zero points: x's per tensor; W's per tensor or per output channel (1-D [M]),
    // which is what MatMulInteger's per-column b_zero_point is.
    Value xZero = op.getXZeroPoint(), wZero = op.getWZeroPoint();
    if (!isNone(xZero) && !isScalarLike(xZero))
      return rewriter.notifyMatchFailure(op, "x_zero_point is not a scalar");
    if (!isNone(wZero) && !isScalarLike(wZero)) {
      auto zType = dyn_cast<RankedTensorType>(wZero.getType());
      if (!zType || zType.getRank() != 1 || zType.getDimSize(0) != m)
        return rewriter.notifyMatchFailure(op, "w_zero_point is neither a scalar nor [M]");
    }

    int64_t taps = kernel[0] * kernel[1];
    bool pointwise = taps == 1 && llvm::all_of(strides, [](int64_t v) { return v == 1; }) &&
                     llvm::all_of(pads, [](int64_t v) { return v == 0; });
    if (!pointwise && c < kMinWindowChannels)
      return rewriter.notifyMatchFailure(op, "too few channels to gather the window by pixel");
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    // W [M, C, KH, KW] -> [KH, KW, C, M], viewed [KH * KW * C, M]: the row of tap
    // (kh, kw) and channel c is (kh * KW + kw) * C + c, as the columns below.
    Value w = createPermutedConstant(rewriter, loc, weight, wShape, {2, 3, 1, 0});
    if (!w)
      return rewriter.notifyMatchFailure(op, "W's data cannot be read");
    Type i8Type = xType.getElementType();
    w = ReshapeOp::create(rewriter, loc,
                          TypeRange{RankedTensorType::get({taps * c, m},
                                                          weight.getShapedType().getElementType())},
                          ValueRange{w, createI64Constant(rewriter, loc, {taps * c, m})})
            .getResult();
    int64_t n = xType.getDimSize(0);
    Value x = createTranspose(rewriter, loc, op.getX(), {0, 2, 3, 1});
    // The columns [N, OH, OW, KH * KW * C]: for each tap, the strided window of the input
    // padded with x's zero point (0 when it has none, as ONNX pads), side by side.
    Value columns = x;
    if (!pointwise) {
      if (llvm::any_of(pads, [](int64_t v) { return v != 0; })) {
        SmallVector<int64_t> padded{n, xType.getDimSize(2) + pads[0] + pads[2],
                                    xType.getDimSize(3) + pads[1] + pads[3], c};
        Value value = isNone(xZero) ? xZero : asScalar(rewriter, loc, xZero);
        Value none = NoValueOp::create(rewriter, loc, rewriter.getNoneType());
        x = PadOp::create(rewriter, loc, TypeRange{RankedTensorType::get(padded, i8Type)},
                          ValueRange{x,
                                     createI64Constant(rewriter, loc,
                                                       {0, pads[0], pads[1], 0, 0, pads[2],
                                                        pads[3], 0}),
                                     value, none})
                .getResult();
      }
      auto tapType = RankedTensorType::get({n, outSize[0], outSize[1], c}, i8Type);
      SmallVector<Value> windows;
      for (int64_t kh = 0; kh < kernel[0]; ++kh)
        for (int64_t kw = 0; kw < kernel[1]; ++kw) {
          int64_t top = kh * dilations[0], left = kw * dilations[1];
          windows.push_back(
              SliceOp::create(
                  rewriter, loc, TypeRange{tapType},
                  ValueRange{x, createI64Constant(rewriter, loc, {top, left}),
                             createI64Constant(rewriter, loc,
                                               {top + (outSize[0] - 1) * strides[0] + 1,
                                                left + (outSize[1] - 1) * strides[1] + 1}),
                             createI64Constant(rewriter, loc, {1, 2}),
                             createI64Constant(rewriter, loc, strides)})
                  .getResult());
        }
      columns = windows.front();
      if (windows.size() > 1)
        columns = ConcatOp::create(
                      rewriter, loc,
                      TypeRange{RankedTensorType::get({n, outSize[0], outSize[1], taps * c},
                                                      i8Type)},
                      windows, rewriter.getI64IntegerAttr(3))
                      .getResult();
    }
    auto productType =
        RankedTensorType::get({n, outSize[0], outSize[1], m}, yType.getElementType());
    Value product = MatMulIntegerOp::create(rewriter, loc, TypeRange{productType},
                                            ValueRange{columns, w, xZero, wZero})
                        .getResult();
    rewriter.replaceOp(op, createTranspose(rewriter, loc, product, {0, 3, 1, 2}));
    ++(pointwise ? numPointwise : numWindowed);
    return success();
  }

  kiln::PassStatistic &numPointwise, &numWindowed;
};

} // namespace

void populateConvIntegerNhwcPatterns(RewritePatternSet &patterns,
                                     kiln::PassStatistic &pointwise,
                                     kiln::PassStatistic &windowed) {
  patterns.add<ConvIntegerToMatMul>(patterns.getContext(), pointwise, windowed);
}

} // namespace kiln::layout
