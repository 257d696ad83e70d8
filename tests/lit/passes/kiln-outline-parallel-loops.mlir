// RUN: kiln-opt --split-input-file --kiln-outline-parallel-loops %s | FileCheck %s

// Tests that a top-level parallel loop becomes a dispatch call with its trip count, grain
// and captured values, and its body an outlined function over a chunk of the first
// dimension (constants are rematerialized in the body, inner dimensions stay a parallel
// loop). A row is 4 x (load, max, store, reduce, + 1 for the loop) = 20 operations, so a
// chunk holds at least ceil(16384 / 20) = 820 rows: fewer are not worth a second thread.
// CHECK-LABEL: func @kiln_main
// CHECK-SAME: (%[[A:[a-z0-9]+]]: memref<?x4xf32>, %[[B:[a-z0-9]+]]: memref<?x4xf32>)
// CHECK: %[[TRIP:.+]] = arith.ceildivsi
// CHECK: %[[GRAIN:.+]] = arith.constant 820 : index
// CHECK: call @kiln_dispatch_par0(%[[TRIP]], %[[GRAIN]], {{.*}}%[[A]], %[[B]]{{.*}})
// CHECK-NOT: scf.parallel
// CHECK: func.func private @kiln_par_body0(%[[BEGIN:[a-z0-9]+]]: index, %[[END:[a-z0-9]+]]: index
// CHECK: scf.for %{{.+}} = %[[BEGIN]] to %[[END]]
// CHECK: scf.parallel
// CHECK: arith.maximumf
// CHECK: func.func private @kiln_dispatch_par0(index
func.func @kiln_main(%a: memref<?x4xf32>, %b: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?x4xf32>
  scf.parallel (%i, %j) = (%c0, %c0) to (%n, %c4) step (%c1, %c1) {
    %x = memref.load %a[%i, %j] : memref<?x4xf32>
    %y = arith.maximumf %x, %zero : f32
    memref.store %y, %b[%i, %j] : memref<?x4xf32>
    scf.reduce
  }
  return
}

// -----

// A row that runs an inner loop of 8192 steps is worth a chunk of its own: grain 1.
// CHECK-LABEL: func @heavy_rows
// CHECK: %[[TRIP:.+]] = arith.ceildivsi
// CHECK: %[[ONE:.+]] = arith.constant 1 : index
// CHECK: call @kiln_dispatch_par0(%[[TRIP]], %[[ONE]],
func.func @heavy_rows(%a: memref<?x8192xf32>) {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c8192 = arith.constant 8192 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %a, %c0 : memref<?x8192xf32>
  scf.parallel (%i) = (%c0) to (%n) step (%c1) {
    scf.for %j = %c0 to %c8192 step %c1 {
      memref.store %zero, %a[%i, %j] : memref<?x8192xf32>
    }
    scf.reduce
  }
  return
}
