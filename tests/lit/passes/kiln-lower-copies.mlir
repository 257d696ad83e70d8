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
