// Tests that a file that is not a shared library (this test itself) fails to load with
// a message and a clean exit, and that a missing file does too.
// RUN: not kiln-opt --load-pass-plugin=%s %s 2>&1 | FileCheck %s -DFILE=%s
// RUN: not kiln-opt --load-pass-plugin=%t.missing.so %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=MISSING -DFILE=%t.missing.so
// CHECK: kiln-opt: error: cannot load pass plugin '[[FILE]]': not a shared library
// MISSING: kiln-opt: error: cannot load pass plugin '[[FILE]]': No such file or directory
func.func @f() {
  return
}
