// RUN: kiln-opt --split-input-file --kiln-forward-slice-copies %s | FileCheck %s

#id = affine_map<(d0, d1) -> (d0, d1)>

// Tests that a two-result generic whose results bufferization gave buffers of their own
// and copies into slices 0 and 1 of %big writes the slices directly: each slice is made
// before the generic, the buffers and the copies go. %big was allocated after the
// generic (where the insertions were) and moves up. The leading dim is dynamic; the
// slices are disjoint along the static one.
// CHECK-LABEL: func.func @forwarded
// CHECK: %[[BIG:.+]] = memref.alloc(%{{.+}}) : memref<?x2x8xf32>
// CHECK-DAG: %[[S0:.+]] = memref.subview %[[BIG]][0, 0, 0] [%{{.+}}, 1, 8]
// CHECK-DAG: %[[S1:.+]] = memref.subview %[[BIG]][0, 1, 0] [%{{.+}}, 1, 8]
// CHECK: linalg.generic {{.*}} outs(%[[S0]], %[[S1]] :
// CHECK-NOT: memref.copy
// CHECK: return %[[BIG]]
func.func @forwarded(%x: memref<?x8xf32>) -> memref<?x2x8xf32> {
  %c0 = arith.constant 0 : index
  %n = memref.dim %x, %c0 : memref<?x8xf32>
  %tmp0 = memref.alloc(%n) : memref<?x8xf32>
  %tmp1 = memref.alloc(%n) : memref<?x8xf32>
  linalg.generic {indexing_maps = [#id, #id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<?x8xf32>) outs(%tmp0, %tmp1 : memref<?x8xf32>, memref<?x8xf32>) {
  ^bb0(%a: f32, %o0: f32, %o1: f32):
    %neg = arith.negf %a : f32
    linalg.yield %a, %neg : f32, f32
  }
  %big = memref.alloc(%n) : memref<?x2x8xf32>
  %s0 = memref.subview %big[0, 0, 0] [%n, 1, 8] [1, 1, 1] : memref<?x2x8xf32> to memref<?x8xf32, strided<[16, 1]>>
  memref.copy %tmp0, %s0 : memref<?x8xf32> to memref<?x8xf32, strided<[16, 1]>>
  %s1 = memref.subview %big[0, 1, 0] [%n, 1, 8] [1, 1, 1] : memref<?x2x8xf32> to memref<?x8xf32, strided<[16, 1], offset: 8>>
  memref.copy %tmp1, %s1 : memref<?x8xf32> to memref<?x8xf32, strided<[16, 1], offset: 8>>
  return %big : memref<?x2x8xf32>
}

// -----

#id = affine_map<(d0, d1) -> (d0, d1)>

// Tests that the copy stays when the first writer reads the buffer (its init value is
// used), when an op between the writer and the copy reads the slice's region through an
// overlapping view, and when the target is not a slice.
// CHECK-LABEL: func.func @kept
// CHECK-COUNT-4: memref.copy
// CHECK-NOT: memref.copy
func.func @kept(%x: memref<4x8xf32>, %out: memref<4x8xf32>, %sum: memref<8xf32>) -> memref<2x4x8xf32> {
  %big = memref.alloc() : memref<2x4x8xf32>
  %tmp = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x8xf32>) outs(%tmp : memref<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    %s = arith.addf %a, %o : f32
    linalg.yield %s : f32
  }
  %s0 = memref.subview %big[0, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<4x8xf32, strided<[8, 1]>>
  memref.copy %tmp, %s0 : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1]>>
  %tmp2 = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x8xf32>) outs(%tmp2 : memref<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  %row = memref.subview %big[1, 0, 0] [1, 1, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<8xf32, strided<[1], offset: 32>>
  memref.copy %row, %sum : memref<8xf32, strided<[1], offset: 32>> to memref<8xf32>
  %s1 = memref.subview %big[1, 0, 0] [1, 4, 8] [1, 1, 1] : memref<2x4x8xf32> to memref<4x8xf32, strided<[8, 1], offset: 32>>
  memref.copy %tmp2, %s1 : memref<4x8xf32> to memref<4x8xf32, strided<[8, 1], offset: 32>>
  %tmp3 = memref.alloc() : memref<4x8xf32>
  linalg.generic {indexing_maps = [#id, #id], iterator_types = ["parallel", "parallel"]} ins(%x : memref<4x8xf32>) outs(%tmp3 : memref<4x8xf32>) {
  ^bb0(%a: f32, %o: f32):
    linalg.yield %a : f32
  }
  memref.copy %tmp3, %out : memref<4x8xf32> to memref<4x8xf32>
  return %big : memref<2x4x8xf32>
}
