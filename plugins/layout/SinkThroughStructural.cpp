//===- SinkThroughStructural.cpp - Transposes past layout-aware ops -------===//
//
// The kiln-sink-transposes patterns for ops with axes: the op is rebuilt on the
// untransposed input with every axis a mapped to perm[a] (and per-axis constant operands
// such as Resize's scales or Pad's pads permuted to match), and the Transpose moves to
// its results. See TransposeSinking.h.
//
//===----------------------------------------------------------------------===//

#include "plugins/layout/ConstantPermute.h"
#include "plugins/layout/TransposeSinking.h"

#include "ir/kiln/KilnDialect.h"
#include "kiln/NodeLoc.h"
#include "passes/Folding/Literal.h"

#include "mlir/IR/IRMapping.h"

using namespace mlir;
using namespace kiln::onnxir;
using kiln::layout::createI64Constant;
using kiln::layout::createTranspose;
using kiln::layout::invertPermutation;
using kiln::layout::permuteShape;
using kiln::layout::readIntConstant;
using kiln::layout::replaceWithTransposed;
using kiln::layout::transposePerm;

namespace {

/// `axis` in [-rank, rank) normalized to [0, rank), or nullopt when out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

/// `axes` (each in [-rank, rank)) mapped through `perm` to the untransposed input's:
/// axis a becomes perm[a]. nullopt when an axis is out of range.
std::optional<SmallVector<int64_t>> mapAxes(ArrayRef<int64_t> axes, ArrayRef<int64_t> perm) {
  SmallVector<int64_t> mapped;
  for (int64_t a : axes) {
    std::optional<int64_t> axis = normalizeAxis(a, perm.size());
    if (!axis)
      return std::nullopt;
    mapped.push_back(perm[*axis]);
  }
  return mapped;
}

/// The Transpose feeding operand `index` of `op` when its permutation has the operand's
/// rank, as (perm, Transpose); nullopt otherwise.
std::optional<SmallVector<int64_t>> transposedOperand(Operation *op, unsigned index,
                                                      TransposeOp &t) {
  std::optional<SmallVector<int64_t>> perm = transposePerm(op->getOperand(index), t);
  auto type = dyn_cast<RankedTensorType>(op->getOperand(index).getType());
  if (!perm || !type || static_cast<int64_t>(perm->size()) != type.getRank())
    return std::nullopt;
  return perm;
}

/// Clones `op` with operand `index` replaced by `newOperand` (other operands by
/// `replacements` where given) and every result's shape permuted by inverse(perm), for
/// the caller to adjust attributes before replaceWithTransposed.
Operation *cloneUntransposed(PatternRewriter &rewriter, Operation *op, unsigned index,
                             Value newOperand, ArrayRef<int64_t> resultPerm,
                             ArrayRef<std::pair<unsigned, Value>> replacements = {}) {
  IRMapping mapping;
  mapping.map(op->getOperand(index), newOperand);
  for (auto [i, v] : replacements)
    mapping.map(op->getOperand(i), v);
  Operation *clone = rewriter.clone(*op, mapping);
  SmallVector<int64_t> inverse = invertPermutation(resultPerm);
  for (Value result : clone->getResults()) {
    auto type = cast<RankedTensorType>(result.getType());
    result.setType(RankedTensorType::get(permuteShape(type.getShape(), inverse),
                                         type.getElementType()));
  }
  return clone;
}

/// Whether every result of `op` is a ranked tensor.
bool rankedResults(Operation *op) {
  return llvm::all_of(op->getResultTypes(), [](Type t) { return isa<RankedTensorType>(t); });
}

// Concat(Transpose(x_i, p), axis a) = Transpose(Concat(x_i, axis p[a]), p) when every
// input is transposed the same way: the channel concatenations of NHWC convolutions
// (Inception, SqueezeNet's Fire, CSP blocks) stay NHWC.
struct SinkThroughConcat : OpRewritePattern<ConcatOp> {
  SinkThroughConcat(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(ConcatOp op, PatternRewriter &rewriter) const override {
    auto resultType = dyn_cast<RankedTensorType>(op.getResult().getType());
    if (!resultType || op->getNumOperands() == 0)
      return rewriter.notifyMatchFailure(op, "not a ranked Concat");
    int64_t rank = resultType.getRank();
    int64_t axis = op.getAxis() < 0 ? op.getAxis() + rank : op.getAxis();
    if (axis < 0 || axis >= rank)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    SmallVector<Value> inputs;
    std::optional<SmallVector<int64_t>> perm;
    for (Value operand : op->getOperands()) {
      TransposeOp t;
      std::optional<SmallVector<int64_t>> p = transposePerm(operand, t);
      if (!p || static_cast<int64_t>(p->size()) != rank || (perm && *perm != *p))
        return rewriter.notifyMatchFailure(op, "inputs are not all transposed the same way");
      perm = std::move(p);
      inputs.push_back(t.getData());
    }
    IRMapping mapping;
    for (auto [from, to] : llvm::zip(op->getOperands(), inputs))
      mapping.map(from, to);
    Operation *clone = rewriter.clone(*op, mapping);
    clone->setAttr("axis", rewriter.getIntegerAttr(op.getAxisAttr().getType(), (*perm)[axis]));
    clone->getResult(0).setType(RankedTensorType::get(
        permuteShape(resultType.getShape(), invertPermutation(*perm)),
        resultType.getElementType()));
    rewriter.replaceOp(op, createTranspose(rewriter, kiln::replacedNodesLoc(op.getOperation()),
                                           clone->getResult(0), *perm));
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// MaxPool/AveragePool(Transpose(x, NHWC -> NCHW)) = Transpose(kiln.pool_nhwc(x)): the
// pool runs on the NHWC tensor, so CNNs keep NHWC across their pooling layers. Pads must
// be known at compile time (auto_pad SAME with a stride, and ceil_mode, need static
// sizes); an average with ceil_mode's extra end padding stays NCHW.
template <typename PoolOp>
struct SinkThroughPool : OpRewritePattern<PoolOp> {
  SinkThroughPool(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern<PoolOp>(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    constexpr bool isMax = std::is_same_v<PoolOp, MaxPoolOp>;
    if constexpr (isMax)
      if (!op.getIndices().use_empty())
        return rewriter.notifyMatchFailure(op, "the Indices output is used");
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposePerm(op.getX(), t);
    if (!perm || (*perm != ArrayRef<int64_t>{0, 3, 1, 2} &&
                  *perm != ArrayRef<int64_t>{0, 4, 1, 2, 3}))
      return rewriter.notifyMatchFailure(
          op, "X is not an NHWC (NDHWC) tensor transposed to NCHW (NCDHW)");
    auto xType = cast<RankedTensorType>(t.getData().getType());
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    int64_t rank = perm->size(), spatial = rank - 2;
    ArrayRef<int64_t> kernel = op.getKernelShape();
    if (!yType || yType.getRank() != rank || static_cast<int64_t>(kernel.size()) != spatial)
      return rewriter.notifyMatchFailure(op, "not a 2-D or 3-D pool with a ranked result");
    SmallVector<int64_t> ones(spatial, 1), zeros(2 * spatial, 0);
    SmallVector<int64_t> strides(op.getStrides().value_or(ArrayRef<int64_t>(ones)));
    SmallVector<int64_t> dilations(op.getDilations().value_or(ArrayRef<int64_t>(ones)));
    SmallVector<int64_t> pads(op.getPads().value_or(ArrayRef<int64_t>(zeros)));
    if (static_cast<int64_t>(strides.size()) != spatial ||
        static_cast<int64_t>(dilations.size()) != spatial ||
        static_cast<int64_t>(pads.size()) != 2 * spatial)
      return rewriter.notifyMatchFailure(op, "malformed strides, dilations or pads");
    StringRef autoPad = op.getAutoPad();
    bool ceil = op.getCeilMode() != 0;
    for (int64_t i = 0; i < spatial; ++i) {
      int64_t in = xType.getDimSize(1 + i), s = strides[i];
      int64_t effective = (kernel[i] - 1) * dilations[i] + 1;
      if (autoPad == "VALID") {
        pads[i] = pads[spatial + i] = 0;
      } else if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
        if (s != 1 && ShapedType::isDynamic(in))
          return rewriter.notifyMatchFailure(op, "SAME pads of a strided window on a dynamic size");
        int64_t total = s == 1 ? effective - 1
                               : std::max<int64_t>(0, ((in + s - 1) / s - 1) * s + effective - in);
        pads[i] = autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
        pads[spatial + i] = total - pads[i];
      } else if (autoPad != "NOTSET") {
        return rewriter.notifyMatchFailure(op, "unknown auto_pad");
      }
      if (!ceil)
        continue;
      if (ShapedType::isDynamic(in))
        return rewriter.notifyMatchFailure(op, "ceil_mode on a dynamic size");
      int64_t span = in + pads[i] + pads[spatial + i] - effective;
      if (span < 0)
        return rewriter.notifyMatchFailure(op, "the window is larger than the padded input");
      int64_t out = (span + s - 1) / s + 1;
      if ((out - 1) * s >= in + pads[i])
        --out;
      int64_t extra = std::max<int64_t>(0, (out - 1) * s + effective - (in + pads[i] + pads[spatial + i]));
      if (extra && !isMax)
        return rewriter.notifyMatchFailure(op, "an average over ceil_mode's extra padding");
      pads[spatial + i] += extra;
    }
    bool includePad = false;
    if constexpr (!isMax)
      includePad = op.getCountIncludePad() != 0;
    auto nhwcType = RankedTensorType::get(permuteShape(yType.getShape(), invertPermutation(*perm)),
                                          yType.getElementType());
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    auto pool = kiln::kilnir::PoolNhwcOp::create(
        rewriter, loc, nhwcType, t.getData(), rewriter.getStringAttr(isMax ? "max" : "avg"),
        rewriter.getDenseI64ArrayAttr(kernel), rewriter.getDenseI64ArrayAttr(strides),
        rewriter.getDenseI64ArrayAttr(pads), rewriter.getDenseI64ArrayAttr(dilations),
        rewriter.getBoolAttr(includePad));
    rewriter.replaceAllUsesWith(op.getY(), createTranspose(rewriter, loc, pool.getY(), *perm));
    rewriter.eraseOp(op);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};


// GlobalAveragePool/GlobalMaxPool(Transpose(x, p)) = Transpose(ReduceMean/ReduceMax(x,
// axes = p[2..r), keepdims), p): the global pool of an NHWC tensor reduces H and W and
// keeps C innermost (ResNet's head, every squeeze-excite block).
template <typename PoolOp, typename ReduceOp>
struct SinkThroughGlobalPool : OpRewritePattern<PoolOp> {
  SinkThroughGlobalPool(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern<PoolOp>(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(PoolOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    auto yType = dyn_cast<RankedTensorType>(op.getY().getType());
    if (!perm || !yType || perm->size() < 3)
      return rewriter.notifyMatchFailure(op, "X is not a ranked Transpose");
    SmallVector<int64_t> axes;
    for (size_t a = 2; a < perm->size(); ++a)
      axes.push_back((*perm)[a]);
    llvm::sort(axes);
    Location loc = kiln::replacedNodesLoc(op.getOperation());
    auto reducedType = RankedTensorType::get(
        permuteShape(yType.getShape(), invertPermutation(*perm)), yType.getElementType());
    auto reduce = ReduceOp::create(
        rewriter, loc, TypeRange{reducedType},
        ValueRange{t.getData(), createI64Constant(rewriter, loc, axes)},
        ArrayRef<NamedAttribute>{rewriter.getNamedAttr("keepdims", rewriter.getI64IntegerAttr(1))});
    replaceWithTransposed(rewriter, op, reduce, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Reduce(Transpose(x, p), axes) = Transpose(Reduce(x, p[axes]), q) for constant axes;
// q = p with keepdims, else p restricted to the kept dims and renumbered.
template <typename ReduceOp>
struct SinkThroughReduce : OpRewritePattern<ReduceOp> {
  SinkThroughReduce(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern<ReduceOp>(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(ReduceOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    if (!perm || !rankedResults(op))
      return rewriter.notifyMatchFailure(op, "data is not a ranked Transpose");
    int64_t rank = perm->size();
    SmallVector<int64_t> axes;
    if (!isa<NoneType>(op.getAxes().getType())) {
      std::optional<SmallVector<int64_t>> constant = readIntConstant(op.getAxes());
      if (!constant)
        return rewriter.notifyMatchFailure(op, "axes are not a constant");
      axes = *constant;
    }
    if (axes.empty()) {
      if (op.getNoopWithEmptyAxes() != 0)
        return rewriter.notifyMatchFailure(op, "an identity reduce (the canonicalizer's)");
      axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    }
    llvm::SmallBitVector reduced(rank);
    SmallVector<int64_t> newAxes;
    for (int64_t a : axes) {
      std::optional<int64_t> axis = normalizeAxis(a, rank);
      if (!axis)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      reduced.set(*axis);
      newAxes.push_back((*perm)[*axis]);
    }
    llvm::sort(newAxes);
    newAxes.erase(std::unique(newAxes.begin(), newAxes.end()), newAxes.end());
    SmallVector<int64_t> resultPerm;
    if (op.getKeepdims() != 0) {
      resultPerm = *perm;
    } else {
      // Source dims kept, in order; the result's dim k is kept NCHW dim i_k = source
      // dim p[i_k], found at its position among the kept source dims.
      SmallVector<int64_t> keptSource;
      for (int64_t j = 0; j < rank; ++j)
        if (!llvm::is_contained(newAxes, j))
          keptSource.push_back(j);
      for (int64_t i = 0; i < rank; ++i)
        if (!reduced.test(i))
          resultPerm.push_back(llvm::find(keptSource, (*perm)[i]) - keptSource.begin());
    }
    Location loc = op.getLoc();
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), resultPerm,
                                         {{1, createI64Constant(rewriter, loc, newAxes)}});
    if (llvm::equal(resultPerm, llvm::seq<int64_t>(0, resultPerm.size())))
      rewriter.replaceOp(op, clone->getResults());
    else
      replaceWithTransposed(rewriter, op, clone, resultPerm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Split(Transpose(x, p), axis a) = Transpose(Split(x, axis p[a]), p) for each output:
// the CSP blocks of YOLO-style detectors split NHWC tensors along C.
struct SinkThroughSplit : OpRewritePattern<SplitOp> {
  SinkThroughSplit(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(SplitOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    if (!perm || !rankedResults(op))
      return rewriter.notifyMatchFailure(op, "input is not a ranked Transpose");
    std::optional<int64_t> axis = normalizeAxis(op.getAxis(), perm->size());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm);
    clone->setAttr("axis", rewriter.getI64IntegerAttr((*perm)[*axis]));
    replaceWithTransposed(rewriter, op, clone, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Slice(Transpose(x, p), starts, ends, axes, steps) = Transpose(Slice(x, starts, ends,
// p[axes], steps), p) for constant (or absent) axes.
struct SinkThroughSlice : OpRewritePattern<SliceOp> {
  SinkThroughSlice(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(SliceOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    auto startsType = dyn_cast<RankedTensorType>(op.getStarts().getType());
    if (!perm || !rankedResults(op) || !startsType || startsType.isDynamicDim(0))
      return rewriter.notifyMatchFailure(op, "data is not a ranked Transpose");
    SmallVector<int64_t> axes;
    if (isa<NoneType>(op.getAxes().getType())) {
      axes = llvm::to_vector(llvm::seq<int64_t>(0, startsType.getDimSize(0)));
    } else if (std::optional<SmallVector<int64_t>> constant = readIntConstant(op.getAxes())) {
      axes = *constant;
    } else {
      return rewriter.notifyMatchFailure(op, "axes are not a constant");
    }
    std::optional<SmallVector<int64_t>> newAxes = mapAxes(axes, *perm);
    if (!newAxes)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Value axesValue = createI64Constant(rewriter, op.getLoc(), *newAxes);
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm);
    clone->setOperand(3, axesValue);
    replaceWithTransposed(rewriter, op, clone, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

/// The constant per-axis operand `v` (one element per dim of a rank-`rank` tensor)
/// permuted for the untransposed input: result[p[i]] = v[i]. Returns `v` itself when it
/// is absent or empty, and null when it cannot be permuted.
Value permutePerAxis(PatternRewriter &rewriter, Value v, int64_t rank, ArrayRef<int64_t> perm,
                     int64_t groups = 1) {
  if (isa<NoneType>(v.getType()))
    return v;
  auto type = dyn_cast<RankedTensorType>(v.getType());
  if (!type || type.getRank() != 1 || type.isDynamicDim(0))
    return {};
  if (type.getDimSize(0) == 0)
    return v;
  if (type.getDimSize(0) != rank * groups)
    return {};
  std::optional<kiln::folding::Literal> lit =
      kiln::folding::isConstant(v) ? kiln::folding::readConstant(v) : std::nullopt;
  if (!lit)
    return {};
  // Viewed as [groups, rank] (Pad's begins and ends, Resize's roi starts and ends), each
  // group is permuted: result[g][p[i]] = v[g][i].
  kiln::folding::Literal permuted = *lit;
  for (int64_t g = 0; g < groups; ++g) {
    for (int64_t i = 0; i < rank; ++i) {
      int64_t from = g * rank + i, to = g * rank + perm[i];
      if (lit->isFloat())
        permuted.floats[to] = lit->floats[from];
      else
        permuted.ints[to] = lit->ints[from];
    }
  }
  return kiln::folding::createConstant(rewriter, v.getLoc(), permuted);
}

// Resize(Transpose(x, p), roi, scales, sizes) = Transpose(Resize(x, roi', scales',
// sizes'), p): the per-axis operands (or the `axes` attribute) follow the dims.
struct SinkThroughResize : OpRewritePattern<ResizeOp> {
  SinkThroughResize(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(ResizeOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    if (!perm || !rankedResults(op))
      return rewriter.notifyMatchFailure(op, "X is not a ranked Transpose");
    int64_t rank = perm->size();
    if (std::optional<ArrayRef<int64_t>> axes = op.getAxes()) {
      std::optional<SmallVector<int64_t>> newAxes = mapAxes(*axes, *perm);
      if (!newAxes)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm);
      clone->setAttr("axes", rewriter.getDenseI64ArrayAttr(*newAxes));
      replaceWithTransposed(rewriter, op, clone, *perm);
      ++numSunk;
      return success();
    }
    Value roi = permutePerAxis(rewriter, op.getRoi(), rank, *perm, /*groups=*/2);
    Value scales = permutePerAxis(rewriter, op.getScales(), rank, *perm);
    Value sizes = permutePerAxis(rewriter, op.getSizes(), rank, *perm);
    if (!roi || !scales || !sizes)
      return rewriter.notifyMatchFailure(op, "roi, scales or sizes are not constants");
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm,
                                         {{1, roi}, {2, scales}, {3, sizes}});
    replaceWithTransposed(rewriter, op, clone, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Pad(Transpose(x, p), pads, value, axes) = Transpose(Pad(x, pads', value, axes'), p).
struct SinkThroughPad : OpRewritePattern<PadOp> {
  SinkThroughPad(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(PadOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    if (!perm || !rankedResults(op))
      return rewriter.notifyMatchFailure(op, "data is not a ranked Transpose");
    int64_t rank = perm->size();
    Location loc = op.getLoc();
    if (!isa<NoneType>(op.getAxes().getType())) {
      std::optional<SmallVector<int64_t>> axes = readIntConstant(op.getAxes());
      if (!axes)
        return rewriter.notifyMatchFailure(op, "axes are not a constant");
      std::optional<SmallVector<int64_t>> newAxes = mapAxes(*axes, *perm);
      if (!newAxes)
        return rewriter.notifyMatchFailure(op, "axis out of range");
      Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm,
                                           {{3, createI64Constant(rewriter, loc, *newAxes)}});
      replaceWithTransposed(rewriter, op, clone, *perm);
      ++numSunk;
      return success();
    }
    Value pads = permutePerAxis(rewriter, op.getPads(), rank, *perm, /*groups=*/2);
    if (!pads || pads == op.getPads())
      return rewriter.notifyMatchFailure(op, "pads are not a constant [2 * rank]");
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm, {{1, pads}});
    replaceWithTransposed(rewriter, op, clone, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

// Softmax/LogSoftmax(Transpose(x, p), axis a) = Transpose(Softmax(x, axis p[a]), p).
template <typename SoftmaxOp>
struct SinkThroughSoftmax : OpRewritePattern<SoftmaxOp> {
  SinkThroughSoftmax(MLIRContext *ctx, kiln::PassStatistic &count)
      : OpRewritePattern<SoftmaxOp>(ctx), numSunk(count) {}

  LogicalResult matchAndRewrite(SoftmaxOp op, PatternRewriter &rewriter) const override {
    TransposeOp t;
    std::optional<SmallVector<int64_t>> perm = transposedOperand(op, 0, t);
    if (!perm || !rankedResults(op))
      return rewriter.notifyMatchFailure(op, "input is not a ranked Transpose");
    std::optional<int64_t> axis = normalizeAxis(op.getAxis(), perm->size());
    if (!axis)
      return rewriter.notifyMatchFailure(op, "axis out of range");
    Operation *clone = cloneUntransposed(rewriter, op, 0, t.getData(), *perm);
    clone->setAttr("axis", rewriter.getI64IntegerAttr((*perm)[*axis]));
    replaceWithTransposed(rewriter, op, clone, *perm);
    ++numSunk;
    return success();
  }

  kiln::PassStatistic &numSunk;
};

} // namespace

namespace kiln::layout {
void populateStructuralSinkPatterns(RewritePatternSet &patterns, kiln::PassStatistic &numSunk) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<SinkThroughConcat, SinkThroughPool<MaxPoolOp>, SinkThroughPool<AveragePoolOp>,
               SinkThroughGlobalPool<GlobalAveragePoolOp, ReduceMeanOp>,
               SinkThroughGlobalPool<GlobalMaxPoolOp, ReduceMaxOp>, SinkThroughSplit,
               SinkThroughSlice, SinkThroughResize, SinkThroughPad,
               SinkThroughSoftmax<SoftmaxOp>, SinkThroughSoftmax<LogSoftmaxOp>>(ctx, numSunk);
  patterns.add<SinkThroughReduce<ReduceMeanOp>, SinkThroughReduce<ReduceSumOp>,
               SinkThroughReduce<ReduceMaxOp>, SinkThroughReduce<ReduceMinOp>,
               SinkThroughReduce<ReduceProdOp>, SinkThroughReduce<ReduceL1Op>,
               SinkThroughReduce<ReduceL2Op>, SinkThroughReduce<ReduceLogSumOp>,
               SinkThroughReduce<ReduceLogSumExpOp>, SinkThroughReduce<ReduceSumSquareOp>>(
      ctx, numSunk);
}
} // namespace kiln::layout
