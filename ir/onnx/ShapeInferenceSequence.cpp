//===- ShapeInferenceSequence.cpp - Shape inference of the sequence ops ---===//
//
// A sequence's type is !onnx.seq<tensor<...>>: its elements share an element type and
// (once known) a rank; a dimension is static only when every element has that size. The
// lowering needs the rank (SequenceValue.h), so these rules carry it from the tensors that
// make a sequence to the sequences and tensors derived from it.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

using namespace mlir;

namespace kiln::onnxir {
namespace {

/// The element type of a sequence type (null if it is not one).
Type elementOf(Type seq) {
  auto s = dyn_cast<SeqType>(seq);
  return s ? s.getElementType() : Type();
}

/// The common description of two element types: dims that differ become dynamic, ranks
/// that differ give an unranked tensor.
Type joinElements(Type a, Type b) {
  if (!a || a == b)
    return b;
  auto ta = dyn_cast<TensorType>(a), tb = dyn_cast<TensorType>(b);
  if (!ta || !tb || ta.getElementType() != tb.getElementType())
    return a;
  if (!ta.hasRank() || !tb.hasRank()) {
    // An unranked side tells nothing about the rank; keep the ranked one's rank with
    // dynamic dims.
    TensorType ranked = ta.hasRank() ? ta : tb;
    if (!ranked.hasRank())
      return UnrankedTensorType::get(ta.getElementType());
    return RankedTensorType::get(SmallVector<int64_t>(ranked.getRank(), ShapedType::kDynamic),
                                 ta.getElementType());
  }
  if (ta.getRank() != tb.getRank())
    return UnrankedTensorType::get(ta.getElementType());
  SmallVector<int64_t> dims;
  for (auto [x, y] : llvm::zip(ta.getShape(), tb.getShape()))
    dims.push_back(x == y ? x : ShapedType::kDynamic);
  return RankedTensorType::get(dims, ta.getElementType());
}

} // namespace

LogicalResult SequenceConstructOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type element;
  for (Value input : getInputs())
    element = joinElements(element, input.getType());
  if (!element)
    return success();
  resultTypes.push_back(SeqType::get(getContext(), element));
  return success();
}

LogicalResult SequenceInsertOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  // Elements of an unknown shape (an empty sequence's) take the inserted tensor's rank.
  Type current = elementOf(getInputSequence().getType());
  Type element = joinElements(current, getTensor().getType());
  resultTypes.push_back(SeqType::get(getContext(), element));
  return success();
}

LogicalResult SequenceEraseOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  resultTypes.push_back(getInputSequence().getType());
  return success();
}

LogicalResult SequenceAtOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  Type element = elementOf(getInputSequence().getType());
  if (!element)
    return success();
  resultTypes.push_back(element);
  return success();
}

LogicalResult SplitToSequenceOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto shape = getRankedShape(getInput().getType());
  Type elemType = getTensorElementType(getInput().getType());
  if (!shape || !elemType)
    return success();
  int64_t rank = static_cast<int64_t>(shape->size());
  FailureOr<int64_t> axis = normalizeAxis(getAxis(), rank, [&] { return emitOpError(); });
  if (failed(axis))
    return failure();
  SmallVector<int64_t> dims(*shape);
  bool noSplit = isa<NoneType>(getSplit().getType());
  if (noSplit) {
    if (getKeepdims() == 0)
      dims.erase(dims.begin() + *axis);
    else
      dims[*axis] = 1;
  } else {
    // Equal sizes only when the split is a constant whose sizes all agree.
    std::optional<SmallVector<int64_t>> sizes = matchConstantI64s(getSplit());
    int64_t size = ShapedType::kDynamic;
    auto splitShape = getRankedShape(getSplit().getType());
    if (sizes && !sizes->empty() && splitShape && !splitShape->empty() && llvm::all_equal(*sizes))
      size = sizes->front();
    else if (sizes && sizes->size() == 1 && splitShape && splitShape->empty() &&
             (*shape)[*axis] != ShapedType::kDynamic && (*sizes)[0] > 0 &&
             (*shape)[*axis] % (*sizes)[0] == 0)
      size = (*sizes)[0];
    dims[*axis] = size;
  }
  resultTypes.push_back(SeqType::get(getContext(), RankedTensorType::get(dims, elemType)));
  return success();
}

LogicalResult ConcatFromSequenceOp::inferShapes(SmallVectorImpl<Type> &resultTypes) {
  auto element = dyn_cast_or_null<RankedTensorType>(elementOf(getInputSequence().getType()));
  if (!element)
    return success();
  bool newAxis = getNewAxis() != 0;
  int64_t rank = element.getRank() + (newAxis ? 1 : 0);
  FailureOr<int64_t> axis = normalizeAxis(getAxis(), rank, [&] { return emitOpError(); });
  if (failed(axis))
    return failure();
  SmallVector<int64_t> dims(element.getShape());
  if (newAxis)
    dims.insert(dims.begin() + *axis, ShapedType::kDynamic);
  else
    dims[*axis] = ShapedType::kDynamic;
  resultTypes.push_back(RankedTensorType::get(dims, element.getElementType()));
  return success();
}

} // namespace kiln::onnxir
