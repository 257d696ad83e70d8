// Tests that a shared library without the plugin entry points fails to load cleanly:
// one without MLIR's mlirGetPassPluginInfo, one with MLIR's but not Kiln's.
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-no-entry.so %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NONE
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-mlir-only.so %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MLIR
// NONE: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-test-no-entry.so': missing entry point 'mlirGetPassPluginInfo' (not an MLIR pass plugin)
// MLIR: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-test-mlir-only.so': missing entry point 'kilnGetPassPluginInfo' (an MLIR pass plugin, but not built with KILN_PASS_PLUGIN from kiln/PassPlugin.h)
func.func @f() {
  return
}
