//===- GraphImporter.h - ONNX graphs -> func.func / regions -----*- C++ -*-===//

#ifndef KILN_FRONTEND_GRAPHIMPORTER_H
#define KILN_FRONTEND_GRAPHIMPORTER_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Builds `func.func @main` for the main graph of a model inside `module`.
/// Nodes become onnx dialect ops created by name; GRAPH attributes become
/// regions whose blocks may use outer-scope values. Errors are emitted as
/// diagnostics that name the node and op type.
mlir::LogicalResult importMainGraph(const onnxpb::GraphProto &graph, const OpsetMap &opsets,
                                    ImportEnv &env, mlir::ModuleOp module);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_GRAPHIMPORTER_H
