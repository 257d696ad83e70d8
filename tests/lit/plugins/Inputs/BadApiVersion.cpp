// A plugin that claims another Kiln plugin-API version. The loader must refuse it from
// the first field alone; registering would abort.
#include "kiln/PassPlugin.h"

#include <cstdlib>

static void mustNotRun(kiln::PluginRegistrar &) { std::abort(); }

KILN_PASS_PLUGIN_EXPORT const kiln::PassPluginInfo *kilnGetPassPluginInfo() {
  static const kiln::PassPluginInfo info = {999, LLVM_VERSION_STRING, "bad-api", "0", &mustNotRun};
  return &info;
}

KILN_PASS_PLUGIN_EXPORT mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "bad-api", "0", [] { std::abort(); }};
}
