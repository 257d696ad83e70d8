// Tests that a pass name that is already registered (MLIR's registry would abort) fails
// the load with a message: a plugin shadowing Kiln's kiln-infer-shapes, and the same
// plugin loaded twice.
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-duplicate.so %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=KILN
// RUN: not kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-example.so \
// RUN:   --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-example.so %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=TWICE
// RUN: not kilnc %S/Inputs/identity.onnxtxt -O0 --emit=obj -o %t.o \
// RUN:   --load-pass-plugin=%kiln_lib/kiln/test-plugins/kiln-test-duplicate.so 2>&1 \
// RUN:   | FileCheck %s --check-prefix=KILNC
// KILN: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-test-duplicate.so': plugin 'kiln-test-duplicate': pass 'kiln-infer-shapes' is already registered
// TWICE: kiln-opt: error: cannot load pass plugin '{{.*}}kiln-example.so': plugin 'kiln-example': pass 'kiln-example-remove-identity' is already registered
// KILNC: kilnc: error: cannot load pass plugin '{{.*}}kiln-test-duplicate.so': plugin 'kiln-test-duplicate': pass 'kiln-infer-shapes' is already registered
func.func @f() {
  return
}
