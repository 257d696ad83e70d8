// RUN: kiln-opt --split-input-file --kiln-elide-output-copies %s | FileCheck %s

// The output is computed directly in the out-parameter: the buffer and the copy go.
// CHECK-LABEL: func.func @kiln_main
// CHECK-NOT: memref.alloc
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%arg1 : memref<?x4xf32>)
// CHECK-NOT: memref.copy
func.func @kiln_main(%in: memref<?x4xf32>, %out: memref<?x4xf32>) {
  %c0 = arith.constant 0 : index
  %zero = arith.constant 0.0 : f32
  %n = memref.dim %in, %c0 : memref<?x4xf32>
  %a = memref.alloc(%n) : memref<?x4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<?x4xf32>)
  memref.copy %a, %out : memref<?x4xf32> to memref<?x4xf32>
  memref.dealloc %a : memref<?x4xf32>
  return
}

// -----

// A buffer copied to two outputs is computed in the second (its last use) and copied
// from there to the first; a buffer viewed through a reshape may be aliased past the
// copy and is left alone.
// CHECK-LABEL: func.func @kiln_main
// CHECK-NEXT: memref.copy %arg0, %arg2
// CHECK-NEXT: memref.copy %arg2, %arg1
// CHECK-NEXT: %[[B:.+]] = memref.alloc()
// CHECK: memref.expand_shape %[[B]]
// CHECK: memref.copy %{{.+}}, %arg3
func.func @kiln_main(%in: memref<4xf32>, %out: memref<4xf32>, %out2: memref<4xf32>, %out3: memref<2x2xf32>) {
  %a = memref.alloc() : memref<4xf32>
  memref.copy %in, %a : memref<4xf32> to memref<4xf32>
  memref.copy %a, %out : memref<4xf32> to memref<4xf32>
  memref.copy %a, %out2 : memref<4xf32> to memref<4xf32>
  %b = memref.alloc() : memref<4xf32>
  memref.copy %in, %b : memref<4xf32> to memref<4xf32>
  %v = memref.expand_shape %b [[0, 1]] output_shape [2, 2] : memref<4xf32> into memref<2x2xf32>
  memref.copy %v, %out3 : memref<2x2xf32> to memref<2x2xf32>
  return
}

// -----

// A buffer written through a view (the unit-height view of a 1-D convolution's output)
// whose every use is before the copy: computed in place, the view taken of the output.
// CHECK-LABEL: func.func @kiln_main
// CHECK-NOT: memref.alloc
// CHECK: %[[V:.+]] = memref.expand_shape %arg1
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[V]] : memref<1x1x4xf32>)
// CHECK-NOT: memref.copy
func.func @kiln_main(%in: memref<1x4xf32>, %out: memref<1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x4xf32>
  %v = memref.expand_shape %a [[0, 1], [2]] output_shape [1, 1, 4] : memref<1x4xf32> into memref<1x1x4xf32>
  linalg.fill ins(%zero : f32) outs(%v : memref<1x1x4xf32>)
  memref.copy %a, %out : memref<1x4xf32> to memref<1x4xf32>
  return
}

// -----

// A view used after the copy keeps the buffer.
// CHECK-LABEL: func.func @kiln_main
// CHECK: memref.alloc
// CHECK: memref.copy
func.func @kiln_main(%in: memref<1x4xf32>, %out: memref<1x4xf32>, %out2: memref<1x1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x4xf32>
  %v = memref.expand_shape %a [[0, 1], [2]] output_shape [1, 1, 4] : memref<1x4xf32> into memref<1x1x4xf32>
  linalg.fill ins(%zero : f32) outs(%v : memref<1x1x4xf32>)
  memref.copy %a, %out : memref<1x4xf32> to memref<1x4xf32>
  memref.copy %v, %out2 : memref<1x1x4xf32> to memref<1x1x4xf32>
  return
}
