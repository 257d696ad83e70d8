//===- ExternalData.h - Tensor data stored outside the model ----*- C++ -*-===//

#ifndef KILN_FRONTEND_EXTERNALDATA_H
#define KILN_FRONTEND_EXTERNALDATA_H

#include "frontend/ImportEnv.h"
#include "frontend/proto/kiln_onnx.pb.h"

#include "mlir/Support/LLVM.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>

namespace kiln::frontend {

/// Maps the bytes of an EXTERNAL tensor (its `location`, `offset`, `length`
/// entries) into memory. The location must be a relative path to a regular
/// file whose real path (symlinks resolved) stays inside `env.baseDir`, and
/// the range must lie in the file and hold exactly `expectedBytes`. Emits an
/// error at `site` naming the model file, the tensor and the path on failure.
mlir::FailureOr<std::unique_ptr<llvm::MemoryBuffer>>
loadExternalData(const onnxpb::TensorProto &tensor, uint64_t expectedBytes, const ImportEnv &env,
                 const ErrorSite &site);

} // namespace kiln::frontend

#endif // KILN_FRONTEND_EXTERNALDATA_H
