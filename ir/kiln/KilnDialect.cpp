//===- KilnDialect.cpp - Kiln's own ops -----------------------------------===//

#include "ir/kiln/KilnDialect.h"

#include "mlir/IR/Builders.h"

using namespace mlir;
using namespace kiln::kilnir;

#include "ir/kiln/KilnDialect.cpp.inc"

void KilnDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ir/kiln/KilnOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "ir/kiln/KilnOps.cpp.inc"

LogicalResult LayerNormOp::verify() {
  auto xType = cast<RankedTensorType>(getX().getType());
  int64_t rank = xType.getRank();
  int64_t axis = getAxis();
  if (axis < -rank || axis >= rank)
    return emitOpError() << "axis " << axis << " is out of range for rank " << rank;
  if (axis < 0)
    axis += rank;
  // scale and bias must broadcast over the normalized trailing dimensions.
  ArrayRef<int64_t> normalized = xType.getShape().drop_front(axis);
  for (Value param : {getScale(), getBias()}) {
    if (!param)
      continue;
    auto type = cast<RankedTensorType>(param.getType());
    if (type.getElementType() != xType.getElementType())
      return emitOpError() << "parameter element type " << type.getElementType()
                           << " != input element type " << xType.getElementType();
    if (type.getRank() > static_cast<int64_t>(normalized.size()))
      return emitOpError() << "parameter rank " << type.getRank()
                           << " > number of normalized dimensions " << normalized.size();
    ArrayRef<int64_t> tail = normalized.take_back(type.getRank());
    for (auto [p, x] : llvm::zip(type.getShape(), tail))
      if (!ShapedType::isDynamic(p) && !ShapedType::isDynamic(x) && p != x && p != 1)
        return emitOpError() << "parameter shape " << type << " does not broadcast to "
                             << "the normalized dimensions of " << xType;
  }
  if (getY().getType() != xType)
    return emitOpError() << "result type " << getY().getType() << " != input type " << xType;
  return success();
}

LogicalResult GeluOp::verify() {
  StringRef approximate = getApproximate();
  if (approximate != "none" && approximate != "tanh")
    return emitOpError() << "approximate must be \"none\" or \"tanh\", got \"" << approximate
                         << "\"";
  return success();
}
