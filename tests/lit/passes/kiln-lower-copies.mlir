// RUN: kiln-opt --kiln-lower-copies %s | FileCheck %s

// A copy into the interior of a padded buffer becomes a linalg.copy; a copy between
// contiguous buffers stays a memref.copy (a memcpy).
// CHECK-LABEL: func @copies
// CHECK: linalg.copy ins(%arg0 : memref<4x4xf32>) outs(%{{.+}} : memref<4x4xf32, strided<[6, 1], offset: 7>>)
// CHECK: memref.copy %arg0, %arg2
func.func @copies(%x: memref<4x4xf32>, %padded: memref<6x6xf32>, %y: memref<4x4xf32>) {
  %interior = memref.subview %padded[1, 1] [4, 4] [1, 1] : memref<6x6xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %x, %interior : memref<4x4xf32> to memref<4x4xf32, strided<[6, 1], offset: 7>>
  memref.copy %x, %y : memref<4x4xf32> to memref<4x4xf32>
  return
}

// Dims contiguous in both buffers are collapsed: the padding copy of an NHWC buffer whose
// channels were split (28x4) copies whole rows of W*C floats. N and H stay apart (the
// padded buffer's rows are longer than W*C).
// CHECK-LABEL: func @collapsed
// CHECK-DAG: %[[SRC:.+]] = memref.collapse_shape %arg0 {{\[\[}}0], [1], [2, 3, 4]] : memref<1x56x56x28x4xf32> into memref<1x56x6272xf32>
// CHECK-DAG: %[[DST:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0], [1], [2, 3, 4]] : memref<1x56x56x28x4xf32, strided<[376768, 6496, 112, 4, 1], offset: 6608>> into memref<1x56x6272xf32, strided<[376768, 6496, 1], offset: 6608>>
// CHECK: linalg.copy ins(%[[SRC]] : memref<1x56x6272xf32>) outs(%[[DST]] : memref<1x56x6272xf32, strided<[376768, 6496, 1], offset: 6608>>)
func.func @collapsed(%x: memref<1x56x56x28x4xf32>, %padded: memref<1x58x58x112xf32>) {
  %e = memref.expand_shape %padded [[0], [1], [2], [3, 4]] output_shape [1, 58, 58, 28, 4] : memref<1x58x58x112xf32> into memref<1x58x58x28x4xf32>
  %interior = memref.subview %e[0, 1, 1, 0, 0] [1, 56, 56, 28, 4] [1, 1, 1, 1, 1] : memref<1x58x58x28x4xf32> to memref<1x56x56x28x4xf32, strided<[376768, 6496, 112, 4, 1], offset: 6608>>
  memref.copy %x, %interior : memref<1x56x56x28x4xf32> to memref<1x56x56x28x4xf32, strided<[376768, 6496, 112, 4, 1], offset: 6608>>
  return
}

// Dims that are one run in one buffer only (a slice of a wider matrix), or of dynamic
// size, stay apart. A strided slice's dims may merge (a run of stride 2).
// CHECK-LABEL: func @kept_apart
// CHECK-NOT: memref.collapse_shape
// CHECK: linalg.copy ins(%arg0 : memref<4x8xf32>) outs(%{{.+}} : memref<4x8xf32, strided<[16, 1]>>)
// CHECK: linalg.copy ins(%arg2 : memref<?x8xf32>)
// CHECK: %[[EVEN:.+]] = memref.collapse_shape %{{.+}} {{\[\[}}0, 1]] : memref<4x8xf32, strided<[16, 2]>> into memref<32xf32, strided<[2]>>
// CHECK: linalg.copy ins(%{{.+}} : memref<32xf32>) outs(%[[EVEN]] : memref<32xf32, strided<[2]>>)
func.func @kept_apart(%x: memref<4x8xf32>, %y: memref<4x16xf32>, %d: memref<?x8xf32>, %e: memref<?x8xf32, strided<[9, 1]>>) {
  %cols = memref.subview %y[0, 0] [4, 8] [1, 1] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 1]>>
  memref.copy %x, %cols : memref<4x8xf32> to memref<4x8xf32, strided<[16, 1]>>
  memref.copy %d, %e : memref<?x8xf32> to memref<?x8xf32, strided<[9, 1]>>
  %even = memref.subview %y[0, 0] [4, 8] [1, 2] : memref<4x16xf32> to memref<4x8xf32, strided<[16, 2]>>
  memref.copy %x, %even : memref<4x8xf32> to memref<4x8xf32, strided<[16, 2]>>
  return
}
