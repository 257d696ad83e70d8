//===- Compiler.h - An imported model through a target ----------*- C++ -*-===//
//
// The one driver every host (kilnc, the Python package) calls: refine the imported
// module, read its signature, run the shared pipeline and the target's lowering.
// Target::emit then writes the artifact.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_BACKENDS_TARGET_COMPILER_H
#define KILN_BACKENDS_TARGET_COMPILER_H

#include "backends/target/Target.h"

namespace kiln {

/// Runs the after-import passes, reads the model's signature, then lowers the module
/// as far as `target` emits from. On success `signature` holds the model's interface
/// and memory plan. Errors past the ONNX lowering name the ONNX node they came from.
mlir::LogicalResult lowerModel(mlir::ModuleOp module, const Target &target,
                               const CompileOptions &options, ModelSignature &signature);

} // namespace kiln

#endif // KILN_BACKENDS_TARGET_COMPILER_H
