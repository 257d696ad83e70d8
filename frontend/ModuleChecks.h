//===- ModuleChecks.h - Kiln's checks on an imported module -----*- C++ -*-===//
//
// Internal to the frontend. What the importer checks once a graph is an MLIR
// module: the dialect's own shape inference and verifiers, and sizes no
// machine could compile or run.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_MODULECHECKS_H
#define KILN_FRONTEND_MODULECHECKS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Support/LLVM.h"

#include <cstdint>
#include <string>

namespace kiln::frontend {

/// The largest static tensor Kiln accepts, in bytes (1 TiB). Anything larger
/// is a malformed model, and letting it through costs minutes of compile time
/// before the arena allocation fails at run time.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 40;

/// While alive, rewrites the errors op verifiers and shape inference emit at a
/// node's location ("'onnx.Conv' op <what>") into the importer's form
/// ("node 'conv1' (Conv): <what>"), so every import error reads alike.
class NodeDiagnosticRewriter {
public:
  explicit NodeDiagnosticRewriter(mlir::MLIRContext &ctx);
  ~NodeDiagnosticRewriter();

private:
  mlir::MLIRContext &ctx;
  mlir::DiagnosticEngine::HandlerID id;
};

/// Refuses pooling windows over 2^31 elements and kernel extents that
/// overflow, then runs the backend's op upgrades and shape inference on a copy of `module`,
/// verifies the copy (so op verifiers see the inferred ranks, e.g. of an axis
/// attribute) and
/// refuses every value whose static type needs more than kMaxTensorBytes or
/// whose element count overflows. Errors name the node, its op type and the
/// sizes. `module` itself is left as imported.
mlir::LogicalResult checkImportedModule(mlir::ModuleOp module);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_MODULECHECKS_H
