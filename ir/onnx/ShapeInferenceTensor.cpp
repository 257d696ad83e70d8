//===- ShapeInferenceTensor.cpp - Shape inference of onnx tensor ops ------===//
//
// Data movement and shape manipulation: Cast, CastLike, Shape, Size, Reshape, Transpose,
// Concat, Squeeze, Unsqueeze, Slice, Split, Tile, Pad, Trilu, Resize, GridSample, AffineGrid,
// CenterCropPad, and the elementwise Identity, IsNaN, IsInf and Where. Where a
// shape comes from a non-constant input only the element type and, if
// possible, the rank are inferred. Attribute errors are left to the verifiers:
// inference bails out quietly on them.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include <cmath>

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The static length of a 1-D shape/axes operand, if known and at most kMaxDerivedRank.
std::optional<int64_t> staticLength(Value value) {
  auto shape = getRankedShape(value.getType());
  if (shape && shape->size() == 1 && (*shape)[0] != kDynamic && (*shape)[0] <= kMaxDerivedRank)
    return (*shape)[0];
  return std::nullopt;
}

/// Output length of one Slice axis of static size `dim` (ONNX clamping rules).
int64_t sliceLength(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    return end <= start ? 0 : llvm::divideCeil(end - start, step);
  }
  start = std::clamp<int64_t>(start, 0, dim - 1);
  end = std::clamp<int64_t>(end, -1, dim - 1);
  return start <= end ? 0 : llvm::divideCeil(start - end, -step);
}

} // namespace

LogicalResult CastOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<TensorType>(getInput().getType());
  Type elem = getElementTypeForOnnxDataType(getContext(), getTo());
  if (!type || !elem)
    return success();
  resultTypes.push_back(type.clone(elem));
  return success();
}

LogicalResult ShapeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type i64 = IntegerType::get(getContext(), 64);
  auto shape = getRankedShape(getData().getType());
  if (!shape) {
    resultTypes.push_back(dynamicOfRank(1, i64));
    return success();
  }
  // start/end index the dimension list like Python slices, clamped to it.
  int64_t rank = shape->size();
  auto clampIndex = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
  int64_t start = clampIndex(static_cast<int64_t>(getStart()));
  int64_t end = getEnd() ? clampIndex(static_cast<int64_t>(*getEnd())) : rank;
  resultTypes.push_back(RankedTensorType::get({std::max<int64_t>(end - start, 0)}, i64));
  return success();
}

LogicalResult SizeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(RankedTensorType::get({}, IntegerType::get(getContext(), 64)));
  return success();
}

