//===- ConvUtils.h - Rewriting a Conv's constant weight and bias -*- C++ -*-===//

#ifndef KILN_PLUGINS_FUSE_CONVUTILS_H
#define KILN_PLUGINS_FUSE_CONVUTILS_H

#include "passes/Folding/Literal.h"

#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/PatternMatch.h"

namespace kiln::fuse {

/// A Conv whose weight (and bias, if any) are constants, unpacked.
struct ConstConv {
  onnxir::ConvOp op;
  folding::Literal weight;
  /// The bias, or zeros when the Conv has none.
  folding::Literal bias;
  int64_t outChannels() const { return weight.shape[0]; }
};

/// `v`'s producer as a ConstConv, if it is a Conv with one user (the op being fused),
/// a constant float weight and a constant or absent bias.
std::optional<ConstConv> matchConstConv(mlir::Value v);

/// The per-output-channel values of a constant `c` combined elementwise with a Conv
/// result of rank `outRank` and `channels` channels without changing its shape: `c`'s
/// shape, aligned to the right, is 1 everywhere except possibly channels at dim 1.
std::optional<std::vector<double>> perChannel(const folding::Literal &c, int64_t outRank,
                                              int64_t channels);

/// Replaces `replaced` (whose result is the fused value) by a copy of `conv.op` with
/// weight `weight` and bias `bias`; returns the new Conv.
onnxir::ConvOp replaceConv(mlir::PatternRewriter &rewriter, mlir::Operation *replaced,
                           const ConstConv &conv, const folding::Literal &weight,
                           const folding::Literal &bias);

} // namespace kiln::fuse

#endif // KILN_PLUGINS_FUSE_CONVUTILS_H
