//===- ShapeInferenceReduction.cpp - Shape inference of onnx reductions ---===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The shape of `input` with `axes` (normalized) reduced: kept as 1 or dropped.
SmallVector<int64_t> reduceDims(ArrayRef<int64_t> input, ArrayRef<int64_t> axes, bool keepDims) {
  SmallVector<int64_t> dims;
  for (auto [i, d] : llvm::enumerate(input)) {
    if (!llvm::is_contained(axes, static_cast<int64_t>(i)))
      dims.push_back(d);
    else if (keepDims)
      dims.push_back(1);
  }
  return dims;
}

/// Shared by the Reduce* ops, whose axes are an optional input since opset 18.
LogicalResult inferReduce(Operation *op, Value data, Value axesValue, bool keepDims,
                          bool noopWithEmptyAxes, SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<TensorType>(data.getType());
  if (!type)
    return success();
  Type elem = type.getElementType();
  if (!type.hasRank()) {
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }
  int64_t rank = type.getRank();
  std::optional<SmallVector<int64_t>> axes;
  if (isa<NoneType>(axesValue.getType()))
    axes.emplace();
  else
    axes = matchConstantI64s(axesValue);
  // Axes computed from shapes (Range(axis, Size(Shape(x)), 1) in decomposed norms).
  if (!axes) {
    std::optional<SmallVector<int64_t>> traced = getShapeTensorValues(axesValue);
    if (traced && llvm::none_of(*traced, [](int64_t v) { return v == kDynamic; }))
      axes = std::move(traced);
  }

  if (!axes) {
    // Unknown axes: with keepdims the rank is kept; otherwise the number of
    // axes (a static axes length) gives the rank, unless it is 0 which may mean
    // "all" or "none" depending on noop_with_empty_axes.
    if (keepDims) {
      resultTypes.push_back(RankedTensorType::get(SmallVector<int64_t>(rank, kDynamic), elem));
      return success();
    }
    auto axesShape = getRankedShape(axesValue.getType());
    if (axesShape && axesShape->size() == 1 && (*axesShape)[0] > 0 && (*axesShape)[0] <= rank) {
      resultTypes.push_back(
          RankedTensorType::get(SmallVector<int64_t>(rank - (*axesShape)[0], kDynamic), elem));
      return success();
    }
    resultTypes.push_back(UnrankedTensorType::get(elem));
    return success();
  }

  if (axes->empty()) {
    if (noopWithEmptyAxes) {
      resultTypes.push_back(type);
      return success();
    }
    axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
  }
  auto normalized = normalizeAxes(*axes, rank, [&] { return op->emitOpError(); });
  if (failed(normalized))
    return failure();
  resultTypes.push_back(
      RankedTensorType::get(reduceDims(type.getShape(), *normalized, keepDims), elem));
  return success();
}

/// ArgMax/ArgMin: one axis (attribute), i64 indices.
template <typename ArgOp> LogicalResult inferArg(ArgOp op, SmallVectorImpl<Type> &resultTypes) {
  auto type = dyn_cast<TensorType>(op.getData().getType());
  if (!type)
    return success();
  Type i64 = IntegerType::get(op.getContext(), 64);
  if (!type.hasRank()) {
    resultTypes.push_back(UnrankedTensorType::get(i64));
    return success();
  }
  auto axis = normalizeAxis(static_cast<int64_t>(op.getAxis()), type.getRank(),
                            [&] { return op.emitOpError(); });
  if (failed(axis))
    return failure();
  resultTypes.push_back(
      RankedTensorType::get(reduceDims(type.getShape(), {*axis}, op.getKeepdims() != 0), i64));
  return success();
}

} // namespace

#define KILN_REDUCE(OP)                                                                            \
  LogicalResult OP##Op::inferShapes(SmallVectorImpl<Type> &resultTypes) {                          \
    return inferReduce(*this, getData(), getAxes(), getKeepdims() != 0,                            \
                       getNoopWithEmptyAxes() != 0, resultTypes);                                  \
  }
KILN_REDUCE(ReduceMax)
KILN_REDUCE(ReduceMean)
KILN_REDUCE(ReduceMin)
KILN_REDUCE(ReduceProd)
KILN_REDUCE(ReduceSum)
KILN_REDUCE(ReduceL1)
KILN_REDUCE(ReduceL2)
KILN_REDUCE(ReduceSumSquare)
KILN_REDUCE(ReduceLogSum)
KILN_REDUCE(ReduceLogSumExp)
#undef KILN_REDUCE

LogicalResult ArgMaxOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferArg(*this, resultTypes);
}

LogicalResult ArgMinOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  return inferArg(*this, resultTypes);
}

} // namespace kiln::onnxir
