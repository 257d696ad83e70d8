// RUN: kiln-opt --kiln-outline-parallel-loops %s | FileCheck %s

// A static alloca in the parallel body (a kernel's per-iteration scratch) moves to the
// outlined function's entry: one per chunk, not one per iteration of the chunk's loop.
// CHECK-LABEL: func.func private @kiln_par_body{{[0-9]+}}(
// CHECK-NEXT: %[[S:.+]] = memref.alloca() {alignment = 64 : i64} : memref<32x32xf32>
// CHECK: scf.for
// CHECK-NOT: memref.alloca
// CHECK: memref.store {{.+}}, %[[S]]
func.func @scratch(%n: index, %out: memref<?xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %zero = arith.constant 0.0 : f32
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    %s = memref.alloca() {alignment = 64 : i64} : memref<32x32xf32>
    memref.store %zero, %s[%c0, %c0] : memref<32x32xf32>
    %v = memref.load %s[%c0, %c0] : memref<32x32xf32>
    memref.store %v, %out[%i] : memref<?xf32>
  }
  return
}
