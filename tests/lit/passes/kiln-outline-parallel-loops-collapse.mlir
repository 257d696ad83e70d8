// RUN: kiln-opt --kiln-outline-parallel-loops --canonicalize %s | FileCheck %s

// Tests that a 3-D loop has its two outer dimensions merged into the one the runtime
// splits (2 x 3 = 6 rows), the innermost staying a loop of its own. A row is 4 x (store,
// reduce) + 1 operations: the grain, ceil(16384 / 12) rows, keeps the 6 rows on one
// thread.
// CHECK-LABEL: func.func @kiln_main
// CHECK-DAG: %[[GRAIN:.+]] = arith.constant 1366 : index
// CHECK-DAG: %[[ROWS:.+]] = arith.constant 6 : index
// CHECK: call @kiln_dispatch_par0(%[[ROWS]], %[[GRAIN]], %arg0, %[[ROWS]], %{{.+}})
// CHECK: func.func private @kiln_par_body0
// CHECK: scf.for %[[R:.+]] = %arg0 to %arg1
// CHECK: scf.parallel (%[[K:.+]]) =
// CHECK-DAG: %[[J:.+]] = arith.remsi %[[R]], %{{.+}} : index
// CHECK-DAG: %[[I:.+]] = arith.divsi %[[R]], %{{.+}} : index
// CHECK: memref.store %{{.+}}, %arg2[%[[I]], %[[J]], %[[K]]]
func.func @kiln_main(%m: memref<2x3x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c2 = arith.constant 2 : index
  %c3 = arith.constant 3 : index
  %c4 = arith.constant 4 : index
  %f = arith.constant 1.0 : f32
  scf.parallel (%i, %j, %k) = (%c0, %c0, %c0) to (%c2, %c3, %c4) step (%c1, %c1, %c1) {
    memref.store %f, %m[%i, %j, %k] : memref<2x3x4xf32>
  }
  return
}
