//===- TensorImporter.h - ONNX TensorProto -> ElementsAttr ------*- C++ -*-===//

#ifndef KILN_FRONTEND_TENSORIMPORTER_H
#define KILN_FRONTEND_TENSORIMPORTER_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/Support/LLVM.h"

namespace kiln::frontend {

/// Converts a tensor (an initializer or a TENSOR attribute) to an ElementsAttr
/// with a static shape. Large byte-addressable tensors become
/// DenseResourceElementsAttr blobs named after the tensor; the rest become
/// DenseElementsAttr. Every storage field of TensorProto and external data are
/// decoded; sizes are checked before any read. Errors go to `site` and name
/// the tensor.
mlir::FailureOr<mlir::ElementsAttr> importTensor(const onnxpb::TensorProto &tensor,
                                                 const ImportEnv &env, const ErrorSite &site);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_TENSORIMPORTER_H
