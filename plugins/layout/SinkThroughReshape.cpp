//===- SinkThroughReshape.cpp - Transposes past unit-dim reshapes ---------===//
//
// Squeeze, Unsqueeze and a Reshape that only removes or inserts dims of size 1 do not
// move data, so a Transpose above one can move below it: drop the same unit dims from
// the untransposed input, append the inserted ones at its end, and transpose the
// result with the permutation that puts every dim where the original reshape put it.
// One-dimensional convolutions written as 2-D ones with a unit height (tf2onnx, Keras,
// many audio models) squeeze that dim right after the Conv; without this, the NHWC
// layout's Transpose back to NCHW stayed stuck above the Squeeze and every op after it
// ran on the transposed copy. See TransposeSinking.h.
//
//===----------------------------------------------------------------------===//

#include "plugins/layout/TransposeSinking.h"

#include "kiln/NodeLoc.h"

#include "llvm/ADT/STLExtras.h"

using namespace mlir;
using namespace kiln::onnxir;
using kiln::layout::createI64Constant;
using kiln::layout::createTranspose;
using kiln::layout::readIntConstant;
using kiln::layout::transposePerm;

namespace {

/// How a reshape relates its input (rank `inRank`) to its result: `dropped` input dims
/// (each of size 1) are removed, `inserted` result dims (each of size 1) are new, and
/// every other dim keeps its order.
struct UnitReshape {
  SmallVector<int64_t> dropped;  // ascending input dims
  SmallVector<int64_t> inserted; // ascending result dims
};

/// Normalized, sorted, duplicate-free `axes` of a rank-`rank` tensor, or nullopt.
std::optional<SmallVector<int64_t>> normalizeAxes(ArrayRef<int64_t> axes, int64_t rank) {
  SmallVector<int64_t> result;
  for (int64_t a : axes) {
    if (a < -rank || a >= rank)
      return std::nullopt;
    result.push_back(a < 0 ? a + rank : a);
  }
  llvm::sort(result);
  if (std::adjacent_find(result.begin(), result.end()) != result.end())
    return std::nullopt;
  return result;
}

std::optional<UnitReshape> classify(SqueezeOp op, RankedTensorType in) {
  UnitReshape r;
  if (isa<NoneType>(op.getAxes().getType())) {
    // Without axes every dim of size 1 goes; a dynamic dim might be one of them.
    if (!in.hasStaticShape())
      return std::nullopt;
    for (int64_t d = 0; d < in.getRank(); ++d)
      if (in.getDimSize(d) == 1)
        r.dropped.push_back(d);
    return r;
  }
  std::optional<SmallVector<int64_t>> axes = readIntConstant(op.getAxes());
  if (!axes)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> dropped = normalizeAxes(*axes, in.getRank());
  if (!dropped || llvm::any_of(*dropped, [&](int64_t d) { return in.getDimSize(d) != 1; }))
    return std::nullopt;
  r.dropped = std::move(*dropped);
  return r;
}

std::optional<UnitReshape> classify(UnsqueezeOp op, RankedTensorType in) {
  std::optional<SmallVector<int64_t>> axes = readIntConstant(op.getAxes());
  if (!axes)
    return std::nullopt;
  std::optional<SmallVector<int64_t>> inserted =
      normalizeAxes(*axes, in.getRank() + static_cast<int64_t>(axes->size()));
  if (!inserted)
    return std::nullopt;
  return UnitReshape{{}, std::move(*inserted)};
}

/// A Reshape whose result type is its input type with dims of size 1 removed or added.
/// The dims that are not 1 must agree one to one, with at most one dynamic dim among
/// them: with two, [?, ?] -> [?, ?] might swap their sizes.
std::optional<UnitReshape> classify(ReshapeOp op, RankedTensorType in) {
  auto out = dyn_cast<RankedTensorType>(op.getReshaped().getType());
  if (!out)
    return std::nullopt;
  // Every unit dim is dropped and every unit dim of the result inserted (one kept in
  // place is dropped and inserted again, which costs nothing).
  UnitReshape r;
  SmallVector<int64_t> inKept, outKept;
  for (int64_t d = 0; d < in.getRank(); ++d) {
    if (in.getDimSize(d) == 1)
      r.dropped.push_back(d);
    else
      inKept.push_back(in.getDimSize(d));
  }
  for (int64_t d = 0; d < out.getRank(); ++d) {
    if (out.getDimSize(d) == 1)
      r.inserted.push_back(d);
    else
      outKept.push_back(out.getDimSize(d));
  }
  if (inKept != outKept || llvm::count(inKept, ShapedType::kDynamic) > 1)
    return std::nullopt;
  return r;
}

// Reshape(Transpose(x, p)) = Transpose(Unsqueeze(Squeeze(x, p[dropped]), tail), q) for a
// reshape that only drops and inserts unit dims.
template <typename ReshapeLikeOp>
struct SinkThroughUnitReshape : OpRewritePattern<ReshapeLikeOp> {
  SinkThroughUnitReshape(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern<ReshapeLikeOp>(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(ReshapeLikeOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    Value input = op->getOperand(0);
    std::optional<SmallVector<int64_t>> perm = transposePerm(input, t);
    auto inType = dyn_cast<RankedTensorType>(input.getType());
    auto outType = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    if (!perm || !inType || !outType ||
        static_cast<int64_t>(perm->size()) != inType.getRank())
      return rewriter.notifyMatchFailure(op, "input is not a ranked Transpose");
    std::optional<UnitReshape> shape = classify(op, inType);
    if (!shape || inType.getRank() - static_cast<int64_t>(shape->dropped.size()) +
                          static_cast<int64_t>(shape->inserted.size()) !=
                      outType.getRank())
      return rewriter.notifyMatchFailure(op, "not a reshape of unit dims only");

    // The dims of x to drop, and where each remaining dim of x lands after dropping.
    int64_t rank = inType.getRank();
    SmallVector<bool> dropX(rank, false);
    for (int64_t d : shape->dropped)
      dropX[(*perm)[d]] = true;
    SmallVector<int64_t> droppedX, position(rank, -1);
    for (int64_t j = 0, next = 0; j < rank; ++j)
      if (dropX[j])
        droppedX.push_back(j);
      else
        position[j] = next++;
    int64_t squeezedRank = rank - static_cast<int64_t>(droppedX.size());

    // The permutation of the result: an inserted dim reads one of the unit dims
    // appended to x, every other dim reads the dim of x it read before.
    SmallVector<int64_t> resultPerm;
    SmallVector<int64_t> kept;
    for (int64_t d = 0; d < rank; ++d)
      if (!llvm::is_contained(shape->dropped, d))
        kept.push_back(position[(*perm)[d]]);
    for (int64_t p = 0, nextKept = 0, nextUnit = 0; p < outType.getRank(); ++p)
      resultPerm.push_back(llvm::is_contained(shape->inserted, p) ? squeezedRank + nextUnit++
                                                                   : kept[nextKept++]);

    Location loc = kiln::replacedNodesLoc(op.getOperation());
    auto elementType = inType.getElementType();
    Value x = t.getData();
    auto xType = cast<RankedTensorType>(x.getType());
    if (!droppedX.empty()) {
      SmallVector<int64_t> squeezedShape;
      for (int64_t j = 0; j < rank; ++j)
        if (!dropX[j])
          squeezedShape.push_back(xType.getDimSize(j));
      x = SqueezeOp::create(rewriter, loc, RankedTensorType::get(squeezedShape, elementType),
                            x, createI64Constant(rewriter, loc, droppedX));
    }
    if (!shape->inserted.empty()) {
      auto squeezed = cast<RankedTensorType>(x.getType());
      SmallVector<int64_t> expandedShape(squeezed.getShape());
      SmallVector<int64_t> tail;
      for (size_t i = 0; i < shape->inserted.size(); ++i) {
        tail.push_back(squeezedRank + static_cast<int64_t>(i));
        expandedShape.push_back(1);
      }
      x = UnsqueezeOp::create(rewriter, loc,
                              RankedTensorType::get(expandedShape, elementType), x,
                              createI64Constant(rewriter, loc, tail));
    }
    rewriter.replaceOp(op, createTranspose(rewriter, loc, x, resultPerm));
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

} // namespace

namespace kiln::layout {
void populateReshapeSinkPatterns(RewritePatternSet &patterns, kiln::PassStatistic &numSunk) {
  patterns.add<SinkThroughUnitReshape<SqueezeOp>, SinkThroughUnitReshape<UnsqueezeOp>,
               SinkThroughUnitReshape<ReshapeOp>>(patterns.getContext(), numSunk);
}
} // namespace kiln::layout