LogicalResult ReshapeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  // The target may be computed from the input's own shape (PyTorch's
  // x.view(x.size(0), ...)): data propagation keeps the entries that are known.
  auto target = getShapeTensorValues(getShape());
  if (!target) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  bool allowZero = getAllowzero() != 0;
  auto input = getRankedShape(getData().getType());
  SmallVector<int64_t> dims;
  int64_t inferIndex = -1;
  for (auto [i, d] : llvm::enumerate(*target)) {
    if (d == kDynamic) {
      dims.push_back(kDynamic);
    } else if (d == 0 && !allowZero) {
      // 0 copies the input dimension at the same index.
      dims.push_back(input && i < input->size() ? (*input)[i] : kDynamic);
    } else if (d == -1) {
      if (inferIndex >= 0)
        return success(); // Two -1: the verifier reports it.
      inferIndex = i;
      dims.push_back(kDynamic);
    } else if (d < 0) {
      return success(); // The verifier reports it.
    } else {
      dims.push_back(d);
    }
  }
  if (inferIndex >= 0 && input) {
    // -1 takes whatever is left of the element count. A dimension copied by 0
    // cancels out on both sides, so [0, -1] of ?x3x4 still gives ?x12.
    auto copied = [&](size_t i) {
      return i < target->size() && (*target)[i] == 0 && !allowZero && i < input->size();
    };
    SmallVector<int64_t> remainingIn, remainingOut;
    for (auto [i, d] : llvm::enumerate(*input))
      if (!copied(i))
        remainingIn.push_back(d);
    for (auto [i, d] : llvm::enumerate(dims))
      if (static_cast<int64_t>(i) != inferIndex && !copied(i))
        remainingOut.push_back(d);
    int64_t total = mulDims(remainingIn), known = mulDims(remainingOut);
    if (total != kDynamic && known != kDynamic && known != 0) {
      if (total % known != 0)
        return emitOpError() << "cannot reshape " << total << " elements into "
                             << "a multiple of " << known;
      dims[inferIndex] = total / known;
    }
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult TransposeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  std::optional<ArrayRef<int64_t>> perm = getPerm();
  if (!input) {
    resultTypes.push_back(perm ? dynamicOfRank(perm->size(), elem) : UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  SmallVector<int64_t> order;
  if (perm)
    order.assign(perm->begin(), perm->end());
  else
    order = llvm::to_vector(llvm::reverse(llvm::seq<int64_t>(0, rank)));
  if (static_cast<int64_t>(order.size()) != rank)
    return success();
  SmallVector<int64_t> dims;
  for (int64_t p : order) {
    if (p < 0 || p >= rank)
      return success();
    dims.push_back((*input)[p]);
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult ConcatOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  if (getInputs().empty())
    return success();
  Type elem = getTensorElementType(getInputs().front().getType());
  // The first ranked input fixes the rank; the others fill in static dims.
  std::optional<SmallVector<int64_t>> dims;
  int64_t axis = 0, axisSize = 0;
  for (Value input : getInputs()) {
    auto shape = getRankedShape(input.getType());
    if (!shape) {
      axisSize = kDynamic;
      continue;
    }
    if (!dims) {
      auto normalized = normalizeAxis(static_cast<int64_t>(getAxis()), shape->size(), nullptr);
      if (failed(normalized))
        return success();
      axis = *normalized;
      dims.emplace(*shape);
    }
    if (shape->size() != dims->size())
      return success();
    for (auto [i, d] : llvm::enumerate(*shape))
      if ((*dims)[i] == kDynamic)
        (*dims)[i] = d;
    int64_t d = (*shape)[axis];
    axisSize = axisSize == kDynamic || d == kDynamic ? kDynamic : axisSize + d;
  }
  if (!dims) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  (*dims)[axis] = axisSize;
  resultTypes.push_back(RankedTensorType::get(*dims, elem));
  return success();
}

LogicalResult SqueezeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  bool noAxes = isa<NoneType>(getAxes().getType());
  std::optional<SmallVector<int64_t>> axes;
  if (!noAxes)
    axes = matchConstantI64s(getAxes());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  SmallVector<int64_t> dims;
  if (noAxes) {
    // Without axes every 1 is removed; a dynamic dim may or may not be 1.
    if (llvm::is_contained(*input, kDynamic)) {
      resultTypes.push_back(UnrankedTensorType::get(elem));
      return success();
    }
    for (int64_t d : *input)
      if (d != 1)
        dims.push_back(d);
  } else if (axes) {
    auto normalized = normalizeAxes(*axes, rank, nullptr);
    if (failed(normalized))
      return success();
    for (auto [i, d] : llvm::enumerate(*input))
      if (!llvm::is_contained(*normalized, static_cast<int64_t>(i)))
        dims.push_back(d);
  } else if (auto length = staticLength(getAxes()); length && *length <= rank) {
    dims.assign(rank - *length, kDynamic);
  } else {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult UnsqueezeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  auto axes = matchConstantI64s(getAxes());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  if (!axes) {
    if (auto length = staticLength(getAxes()))
      resultTypes.push_back(dynamicOfRank(input->size() + *length, elem));
    else
      resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  // Axes index the output, whose rank is the input rank plus the new 1s.
  int64_t outRank = input->size() + axes->size();
  auto normalized = normalizeAxes(*axes, outRank, nullptr);
  if (failed(normalized))
    return success();
  SmallVector<int64_t> dims;
  auto next = input->begin();
  for (int64_t i = 0; i < outRank; ++i)
    dims.push_back(llvm::is_contained(*normalized, i) ? 1 : *next++);
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult SliceOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  auto starts = matchConstantI64s(getStarts());
  auto ends = matchConstantI64s(getEnds());
  std::optional<SmallVector<int64_t>> axes, steps;
  if (starts && !isa<NoneType>(getAxes().getType()))
    axes = matchConstantI64s(getAxes());
  else if (starts)
    axes = llvm::to_vector(llvm::seq<int64_t>(0, starts->size()));
  if (starts && !isa<NoneType>(getSteps().getType()))
    steps = matchConstantI64s(getSteps());
  else if (starts)
    steps = SmallVector<int64_t>(starts->size(), 1);
  if (!starts || !ends || !axes || !steps || ends->size() != starts->size() ||
      axes->size() != starts->size() || steps->size() != starts->size()) {
    resultTypes.push_back(dynamicOfRank(rank, elem));
    return success();
  }
  auto normalized = normalizeAxes(*axes, rank, nullptr);
  if (failed(normalized))
    return success();
  SmallVector<int64_t> dims(*input);
  for (auto [i, axis] : llvm::enumerate(*normalized)) {
    if ((*steps)[i] == 0)
      return success();
    if (dims[axis] != kDynamic)
      dims[axis] = sliceLength(dims[axis], (*starts)[i], (*ends)[i], (*steps)[i]);
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult SplitOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto input = getRankedShape(getInput().getType());
  size_t numOutputs = getNumResults();
  if (!input) {
    resultTypes.assign(numOutputs, UnrankedTensorType::get(elem));
    return success();
  }
  auto axis = normalizeAxis(static_cast<int64_t>(getAxis()), input->size(), nullptr);
  if (failed(axis))
    return success();
  int64_t dim = (*input)[*axis];
  SmallVector<int64_t> sizes(numOutputs, kDynamic);
  if (!isa<NoneType>(getSplit().getType())) {
    if (auto split = matchConstantI64s(getSplit()))
      if (split->size() == numOutputs)
        sizes.assign(split->begin(), split->end());
  } else if (dim != kDynamic && numOutputs > 0) {
    // Even split (num_outputs, or older opsets' implicit split); the last
    // chunk is smaller when the dimension does not divide.
    int64_t chunk = llvm::divideCeil(dim, numOutputs);
    for (size_t i = 0; i < numOutputs; ++i)
      sizes[i] = std::clamp<int64_t>(dim - chunk * i, 0, chunk);
  }
  for (int64_t size : sizes) {
    SmallVector<int64_t> dims(*input);
    dims[*axis] = size;
    resultTypes.push_back(RankedTensorType::get(dims, elem));
  }
  return success();
}

LogicalResult IdentityOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getOperation()->getOperand(0), Type(), resultTypes);
}

LogicalResult IsNaNOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), IntegerType::get(getContext(), 1), resultTypes);
}

