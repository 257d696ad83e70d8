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
// from there to the first; a buffer copied out through a static reshape (a 2x2 stride-2
// ConvTranspose's [.., h, 2, w, 2] result) is computed in the output viewed in its shape.
// CHECK-LABEL: func.func @kiln_main
// CHECK-NEXT: memref.copy %arg0, %arg2
// CHECK-NEXT: memref.copy %arg2, %arg1
// CHECK-NEXT: %[[V:.+]] = memref.collapse_shape %arg3 {{\[}}[0, 1]] : memref<2x2xf32> into memref<4xf32>
// CHECK-NEXT: memref.copy %arg0, %[[V]]
// CHECK-NOT: memref.alloc
// CHECK-NOT: memref.copy {{.*}}%arg3
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

// A view used after the first copy keeps the buffer from the first output; the second
// copies it out through that view, so it is computed in the second output (viewed in
// the buffer's shape) and copied from there to the first.
// CHECK-LABEL: func.func @kiln_main
// CHECK-NOT: memref.alloc
// CHECK: %[[B:.+]] = memref.collapse_shape %arg2
// CHECK: %[[V:.+]] = memref.expand_shape %[[B]]
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[V]] : memref<1x1x4xf32>)
// CHECK-NEXT: memref.copy %[[B]], %arg1
// CHECK-NEXT: return
func.func @kiln_main(%in: memref<1x4xf32>, %out: memref<1x4xf32>, %out2: memref<1x1x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %a = memref.alloc() : memref<1x4xf32>
  %v = memref.expand_shape %a [[0, 1], [2]] output_shape [1, 1, 4] : memref<1x4xf32> into memref<1x1x4xf32>
  linalg.fill ins(%zero : f32) outs(%v : memref<1x1x4xf32>)
  memref.copy %a, %out : memref<1x4xf32> to memref<1x4xf32>
  memref.copy %v, %out2 : memref<1x1x4xf32> to memref<1x1x4xf32>
  return
}

// -----

// A buffer with a dynamic size copied out through an expand_shape (GPT-2's logits: the
// [batch * seq, vocab] matmul expanded to [batch, seq, vocab]) is computed in the output
// collapsed back to the buffer's shape; through a collapse_shape of a dynamic buffer it
// is not (the inverse expand would need the sizes), and the copy stays.
// CHECK-LABEL: func.func @kiln_main
// CHECK: %[[V:.+]] = memref.collapse_shape %arg1 {{\[}}[0, 1], [2]] : memref<?x2x4xf32> into memref<?x4xf32>
// CHECK: linalg.fill ins(%{{.+}} : f32) outs(%[[V]] : memref<?x4xf32>)
// CHECK: %[[B:.+]] = memref.alloc
// CHECK: %[[C:.+]] = memref.collapse_shape %[[B]]
// CHECK: memref.copy %[[C]], %arg2
// CHECK-NOT: memref.copy %{{.+}}, %arg1
func.func @kiln_main(%n: index, %out: memref<?x2x4xf32>, %out2: memref<?x4xf32>) {
  %zero = arith.constant 0.0 : f32
  %c2 = arith.constant 2 : index
  %rows = arith.muli %n, %c2 : index
  %a = memref.alloc(%rows) : memref<?x4xf32>
  linalg.fill ins(%zero : f32) outs(%a : memref<?x4xf32>)
  %v = memref.expand_shape %a [[0, 1], [2]] output_shape [%n, 2, 4] : memref<?x4xf32> into memref<?x2x4xf32>
  memref.copy %v, %out : memref<?x2x4xf32> to memref<?x2x4xf32>
  %b = memref.alloc(%n) : memref<?x2x4xf32>
  linalg.fill ins(%zero : f32) outs(%b : memref<?x2x4xf32>)
  %c = memref.collapse_shape %b [[0, 1], [2]] : memref<?x2x4xf32> into memref<?x4xf32>
  memref.copy %c, %out2 : memref<?x4xf32> to memref<?x4xf32>
  return
}
