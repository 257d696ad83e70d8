//===- AttributeImporter.h - ONNX attributes -> MLIR attributes -*- C++ -*-===//

#ifndef KILN_FRONTEND_ATTRIBUTEIMPORTER_H
#define KILN_FRONTEND_ATTRIBUTEIMPORTER_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/Attributes.h"
#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// The attribute's kind, guessing it from the populated field for old models
/// that leave `type` UNDEFINED.
onnxpb::AttributeProto::AttributeType attributeKind(const onnxpb::AttributeProto &attr);

/// Converts a non-GRAPH attribute, keeping its ONNX name (INT -> i64,
/// FLOAT -> f32, INTS -> DenseI64ArrayAttr, TENSOR -> ElementsAttr, ...).
/// GRAPH attributes become regions and are handled by the graph importer;
/// sparse, GRAPHS, TYPE_PROTOS and reference attributes are reported as
/// unsupported at `site`.
mlir::FailureOr<mlir::NamedAttribute> importAttribute(const onnxpb::AttributeProto &attr,
                                                      const ImportEnv &env, const ErrorSite &site);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_ATTRIBUTEIMPORTER_H
