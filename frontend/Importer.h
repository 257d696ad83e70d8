//===- Importer.h - ONNX model -> MLIR onnx dialect -------------*- C++ -*-===//
//
// Public entry points of the ONNX frontend. Every function reports problems as
// MLIR diagnostics on the given context and returns a null module on failure;
// none of them throws or aborts on malformed input.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_IMPORTER_H
#define KILN_FRONTEND_IMPORTER_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OwningOpRef.h"
#include "llvm/ADT/StringRef.h"

namespace kiln::frontend {

/// Knobs for the libonnx (1.12) passes run before import. They only apply when
/// every opset the model imports is known to libonnx (default domain <= 17).
struct ImportOptions {
  /// Run the libonnx checker.
  bool runChecker = true;
  /// Run libonnx shape inference to type intermediate values.
  bool runShapeInference = true;
  /// Convert models with a default-domain opset < 17 to opset 17 with libonnx's version
  /// converter first. Off by default: kiln-upgrade-onnx-ops upgrades every older op
  /// signature exactly, where libonnx 1.12's adapters lose old defaults (Selu 1) and
  /// semantics (Resize 10's asymmetric coordinates).
  bool convertVersion = false;
};

/// Imports an ONNX model file: binary protobuf, or ONNX text syntax when the
/// file name ends in .onnxtxt or the content does not parse as protobuf and
/// looks like text. External data is resolved relative to the file's folder.
/// Emits diagnostics and returns null on failure.
mlir::OwningOpRef<mlir::ModuleOp> importOnnxFile(mlir::MLIRContext &ctx, llvm::StringRef path,
                                                 const ImportOptions &opts = {});

/// Imports a binary ONNX protobuf held in memory. `sourceName` names the input
/// in messages; `baseDir` resolves external data ("" = external data is an
/// error).
mlir::OwningOpRef<mlir::ModuleOp> importOnnxBytes(mlir::MLIRContext &ctx, llvm::StringRef bytes,
                                                  llvm::StringRef sourceName,
                                                  llvm::StringRef baseDir,
                                                  const ImportOptions &opts = {});

/// Imports a model written in ONNX text syntax (parsed by libonnx).
mlir::OwningOpRef<mlir::ModuleOp> importOnnxText(mlir::MLIRContext &ctx, llvm::StringRef text,
                                                 llvm::StringRef sourceName,
                                                 const ImportOptions &opts = {});

/// The newest ONNX IR version Kiln imports, and the newest opset of the default
/// (ai.onnx) domain; newer models are refused (kilnc --version prints both).
int64_t newestIrVersion();
int64_t newestDefaultOpset();

} // namespace kiln::frontend

#endif // KILN_FRONTEND_IMPORTER_H
