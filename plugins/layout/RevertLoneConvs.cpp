//===- RevertLoneConvs.cpp - Channels-first again where nothing cancelled --===//
//
// After kiln-sink-transposes, a kiln.conv_nhwc whose input is still transposed from
// channels-first and whose result still meets a Transpose on its way out gained nothing
// from the layout change but paid for two transposes. Where the channels-first lowering
// is cheap, the conv goes back to an onnx.Conv on the untransposed input:
//  - group 1 (im2col + one contraction) where the im2col matrix (K = C * KH * KW rows)
//    is small next to the output (M rows, M >= 4 * K: the 1-channel audio stem, K = 10
//    and M = 512);
//  - depthwise with stride 1, at most 25 taps and output rows of 32 pixels or more (one
//    pass of shifted rows, vectorized along the row, over the padded input: MobileNetV2's 3x3 over [8, 144, 56, 56] on its own went from 8.5 ms,
//    two transposes and the NHWC kernel, to 3.2 ms).
//
//   conv_nhwc(Transpose(x, [0, 2, 3, 1]), W') -> Transpose(Conv(x, W), [0, 2, 3, 1])
//
// and the pipeline's second kiln-sink-transposes cancels the new Transpose against the
// one that follows. (wav2vec2's first feature conv, [1, 1, 16000] k10 s5 -> 512 on its
// own: 1.08 -> 0.52 ms, 1 thread, AMD Zen 4; the output transpose was 0.65 ms.) Image
// stems (3 channels, K = 27 or 147, M = 16 to 64) keep NHWC: their channels-first im2col
// measured slower than both transposes.
//
//===----------------------------------------------------------------------===//

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/Passes.h"
#include "plugins/layout/TransposeSinking.h"

#include "kiln/Statistic.h"

#include "mlir/IR/PatternMatch.h"

namespace kiln::layout {
#define GEN_PASS_DEF_REVERTLONECONVS
#include "plugins/layout/Passes.h.inc"
} // namespace kiln::layout

using namespace mlir;
using namespace kiln::onnxir;

namespace {

/// The largest depthwise kernel (taps) that the channels-first lowering runs as shifted
/// rows (buildDepthwiseConv2D's kMaxShiftedTaps).
constexpr int64_t kMaxShiftedTaps = 25;

/// The narrowest output row (pixels) for which the shifted rows run as whole vectors
/// (two AVX-512 vectors): on a 7x7 map (960 channels, 5x5) they took 4x the NHWC kernel.
constexpr int64_t kMinRow = 32;

/// Whether `op` moves data: a Transpose that only moves dims of size 1 (between two 1-D
/// convs viewed as 2-D) is a reshape, which the lowering makes free.
bool movesData(Operation *op) {
  TransposeOp transpose;
  std::optional<SmallVector<int64_t>> perm =
      kiln::layout::transposePerm(op->getResult(0), transpose);
  if (!perm)
    return false;
  auto type = cast<RankedTensorType>(transpose.getData().getType());
  int64_t last = -1;
  for (int64_t p : *perm) {
    if (type.getDimSize(p) == 1)
      continue;
    if (p < last)
      return true;
    last = p;
  }
  return false;
}

/// Whether `v` flows, through onnx ops with one use each and one result (the ops the
/// Transpose after a conv was sunk through), into onnx.Transposes that move data only
/// (several, before CSE, when the sinking copied one into each user).
bool reachesTranspose(Value v) {
  for (int64_t hops = 0; hops < 64; ++hops) {
    if (!v.use_empty() && llvm::all_of(v.getUsers(), [](Operation *user) {
          return isa<TransposeOp>(user) && movesData(user);
        }))
      return true;
    if (!v.hasOneUse())
      return false;
    Operation *user = *v.getUsers().begin();
    if (user->getNumResults() != 1 || !isa<ONNXDialect>(user->getDialect()))
      return false;
    v = user->getResult(0);
  }
  return false;
}

/// The conv's replacement (see the file comment), or null when it does not apply.
Value revert(OpBuilder &b, kiln::kilnir::ConvNhwcOp conv) {
  auto yType = cast<RankedTensorType>(conv.getY().getType());
  auto wType = cast<RankedTensorType>(conv.getW().getType());
  if (yType.getRank() != 4 || !wType.hasStaticShape())
    return {};
  ArrayRef<int64_t> kkcm = wType.getShape(); // [KH, KW, C / group, M]
  int64_t group = conv.getGroup();
  bool depthwise = group > 1 && kkcm[2] == 1 && kkcm[3] == group;
  bool cheap = depthwise ? llvm::all_of(conv.getStrides(), [](int64_t s) { return s == 1; }) &&
                               kkcm[0] * kkcm[1] <= kMaxShiftedTaps &&
                               !yType.isDynamicDim(2) && yType.getDimSize(2) >= kMinRow
                         : group == 1 && kkcm[3] >= 4 * kkcm[0] * kkcm[1] * kkcm[2];
  if (!cheap)
    return {};
  TransposeOp in;
  std::optional<SmallVector<int64_t>> perm = kiln::layout::transposePerm(conv.getX(), in);
  if (!perm || *perm != ArrayRef<int64_t>{0, 2, 3, 1})
    return {};
  if (!reachesTranspose(conv.getY()))
    return {};
  ElementsAttr weight = kiln::layout::getConstantValue(conv.getW());
  if (!weight)
    return {};
  Location loc = conv.getLoc();
  b.setInsertionPoint(conv);
  Value w = kiln::layout::createPermutedConstant(b, loc, weight, kkcm, {3, 2, 0, 1});
  if (!w)
    return {};
  Value x = in.getData();
  auto xType = cast<RankedTensorType>(x.getType());
  SmallVector<int64_t> yShape{yType.getDimSize(0), yType.getDimSize(3), yType.getDimSize(1),
                              yType.getDimSize(2)};
  Value bias = conv.getBias();
  if (!bias)
    bias = NoValueOp::create(b, loc, b.getNoneType());
  auto nchw = ConvOp::create(
      b, loc, RankedTensorType::get(yShape, xType.getElementType()), x, w, bias,
      b.getStringAttr("NOTSET"), b.getDenseI64ArrayAttr(conv.getDilations()),
      b.getI64IntegerAttr(group), b.getDenseI64ArrayAttr(kkcm.take_front(2)),
      b.getDenseI64ArrayAttr(conv.getPads()), b.getDenseI64ArrayAttr(conv.getStrides()));
  return kiln::layout::createTranspose(b, loc, nchw.getY(), {0, 2, 3, 1});
}

} // namespace

namespace kiln::layout {
/// Named (not anonymous): MLIR derives implicit pass TypeIDs from the class name.
struct RevertLoneConvsPass : impl::RevertLoneConvsBase<RevertLoneConvsPass> {
  kiln::PassStatistic numReverted{this, "reverted",
                                  "kiln.conv_nhwc made channels-first onnx.Conv again"};

  void runOnOperation() override {
    SmallVector<kiln::kilnir::ConvNhwcOp> convs;
    getOperation().walk([&](kiln::kilnir::ConvNhwcOp conv) { convs.push_back(conv); });
    OpBuilder b(&getContext());
    for (kiln::kilnir::ConvNhwcOp conv : convs) {
      if (Value replacement = revert(b, conv)) {
        conv.getY().replaceAllUsesWith(replacement);
        conv.erase();
        ++numReverted;
      }
    }
  }
};
} // namespace kiln::layout
