// RUN: kiln-opt --split-input-file --kiln-shrink-buffer-lifetimes %s | FileCheck %s

// Tests that each buffer is allocated right before the first op that uses it (or a view
// of it) and freed right after the last, so that the chain a -> b -> c never holds all
// three at once.
// CHECK-LABEL: func.func @chain
// CHECK: %[[A:.+]] = memref.alloc
// CHECK-NEXT: linalg.fill {{.*}} outs(%[[A]]
// CHECK-NEXT: %[[B:.+]] = memref.alloc
// CHECK-NEXT: linalg.copy ins(%[[A]] {{.*}} outs(%[[B]]
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: %[[C:.+]] = memref.alloc
// CHECK-NEXT: linalg.copy ins(%[[B]] {{.*}} outs(%[[C]]
// CHECK-NEXT: memref.dealloc %[[B]]
// CHECK-NEXT: %[[V:.+]] = memref.subview %[[C]]
// CHECK-NEXT: linalg.copy ins(%[[V]]
// CHECK-NEXT: memref.dealloc %[[C]]
// CHECK-NEXT: return
func.func @chain(%n: index, %out: memref<?xf32>) {
  %cst = arith.constant 1.0 : f32
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  %c = memref.alloc(%n) : memref<?xf32>
  linalg.fill ins(%cst : f32) outs(%a : memref<?xf32>)
  linalg.copy ins(%a : memref<?xf32>) outs(%b : memref<?xf32>)
  linalg.copy ins(%b : memref<?xf32>) outs(%c : memref<?xf32>)
  %v = memref.subview %c[0] [%n] [1] : memref<?xf32> to memref<?xf32, strided<[1]>>
  linalg.copy ins(%v : memref<?xf32, strided<[1]>>) outs(%out : memref<?xf32>)
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  memref.dealloc %c : memref<?xf32>
  return
}

// -----

// Tests that a use inside a loop counts as the loop's, and that a buffer whose view a
// loop yields (it may outlive the loop under another name) is left where it is.
// CHECK-LABEL: func.func @loops
// CHECK: %[[B:.+]] = memref.alloc
// CHECK-NEXT: %[[A:.+]] = memref.alloc
// CHECK-NEXT: scf.for
// CHECK: linalg.fill {{.*}} outs(%[[A]]
// CHECK: }
// CHECK-NEXT: memref.dealloc %[[A]]
// CHECK-NEXT: scf.for {{.*}} iter_args(%{{.+}} = %[[B]])
// CHECK: memref.dealloc %[[B]]
func.func @loops(%n: index) {
  %cst = arith.constant 1.0 : f32
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %a = memref.alloc(%n) : memref<?xf32>
  %b = memref.alloc(%n) : memref<?xf32>
  scf.for %i = %c0 to %n step %c1 {
    linalg.fill ins(%cst : f32) outs(%a : memref<?xf32>)
  }
  %r = scf.for %i = %c0 to %n step %c1 iter_args(%it = %b) -> (memref<?xf32>) {
    scf.yield %it : memref<?xf32>
  }
  memref.dealloc %a : memref<?xf32>
  memref.dealloc %b : memref<?xf32>
  return
}
