//===- OpAttributes.h - Reading optional attributes by name -----*- C++ -*-===//
//
// Patterns registered by op name (one for several ops or op versions) read attributes
// by name; an absent attribute takes the ONNX default the caller gives.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_PASSES_ONNXTOLINALG_SUPPORT_OPATTRIBUTES_H
#define KILN_PASSES_ONNXTOLINALG_SUPPORT_OPATTRIBUTES_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Operation.h"

namespace kiln::conversion {

/// The float attribute `name` of `op`, or `fallback` when it is absent.
inline double floatAttrOr(mlir::Operation *op, llvm::StringRef name, double fallback) {
  if (auto attr = op->getAttrOfType<mlir::FloatAttr>(name))
    return attr.getValueAsDouble();
  return fallback;
}

/// The integer attribute `name` of `op`, or `fallback` when it is absent.
inline int64_t intAttrOr(mlir::Operation *op, llvm::StringRef name, int64_t fallback) {
  if (auto attr = op->getAttrOfType<mlir::IntegerAttr>(name))
    return attr.getInt();
  return fallback;
}

} // namespace kiln::conversion

#endif // KILN_PASSES_ONNXTOLINALG_SUPPORT_OPATTRIBUTES_H
