//===- VerifiersTensor.cpp - Verifiers of onnx tensor ops -----------------===//
//
// Checks that need a constant input (Reshape's shape, Squeeze's axes, ...) only
// run when that input is an `onnx.Constant`; every check accepts dynamic
// dimensions.
//
//===----------------------------------------------------------------------===//

#include "ir/onnx/OnnxDialect.h"
#include "ir/onnx/ShapeHelpers.h"

#include "llvm/ADT/SmallSet.h"

using namespace mlir;

namespace kiln::onnxir {

LogicalResult ReshapeOp::verify() {
  auto shape = matchConstantI64s(getShape());
  if (!shape)
    return success();
  int64_t inferred = 0;
  for (int64_t d : *shape) {
    if (d < -1)
      return emitOpError() << "shape value " << d << " is less than -1";
    if (d == -1 && ++inferred > 1)
      return emitOpError() << "shape has " << inferred
                           << " or more -1 values, at most 1 is allowed";
  }
  if (getAllowzero() && inferred && llvm::is_contained(*shape, 0))
    return emitOpError() << "shape has both 0 and -1 with allowzero = 1";
  return success();
}

LogicalResult TransposeOp::verify() {
  auto perm = getPerm();
  if (!perm)
    return success();
  auto shape = getRankedShape(getData().getType());
  int64_t rank = shape ? shape->size() : perm->size();
  if (static_cast<int64_t>(perm->size()) != rank)
    return emitOpError() << "perm has " << perm->size() << " values for input rank " << rank;
  llvm::SmallSet<int64_t, 8> seen;
  for (int64_t p : *perm)
    if (p < 0 || p >= rank || !seen.insert(p).second)
      return emitOpError() << "perm value " << p << " is out of range or repeated for rank "
                           << rank;
  return success();
}

LogicalResult ConcatOp::verify() {
  std::optional<ArrayRef<int64_t>> first;
  int64_t axis = 0;
  for (auto [i, input] : llvm::enumerate(getInputs())) {
    auto shape = getRankedShape(input.getType());
    if (!shape)
      continue;
    if (!first) {
      auto normalized = normalizeAxis(static_cast<int64_t>(getAxis()), shape->size(),
                                      [&] { return emitOpError(); });
      if (failed(normalized))
        return failure();
      axis = *normalized;
      first = shape;
      continue;
    }
    if (shape->size() != first->size())
      return emitOpError() << "input " << i << " has rank " << shape->size() << " != rank "
                           << first->size();
    for (int64_t d = 0, e = shape->size(); d < e; ++d)
      if (d != axis && !dimsCompatible((*shape)[d], (*first)[d]))
        return emitOpError() << "input " << i << " dimension " << d << " is " << (*shape)[d]
                             << " != " << (*first)[d];
  }
  return success();
}

LogicalResult SqueezeOp::verify() {
  auto shape = getRankedShape(getData().getType());
  if (!shape || isa<NoneType>(getAxes().getType()))
    return success();
  auto axes = matchConstantI64s(getAxes());
  if (!axes)
    return success();
  auto normalized = normalizeAxes(*axes, shape->size(), [&] { return emitOpError(); });
  if (failed(normalized))
    return failure();
  for (int64_t axis : *normalized)
    if ((*shape)[axis] != 1 && (*shape)[axis] != kDynamic)
      return emitOpError() << "cannot squeeze axis " << axis << " of size " << (*shape)[axis];
  return success();
}

LogicalResult UnsqueezeOp::verify() {
  auto shape = getRankedShape(getData().getType());
  auto axes = matchConstantI64s(getAxes());
  if (!shape || !axes)
    return success();
  return normalizeAxes(*axes, shape->size() + axes->size(), [&] { return emitOpError(); });
}

LogicalResult CastOp::verify() {
  if (!getElementTypeForOnnxDataType(getContext(), getTo()))
    return emitOpError() << "to " << static_cast<int64_t>(getTo())
                         << " is not a known ONNX data type";
  return success();
}

LogicalResult SplitOp::verify() {
  bool hasSplit = !isa<NoneType>(getSplit().getType());
  int64_t numResults = getNumResults();
  if (hasSplit && getNumOutputs())
    return emitOpError() << "split and num_outputs are both given";
  if (getNumOutputs() && static_cast<int64_t>(*getNumOutputs()) != numResults)
    return emitOpError() << "num_outputs " << *getNumOutputs() << " != number of results "
                         << numResults;
  auto shape = getRankedShape(getInput().getType());
  int64_t dim = kDynamic;
  if (shape) {
    auto axis = normalizeAxis(static_cast<int64_t>(getAxis()), shape->size(),
                              [&] { return emitOpError(); });
    if (failed(axis))
      return failure();
    dim = (*shape)[*axis];
  }
  auto split = hasSplit ? matchConstantI64s(getSplit()) : std::nullopt;
  if (!split)
    return success();
  if (static_cast<int64_t>(split->size()) != numResults)
    return emitOpError() << "split has " << split->size() << " values for " << numResults
                         << " results";
  int64_t total = 0;
  for (int64_t s : *split) {
    if (s < 0)
      return emitOpError() << "split value " << s << " is negative";
    total += s;
  }
  if (dim != kDynamic && total != dim)
    return emitOpError() << "split sizes add up to " << total << " != dimension " << dim;
  return success();
}

LogicalResult SliceOp::verify() {
  auto starts = matchConstantI64s(getStarts());
  auto ends = matchConstantI64s(getEnds());
  if (starts && ends && starts->size() != ends->size())
    return emitOpError() << "starts has " << starts->size() << " values != ends has "
                         << ends->size();
  auto steps = matchConstantI64s(getSteps());
  if (steps && llvm::is_contained(*steps, 0))
    return emitOpError() << "steps must not contain 0";
  if (starts && steps && steps->size() != starts->size())
    return emitOpError() << "steps has " << steps->size() << " values != starts has "
                         << starts->size();
  auto axes = matchConstantI64s(getAxes());
  if (starts && axes && axes->size() != starts->size())
    return emitOpError() << "axes has " << axes->size() << " values != starts has "
                         << starts->size();
  auto shape = getRankedShape(getData().getType());
  if (axes && shape)
    return normalizeAxes(*axes, shape->size(), [&] { return emitOpError(); });
  return success();
}

LogicalResult WhereOp::verify() {
  return broadcastTypes(getOperation()->getOperandTypes(), [&] { return emitOpError(); });
}

} // namespace kiln::onnxir
