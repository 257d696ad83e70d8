// An MLIR pass plugin that is not a Kiln one: mlirGetPassPluginInfo, no kilnGetPassPluginInfo.
#include "mlir/Tools/Plugins/PassPlugin.h"

extern "C" LLVM_ATTRIBUTE_WEAK mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "mlir-only", "0", [] {}};
}
