//===- ImportEnv.h - State shared by the importer's pieces ------*- C++ -*-===//
//
// Internal to the frontend. Holds what every piece of the importer needs to
// report errors uniformly: the context, the name of the model being imported
// and the folder external data is resolved against.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_IMPORTENV_H
#define KILN_FRONTEND_IMPORTENV_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/StringMap.h"

#include <string>

namespace kiln::frontend {

/// Where a diagnostic points and the prefix its message starts with, e.g.
/// "node 'conv1' (Conv): ". Lets helpers report errors for nodes, tensors and
/// the file alike without knowing which one they are working for.
struct ErrorSite {
  mlir::Location loc;
  std::string prefix;

  mlir::InFlightDiagnostic emit() const { return mlir::emitError(loc) << prefix; }
};

/// Per-import environment.
struct ImportEnv {
  mlir::MLIRContext &ctx;
  /// Model path or caller-given name; used in file-level messages.
  std::string sourceName;
  /// Folder external data is resolved against; empty forbids external data.
  std::string baseDir;
  /// Set for the import that checks a model before libonnx sees it: an output
  /// whose type only libonnx's shape inference could give then makes the
  /// import stop without an error and sets `incomplete`.
  bool checkOnly = false;
  mutable bool incomplete = false;

  /// Location for file-level errors: the model path at line 0.
  mlir::Location fileLoc() const { return mlir::FileLineColLoc::get(&ctx, sourceName, 0, 0); }
  mlir::InFlightDiagnostic fileError() const { return mlir::emitError(fileLoc()); }
};

/// Opset versions imported by the model, keyed by domain ("" = default).
using OpsetMap = llvm::StringMap<int64_t>;

/// Maps "ai.onnx" to "" so that both spellings of the default domain agree.
inline llvm::StringRef normalizeDomain(llvm::StringRef domain) {
  return domain == "ai.onnx" ? llvm::StringRef() : domain;
}

} // namespace kiln::frontend

#endif // KILN_FRONTEND_IMPORTENV_H
