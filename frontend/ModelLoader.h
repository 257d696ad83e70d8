//===- ModelLoader.h - Bytes/text -> ModelProto, libonnx passes -*- C++ -*-===//
//
// The only part of the frontend that talks to protobuf parsing and libonnx
// (1.12). It is compiled with exceptions enabled and catches everything
// libonnx throws, so no exception crosses into the rest of the importer.
//
//===----------------------------------------------------------------------===//

#ifndef KILN_FRONTEND_MODELLOADER_H
#define KILN_FRONTEND_MODELLOADER_H

#include "frontend/ImportEnv.h"
#include "frontend/Importer.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Parses a binary ModelProto. Emits nothing: the caller decides whether a
/// failure means "try text" or "report".
mlir::LogicalResult parseModelBinary(llvm::StringRef bytes, onnxpb::ModelProto &model);

/// Parses ONNX text syntax with libonnx's parser (in a child process, as
/// runLibOnnxPasses does); emits its message on failure.
mlir::LogicalResult parseModelText(llvm::StringRef text, onnxpb::ModelProto &model,
                                   const ImportEnv &env);

/// True when `content` looks like ONNX text: after whitespace and `#` comments
/// it starts with '<' (the model header).
bool looksLikeOnnxText(llvm::StringRef content);

/// Runs libonnx's checker, version converter (to opset 17) and shape inference
/// as `opts` asks, but only when every opset the model imports is one libonnx
/// knows. Checker failures are errors (unnamed nodes are called
/// "node #<index> (<OpType>)"); converter and shape inference failures are
/// ignored (the model is kept as it was). `kilnChecks` runs before any of
/// them, for its clearer messages; its failure is returned. The libonnx
/// steps run in a child process: one that crashes or hangs is an error naming
/// the step (and its best guess at the node); where no child can start, a
/// warning, and the model goes on without libonnx's checks and types.
mlir::LogicalResult runLibOnnxPasses(onnxpb::ModelProto &model, const ImportOptions &opts,
                                     const ImportEnv &env,
                                     llvm::function_ref<mlir::LogicalResult()> kilnChecks);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_MODELLOADER_H
