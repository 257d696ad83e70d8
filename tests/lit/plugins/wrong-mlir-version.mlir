// Tests that a plugin built against another MLIR is refused, naming both versions,
// before its registration callback (which aborts) runs.
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-bad-mlir.so %s 2>&1 \
// RUN:   | FileCheck %s
// CHECK: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-test-bad-mlir.so': built against MLIR 19.1.7, but this tool uses MLIR {{[0-9]+\.[0-9]+\.[0-9]+}}
func.func @f() {
  return
}
