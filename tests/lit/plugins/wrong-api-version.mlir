// Tests that a plugin built for another Kiln plugin-API version is refused before any of
// its code registers anything (its callback aborts, which `not` would report).
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-bad-api.so %s 2>&1 \
// RUN:   | FileCheck %s
// CHECK: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-test-bad-api.so': built for Kiln plugin API version 999, but this tool supports version 2
func.func @f() {
  return
}
