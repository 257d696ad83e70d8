//===- ConvUtils.cpp - Rewriting a Conv's constant weight and bias ----------===//

#include "plugins/fuse/ConvUtils.h"
#include "kiln/NodeLoc.h"

using namespace mlir;
using namespace kiln::onnxir;
using namespace kiln::folding;

namespace kiln::fuse {

std::optional<ConstConv> matchConstConv(Value v) {
  auto conv = v.getDefiningOp<ConvOp>();
  if (!conv || !v.hasOneUse() || !isConstant(conv.getW()))
    return std::nullopt;
  std::optional<Literal> weight = readConstant(conv.getW());
  if (!weight || !weight->isFloat() || weight->shape.size() < 3)
    return std::nullopt;
  int64_t channels = weight->shape[0];
  Literal bias = Literal::zeros({channels}, weight->elementType);
  if (!isa<NoneType>(conv.getB().getType())) {
    std::optional<Literal> b = isConstant(conv.getB()) ? readConstant(conv.getB()) : std::nullopt;
    if (!b || b->elementType != weight->elementType || b->numElements() != channels)
      return std::nullopt;
    bias.floats = b->floats;
  }
  return ConstConv{conv, std::move(*weight), std::move(bias)};
}

std::optional<std::vector<double>> perChannel(const Literal &c, int64_t outRank,
                                              int64_t channels) {
  int64_t rank = c.shape.size();
  if (rank > outRank)
    return std::nullopt;
  bool perChannelDim = false;
  for (int64_t i = 0; i < rank; ++i) {
    int64_t dim = outRank - rank + i; // the output dim this one aligns with
    if (c.shape[i] == 1)
      continue;
    if (dim != 1 || c.shape[i] != channels)
      return std::nullopt;
    perChannelDim = true;
  }
  std::vector<double> values(channels);
  for (int64_t o = 0; o < channels; ++o)
    values[o] = c.getDouble(perChannelDim ? o : 0);
  return values;
}

ConvOp replaceConv(PatternRewriter &rewriter, Operation *replaced, const ConstConv &conv,
                   const Literal &weight, const Literal &bias) {
  ConvOp op = conv.op;
  Location loc = kiln::replacedNodesLoc({op.getOperation(), replaced});
  Value w = createConstant(rewriter, loc, weight);
  Value b = createConstant(rewriter, loc, bias);
  auto fused = cast<ConvOp>(rewriter.clone(*op));
  fused->setLoc(loc);
  fused->setOperand(1, w);
  fused->setOperand(2, b);
  fused.getResult().setType(cast<TensorType>(replaced->getResult(0).getType()));
  rewriter.replaceOp(replaced, fused->getResults());
  rewriter.eraseOp(op);
  return fused;
}

} // namespace kiln::fuse