LogicalResult IsInfOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferUnary(getX(), IntegerType::get(getContext(), 1), resultTypes);
}

LogicalResult WhereOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  // The element type is X's (condition is i1).
  return inferBroadcast(*this, getOperation()->getOperands(), 1, Type(), resultTypes);
}

LogicalResult CastLikeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getInput(), getTargetType(), resultTypes);
}

LogicalResult TriluOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferLikeOperand(getInput(), getInput(), resultTypes);
}

LogicalResult TileOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInput().getType());
  auto input = getRankedShape(getInput().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  SmallVector<int64_t> dims(input->size(), kDynamic);
  std::optional<SmallVector<int64_t>> repeats = getShapeTensorValues(getRepeats());
  if (repeats && repeats->size() == input->size())
    for (auto [i, r] : llvm::enumerate(*repeats))
      if (!ShapedType::isDynamic(r) && !ShapedType::isDynamic((*input)[i]))
        dims[i] = (*input)[i] * r;
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

LogicalResult PadOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getData().getType());
  auto input = getRankedShape(getData().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  SmallVector<int64_t> dims(rank, kDynamic);
  // pads = [begin_0, ..., begin_k, end_0, ..., end_k] over `axes` (default: all dims).
  std::optional<SmallVector<int64_t>> pads = matchConstantI64s(getPads());
  SmallVector<int64_t> axes;
  if (isa<NoneType>(getAxes().getType())) {
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  } else if (std::optional<SmallVector<int64_t>> given = matchConstantI64s(getAxes())) {
    for (int64_t a : *given)
      axes.push_back(a < 0 ? a + rank : a);
  } else {
    pads.reset(); // which dims are padded is only known at run time
  }
  if (pads && pads->size() == 2 * axes.size()) {
    dims.assign(input->begin(), input->end());
    for (auto [i, axis] : llvm::enumerate(axes)) {
      if (axis < 0 || axis >= rank)
        return success();
      if (!ShapedType::isDynamic(dims[axis]))
        dims[axis] += (*pads)[i] + (*pads)[i + axes.size()];
    }
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

// Resize keeps the input's rank. A resized axis is `sizes[i]` when sizes is known (and the
// aspect-ratio policy is stretch), floor(in * scales[i]) when a constant scale and the input
// dim are; any other resized axis is dynamic. Axes not in `axes` keep their size.
LogicalResult ResizeOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  auto input = getRankedShape(getX().getType());
  if (!input) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = input->size();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (std::optional<ArrayRef<int64_t>> attr = getAxes()) {
    FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(*attr, rank, nullptr);
    if (failed(normalized)) { // the lowering reports bad axes
      resultTypes.push_back(UnrankedTensorType::get(elem));
      return success();
    }
    axes = std::move(*normalized);
  }
  SmallVector<int64_t> dims(*input);
  for (int64_t a : axes)
    dims[a] = kDynamic;
  std::optional<SmallVector<int64_t>> sizes;
  if (!isa<NoneType>(getSizes().getType()) && getKeepAspectRatioPolicy() == "stretch")
    sizes = getShapeTensorValues(getSizes());
  if (sizes && sizes->size() == axes.size()) {
    for (auto [a, size] : llvm::zip(axes, *sizes))
      dims[a] = size;
  } else if (!isa<NoneType>(getScales().getType())) {
    auto scales = dyn_cast_or_null<DenseFPElementsAttr>(getConstantElements(getScales()));
    if (scales && static_cast<size_t>(scales.getNumElements()) == axes.size()) {
      for (auto [a, scale] : llvm::zip(axes, scales.getValues<APFloat>()))
        if (!ShapedType::isDynamic((*input)[a]))
          dims[a] = static_cast<int64_t>(
              std::floor(static_cast<double>((*input)[a]) * scale.convertToDouble()));
    }
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

/// GridSample: Y is N x C x (the grid's output dims), N and C from X.
LogicalResult GridSampleOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getX().getType());
  auto x = getRankedShape(getX().getType());
  auto grid = getRankedShape(getGrid().getType());
  if (!x && !grid)
    return success();
  int64_t rank = x ? x->size() : grid->size();
  if (rank < 3 || (grid && static_cast<int64_t>(grid->size()) != rank))
    return success();
  SmallVector<int64_t> dims(rank, kDynamic);
  if (x) {
    dims[0] = (*x)[0];
    dims[1] = (*x)[1];
  }
  if (grid) {
    if (dims[0] == kDynamic)
      dims[0] = (*grid)[0];
    for (int64_t d = 2; d < rank; ++d)
      dims[d] = (*grid)[d - 1];
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

/// AffineGrid: size (N, C, spatial...) gives N x spatial... x (number of spatial dims).
LogicalResult AffineGridOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getTheta().getType());
  std::optional<int64_t> length = staticLength(getSize());
  if (!length || *length < 3)
    return success();
  int64_t spatial = *length - 2;
  SmallVector<int64_t> dims(spatial + 2, kDynamic);
  dims.back() = spatial;
  if (auto size = matchConstantI64s(getSize())) {
    dims[0] = (*size)[0];
    for (int64_t d = 0; d < spatial; ++d)
      dims[d + 1] = (*size)[d + 2];
  } else if (auto theta = getRankedShape(getTheta().getType()); theta && !theta->empty()) {
    dims[0] = (*theta)[0];
  }
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

/// CenterCropPad: the input's shape with each listed axis set to its entry of `shape`.
LogicalResult CenterCropPadOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type elem = getTensorElementType(getInputData().getType());
  auto input = getRankedShape(getInputData().getType());
  if (!input)
    return success();
  int64_t rank = input->size();
  SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  if (std::optional<ArrayRef<int64_t>> attr = getAxes()) {
    FailureOr<SmallVector<int64_t>> normalized = normalizeAxes(*attr, rank, nullptr);
    if (failed(normalized))
      return success();
    axes = *normalized;
  }
  SmallVector<int64_t> dims(*input);
  auto sizes = matchConstantI64s(getShape());
  if (sizes && sizes->size() != axes.size())
    return success();
  for (auto [i, a] : llvm::enumerate(axes))
    dims[a] = sizes && (*sizes)[i] >= 0 ? (*sizes)[i] : kDynamic;
  resultTypes.push_back(RankedTensorType::get(dims, elem));
  return success();
}

} // namespace kiln::onnxir
