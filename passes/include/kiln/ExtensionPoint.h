//===- ExtensionPoint.h - Named points of kilnc's default pipeline -*- C++ -*-===//
//
// Where user and shipped pipelines may be inserted into kilnc's default pipeline
// (passes/Pipelines/Pipelines.cpp). A plugin names its default point with
// PluginRegistrar::runAt; a user adds pipelines with `kilnc --kiln-extension=POINT:PIPELINE`.
//
//   after-import     onnx dialect, right after op upgrades, shape inference and constant
//                    folding (built in at every level); graph-level rewrites (fusion)
//                    belong here.
//   before-lowering  onnx dialect, after Kiln's graph optimizations (canonicalize), just
//                    before kiln-convert-onnx-to-linalg.
//   before-bufferize linalg/tensor/arith on tensors, after elementwise fusion and before the
//                    shape function is cut and the module is bufferized.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_EXTENSIONPOINT_H
#define KILN_EXTENSIONPOINT_H

#include "llvm/ADT/StringRef.h"

#include <optional>

namespace kiln {

enum class ExtensionPoint { AfterImport, BeforeLowering, BeforeBufferize };

/// Every point, in pipeline order.
inline constexpr ExtensionPoint kExtensionPoints[] = {
    ExtensionPoint::AfterImport, ExtensionPoint::BeforeLowering, ExtensionPoint::BeforeBufferize};

/// The point's name as kilnc's --kiln-extension spells it.
inline llvm::StringRef toString(ExtensionPoint point) {
  switch (point) {
  case ExtensionPoint::AfterImport:
    return "after-import";
  case ExtensionPoint::BeforeLowering:
    return "before-lowering";
  case ExtensionPoint::BeforeBufferize:
    return "before-bufferize";
  }
  return "";
}

/// The point named `name`, or nullopt when no point has that name.
inline std::optional<ExtensionPoint> parseExtensionPoint(llvm::StringRef name) {
  for (ExtensionPoint point : kExtensionPoints)
    if (toString(point) == name)
      return point;
  return std::nullopt;
}

} // namespace kiln

#endif // KILN_EXTENSIONPOINT_H
