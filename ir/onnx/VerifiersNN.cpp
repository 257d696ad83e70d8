//===- VerifiersNN.cpp - Verifiers of onnx NN ops -------------------------===//
//
// Every check accepts dynamic dimensions: only dimensions known on both sides
// can disagree.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// Checks shared by Conv and ConvTranspose. `inChannelsPerGroupDim` is the W
/// dimension that, times group, gives X's channels for Conv; ConvTranspose has
/// X's channels in W dim 0 and the per-group outputs in W dim 1.
template <typename ConvLikeOp> LogicalResult verifyConvLike(ConvLikeOp op, bool transposed) {
  auto emit = [&] { return op.emitOpError(); };
  int64_t group = static_cast<int64_t>(op.getGroup());
  if (group < 1)
    return emit() << "group " << group << " must be >= 1";
  auto x = getRankedShape(op.getX().getType());
  auto w = getRankedShape(op.getW().getType());
  if (x && w && x->size() != w->size())
    return emit() << "input rank " << x->size() << " != weight rank " << w->size();
  for (auto shape : {x, w})
    if (shape && shape->size() < 3)
      return emit() << "input and weight must have rank >= 3, got " << shape->size();

  int64_t channels = x ? (*x)[1] : kDynamic;
  int64_t outChannels = kDynamic;
  if (w && !transposed) {
    int64_t wc = (*w)[1];
    if (channels != kDynamic && wc != kDynamic && channels != wc * group)
      return emit() << "input channels " << channels << " != weight channels " << wc << " * group "
                    << group;
    outChannels = (*w)[0];
    if (outChannels != kDynamic && outChannels % group != 0)
      return emit() << "output channels " << outChannels << " are not divisible by group " << group;
  } else if (w) {
    if (!dimsCompatible(channels, (*w)[0]))
      return emit() << "input channels " << channels << " != weight dimension 0 " << (*w)[0];
    if ((*w)[1] != kDynamic)
      outChannels = (*w)[1] * group;
  }

  if (auto b = getRankedShape(op.getB().getType())) {
    if (b->size() != 1)
      return emit() << "bias must be 1-D, got rank " << b->size();
    if (!dimsCompatible((*b)[0], outChannels))
      return emit() << "bias size " << (*b)[0] << " != output channels " << outChannels;
  }

  int64_t rank = x ? x->size() : w ? w->size() : 0;
  if (auto kernel = op.getKernelShape()) {
    if (rank && static_cast<int64_t>(kernel->size()) != rank - 2)
      return emit() << "kernel_shape has " << kernel->size() << " values for " << rank - 2
                    << " spatial dimensions";
    rank = kernel->size() + 2;
    for (auto [i, k] : llvm::enumerate(*kernel))
      if (w && !dimsCompatible(k, (*w)[i + 2]))
        return emit() << "kernel_shape value " << k << " != weight spatial dimension "
                      << (*w)[i + 2];
  }
  if (rank == 0)
    return success();
  // The kernel list only matters for its length here: sizes come from W.
  SmallVector<int64_t> kernel(rank - 2, kDynamic);
  WindowParams params;
  return getWindowParams(rank - 2, kernel, op.getStrides(), op.getDilations(), op.getPads(),
                         op.getAutoPad(), false, params, emit);
}

/// MaxPool and AveragePool: kernel_shape sized to X's spatial rank.
template <typename PoolOp> LogicalResult verifyPool(PoolOp op) {
  auto emit = [&] { return op.emitOpError(); };
  ArrayRef<int64_t> kernel = op.getKernelShape();
  if (auto x = getRankedShape(op.getX().getType())) {
    if (x->size() < 3)
      return emit() << "input must have rank >= 3, got " << x->size();
    if (kernel.size() != x->size() - 2)
      return emit() << "kernel_shape has " << kernel.size() << " values for " << x->size() - 2
                    << " spatial dimensions";
  }
  if (kernel.empty())
    return emit() << "kernel_shape must not be empty";
  WindowParams params;
  return getWindowParams(kernel.size(), kernel, op.getStrides(), op.getDilations(), op.getPads(),
                         op.getAutoPad(), op.getCeilMode() != 0, params, emit);
}

} // namespace

LogicalResult ConvOp::verify() { return verifyConvLike(*this, false); }

LogicalResult ConvTransposeOp::verify() {
  if (failed(verifyConvLike(*this, true)))
    return failure();
  auto padding = getOutputPadding();
  auto x = getRankedShape(getX().getType());
  if (padding && x && padding->size() != x->size() - 2)
    return emitOpError() << "output_padding has " << padding->size() << " values for "
                         << x->size() - 2 << " spatial dimensions";
  return success();
}

LogicalResult MaxPoolOp::verify() { return verifyPool(*this); }
LogicalResult AveragePoolOp::verify() { return verifyPool(*this); }

LogicalResult BatchNormalizationOp::verify() {
  auto x = getRankedShape(getX().getType());
  if (x && x->size() < 2)
    return emitOpError() << "input must have rank >= 2, got " << x->size();
  int64_t channels = x ? (*x)[1] : kDynamic;
  std::pair<StringRef, Value> params[] = {{"scale", getScale()},
                                          {"B", getB()},
                                          {"input_mean", getInputMean()},
                                          {"input_var", getInputVar()}};
  for (auto [name, value] : params) {
    auto shape = getRankedShape(value.getType());
    if (!shape)
      continue;
    if (shape->size() != 1)
      return emitOpError() << name << " must be 1-D, got rank " << shape->size();
    if (!dimsCompatible((*shape)[0], channels))
      return emitOpError() << name << " size " << (*shape)[0] << " != input channels " << channels;
  }
  return success();
}

LogicalResult LayerNormalizationOp::verify() {
  auto x = getRankedShape(getX().getType());
  if (!x)
    return success();
  return normalizeAxis(static_cast<int64_t>(getAxis()), x->size(), [&] { return emitOpError(); });
}

LogicalResult FlattenOp::verify() {
  auto shape = getRankedShape(getInput().getType());
  if (!shape)
    return success();
  // Flatten's axis may be the rank itself: [-r, r].
  int64_t rank = shape->size(), axis = static_cast<int64_t>(getAxis());
  if (axis < -rank || axis > rank)
    return emitOpError() << "axis " << axis << " is out of range [" << -rank << ", " << rank << "]";
  return success();
}

} // namespace kiln::onnxir
