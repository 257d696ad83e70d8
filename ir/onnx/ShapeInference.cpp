//===- ShapeInference.cpp - Applying inferred result types ----------------===//
//
// The per-op inference rules live in ShapeInference<Category>.cpp; this file holds
// the logic that merges an inferred type into an existing one.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"

using namespace mlir;

namespace kiln::onnxir {

/// Returns the more precise of `current` and `inferred`, or null if they conflict.
static Type refineType(Type current, Type inferred) {
  if (current == inferred || !inferred)
    return current;
  auto cur = dyn_cast<TensorType>(current);
  auto inf = dyn_cast<TensorType>(inferred);
  if (!cur || !inf)
    return current;
  if (cur.getElementType() != inf.getElementType())
    return {};
  if (!inf.hasRank())
    return current;
  if (!cur.hasRank())
    return inferred;
  if (cur.getRank() != inf.getRank())
    return {};
  SmallVector<int64_t> dims;
  for (auto [c, i] : llvm::zip(cur.getShape(), inf.getShape())) {
    if (!ShapedType::isDynamic(c) && !ShapedType::isDynamic(i) && c != i)
      return {};
    dims.push_back(ShapedType::isDynamic(c) ? i : c);
  }
  return RankedTensorType::get(dims, cur.getElementType());
}

LogicalResult refineResultTypes(Operation *op) {
  auto iface = dyn_cast<ShapeInferenceOpInterface>(op);
  if (!iface)
    return success();
  SmallVector<Type> inferred;
  if (failed(iface.inferShapes(inferred)))
    return failure();
  if (inferred.empty())
    return success();
  if (inferred.size() != op->getNumResults())
    return op->emitOpError() << "shape inference produced " << inferred.size()
                             << " types for " << op->getNumResults() << " results";
  for (auto [result, type] : llvm::zip(op->getResults(), inferred)) {
    Type refined = refineType(result.getType(), type);
    if (!refined)
      return op->emitOpError() << "inferred type " << type
                               << " conflicts with the declared type " << result.getType();
    result.setType(refined);
  }
  return success();
}

} // namespace kiln::onnxir
