//===- FunctionInliner.h - Inline model-local ONNX functions ----*- C++ -*-===//

#ifndef KILN_FRONTEND_FUNCTIONINLINER_H
#define KILN_FRONTEND_FUNCTIONINLINER_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Replaces every call to a model-local function (model.functions()), in the
/// main graph and in subgraphs, by the function's body: internal values get a
/// unique prefix, `ref_attr_name` attributes take the call's attribute or the
/// function's default, and the function's opset imports are merged into the
/// model's. Clears model.functions() on success. Runs on the protobuf, before
/// libonnx sees the model, so checker and shape inference see plain nodes.
mlir::LogicalResult inlineModelFunctions(onnxpb::ModelProto &model, const ImportEnv &env);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_FUNCTIONINLINER_H
