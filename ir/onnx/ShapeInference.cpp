//===- ShapeInference.cpp - Applying inferred result types ----------------===//
//
// The per-op inference rules live in ShapeInference<Category>.cpp; this file holds
// the logic that merges an inferred type into an existing one.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"

#include "mlir/Interfaces/FunctionInterfaces.h"

using namespace mlir;

namespace kiln::onnxir {

/// Returns the more precise of `current` and `inferred`, or null if they conflict.
static Type refineType(Type current, Type inferred) {
  if (current == inferred || !inferred)
    return current;
  // A sequence refines like its element type.
  if (auto curSeq = dyn_cast<SeqType>(current)) {
    auto infSeq = dyn_cast<SeqType>(inferred);
    if (!infSeq)
      return current;
    Type element = refineType(curSeq.getElementType(), infSeq.getElementType());
    return element ? SeqType::get(current.getContext(), element) : Type();
  }
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

/// " (graph output 'name')" when `value` is returned as a named graph output, else "".
static std::string graphOutputSuffix(Value value) {
  for (OpOperand &use : value.getUses()) {
    Operation *user = use.getOwner();
    auto func = dyn_cast_or_null<FunctionOpInterface>(user->getParentOp());
    if (!user->hasTrait<OpTrait::ReturnLike>() || !func)
      continue;
    if (auto name = func.getResultAttrOfType<StringAttr>(use.getOperandNumber(), "onnx.name"))
      return (" (graph output '" + name.getValue() + "')").str();
  }
  return "";
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
    auto declared = dyn_cast<TensorType>(result.getType());
    auto computed = dyn_cast<TensorType>(type);
    if (!refined && declared && computed &&
        declared.getElementType() == computed.getElementType()) {
      // A declared shape (a graph output's, or an exporter's value_info) that the op
      // cannot produce: as ONNX Runtime does, warn and use what the op computes.
      op->emitWarning() << "output " << result.getResultNumber() << graphOutputSuffix(result)
                        << " is declared as "
                        << result.getType() << " but the op computes " << type
                        << "; using the computed shape";
      refined = type;
    }
    if (!refined)
      return op->emitOpError() << "inferred type " << type
                               << " conflicts with the declared type " << result.getType();
    result.setType(refined);
  }
  return success();
}

} // namespace kiln::onnxir
