//===- InitAllDialects.h - Every dialect a Kiln tool registers ---*- C++ -*-===//

#ifndef KILN_IR_INITALLDIALECTS_H
#define KILN_IR_INITALLDIALECTS_H

#include "ir/kiln/KilnDialect.h"
#include "ir/onnx/OnnxDialect.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"

namespace kiln {

/// Registers Kiln's dialects and the upstream dialects its pipelines lower through.
inline void registerAllDialects(mlir::DialectRegistry &registry) {
  registry.insert<onnxir::ONNXDialect, kilnir::KilnDialect>();
  mlir::registerAllDialects(registry);
}

} // namespace kiln

#endif // KILN_IR_INITALLDIALECTS_H
