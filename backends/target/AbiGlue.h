//===- AbiGlue.h - The C side of a compiled model library --------*- C++ -*-===//

#ifndef KILN_BACKENDS_TARGET_ABIGLUE_H
#define KILN_BACKENDS_TARGET_ABIGLUE_H

#include "backends/target/ModelSignature.h"

#include "llvm/ADT/SmallSet.h"

#include <string>

namespace kiln {

struct GlueOptions {
  std::string compilerId = "kiln";
  std::string targetCpu;
  uint64_t arenaBaseBytes = 0;
  uint64_t arenaPerBatchBytes = 0;
  uint64_t intermediatesBytes = 0;
  /// kiln_model_info.device (model ABI version 3): the kiln_model_device constant of
  /// where the target's code runs; a CUDA target sets KILN_MODEL_DEVICE_CUDA.
  std::string device = "KILN_MODEL_DEVICE_HOST";
};

/// Returns the C source implementing kiln/model_abi.h around the generated
/// _mlir_ciface_kiln_main and _mlir_ciface_kiln_output_dims. It includes
/// "kiln_model_abi.h", which the linker step writes next to it.
std::string generateAbiGlue(const ModelSignature &signature, const GlueOptions &options);

} // namespace kiln

#endif // KILN_BACKENDS_TARGET_ABIGLUE_H
