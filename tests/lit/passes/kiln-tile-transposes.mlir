// RUN: kiln-opt --split-input-file --kiln-tile-transposes %s | FileCheck %s

// Tests that an NHWC -> NCHW transpose (the input's innermost dim becomes a middle one)
// is tiled into 32 x 32 blocks of the output's innermost dim and the dim reading the
// input's innermost one, with partial blocks at the edges, in parallel loops.
// CHECK-LABEL: func.func @nhwc_to_nchw
// CHECK: scf.parallel (%[[C:.+]], %[[W:.+]]) = (%{{.+}}, %{{.+}}) to (%c64, %c111) step (%c32{{.*}}, %c32{{.*}})
// CHECK: %[[N:.+]] = affine.min #{{.+}}(%[[W]])
// CHECK: %[[IN:.+]] = memref.subview %{{.+}}[0, 0, %[[W]], %[[C]]] [1, 111, %{{.+}}, 32] [1, 1, 1, 1]
// CHECK: %[[OUT:.+]] = memref.subview %{{.+}}[0, %[[C]], 0, %[[W]]] [1, 32, 111, %{{.+}}] [1, 1, 1, 1]
// CHECK: linalg.transpose ins(%[[IN]] : {{.+}}) outs(%[[OUT]] : {{.+}}) permutation = [0, 3, 1, 2]
func.func @nhwc_to_nchw(%a: memref<1x111x111x64xf32>, %b: memref<1x64x111x111xf32>) {
  linalg.transpose ins(%a : memref<1x111x111x64xf32>) outs(%b : memref<1x64x111x111xf32>) permutation = [0, 3, 1, 2]
  return
}

// -----

// Tests that a transpose keeping the innermost dim innermost (row copies), and one too
// small for two blocks, are left alone.
// CHECK-LABEL: func.func @left_alone
// CHECK-NOT: scf.parallel
// CHECK: linalg.transpose ins(%arg0 : memref<4x8x64xf32>) outs(%arg1 : memref<8x4x64xf32>) permutation = [1, 0, 2]
// CHECK: linalg.transpose ins(%arg2 : memref<8x16xf32>) outs(%arg3 : memref<16x8xf32>) permutation = [1, 0]
func.func @left_alone(%a: memref<4x8x64xf32>, %b: memref<8x4x64xf32>, %c: memref<8x16xf32>, %d: memref<16x8xf32>) {
  linalg.transpose ins(%a : memref<4x8x64xf32>) outs(%b : memref<8x4x64xf32>) permutation = [1, 0, 2]
  linalg.transpose ins(%c : memref<8x16xf32>) outs(%d : memref<16x8xf32>) permutation = [1, 0]
  return
}

// -----

// Tests that dynamic sizes are tiled too (dynamic image sizes).
// CHECK-LABEL: func.func @dynamic
// CHECK: scf.parallel
// CHECK: linalg.transpose {{.+}} permutation = [0, 2, 3, 1]
func.func @dynamic(%a: memref<1x8x?x?xf32>, %b: memref<1x?x?x8xf32>) {
  linalg.transpose ins(%a : memref<1x8x?x?xf32>) outs(%b : memref<1x?x?x8xf32>) permutation = [0, 2, 3, 1]
  return
}

// -----

// RUN: kiln-opt --split-input-file --kiln-tile-transposes=vector-width=16 %s | FileCheck %s --check-prefix=VEC

// Tests that with a vector width, an NHWC -> NCHW transpose of f32 becomes 16 x 16 blocks
// of (C, W) over every other output dim, the loops in the input's order (N, H, W, C, so
// that the reads are one stream): whole blocks load 16 input rows (16 channels each),
// transpose them with 4 rounds of 16 shuffles and store 16 output rows (16 pixels
// each); edge blocks (W = 111 is not a multiple of 16) mask the lanes past the end and
// skip the rows past it. (@dynamic above is blocked the same way.)
// VEC-LABEL: func.func @dynamic
// VEC-NOT: linalg.transpose
// VEC: vector.maskedload
// VEC-LABEL: func.func @nhwc_to_nchw_vec
// VEC-NOT: linalg.transpose
// VEC: scf.parallel (%[[N:.+]], %[[H:.+]], %[[W:.+]], %[[C:.+]]) = {{.+}} step (%c1, %c1, %c16, %c16)
// VEC: scf.if
// VEC-COUNT-16: vector.load %arg0[%[[N]], %[[H]], %{{.+}}, %[[C]]] : memref<1x111x111x64xf32>, vector<16xf32>
// VEC-COUNT-64: vector.shuffle
// VEC-COUNT-16: vector.store %{{.+}}, %arg1[%[[N]], %{{.+}}, %[[H]], %[[W]]] : memref<1x64x111x111xf32>, vector<16xf32>
// VEC: } else {
// VEC: vector.create_mask
// VEC: vector.maskedload
// VEC: vector.maskedstore
func.func @nhwc_to_nchw_vec(%a: memref<1x111x111x64xf32>, %b: memref<1x64x111x111xf32>) {
  linalg.transpose ins(%a : memref<1x111x111x64xf32>) outs(%b : memref<1x64x111x111xf32>) permutation = [0, 3, 1, 2]
  return
}
