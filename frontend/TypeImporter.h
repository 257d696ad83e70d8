//===- TypeImporter.h - ONNX TypeProto -> MLIR types ------------*- C++ -*-===//

#ifndef KILN_FRONTEND_TYPEIMPORTER_H
#define KILN_FRONTEND_TYPEIMPORTER_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Types.h"
#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Maps a TensorProto::DataType to an MLIR element type; emits an error at
/// `site` for UNDEFINED or unknown codes.
mlir::FailureOr<mlir::Type> importElementType(mlir::MLIRContext &ctx, int32_t dataType,
                                              const ErrorSite &site);

/// Converts a TypeProto (tensor, sequence, optional, map). `what` names the
/// value in messages.
mlir::FailureOr<mlir::Type> importType(mlir::MLIRContext &ctx, const onnxpb::TypeProto &type,
                                       const ErrorSite &site, llvm::StringRef what);

/// True when `type` carries enough information to be imported (a tensor has
/// an element type, a sequence/optional/map has typed elements).
bool isTypeComplete(const onnxpb::TypeProto &type);

/// For a tensor type with at least one symbolic dimension: an ArrayAttr with
/// one StringAttr per dimension (its dim_param or ""). Null otherwise.
mlir::ArrayAttr importDimParams(mlir::MLIRContext &ctx, const onnxpb::TypeProto &type);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_TYPEIMPORTER_H
