// A plugin that says it was built against another MLIR. The loader must refuse it before
// registering anything; registering would abort.
#include "kiln/PassPlugin.h"

#include <cstdlib>

static void mustNotRun(kiln::PluginRegistrar &) { std::abort(); }

KILN_PASS_PLUGIN_EXPORT const kiln::PassPluginInfo *kilnGetPassPluginInfo() {
  static const kiln::PassPluginInfo info = {KILN_PASS_PLUGIN_API_VERSION, "19.1.7", "bad-mlir", "0",
                                            &mustNotRun};
  return &info;
}

KILN_PASS_PLUGIN_EXPORT mlir::PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "bad-mlir", "0", [] { std::abort(); }};
}
