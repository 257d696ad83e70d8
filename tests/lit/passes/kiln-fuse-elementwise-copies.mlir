// RUN: kiln-opt --split-input-file --kiln-fuse-elementwise %s | FileCheck %s

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#swap = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>
#perm = affine_map<(d0, d1, d2, d3) -> (d0, d1, d3, d2)>

// Tests that a copy moving the innermost dim (out[a, b, d, c] = in[a, b, c, d]) is not
// fused into the exp after it, while two plain elementwise ops still fuse.
// CHECK-LABEL: func.func @copy_then_exp
// CHECK: linalg.generic
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]]
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK: arith.addf
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @copy_then_exp(%x: tensor<2x3x4x5xf32>) -> tensor<2x3x5x4xf32> {
  %e = tensor.empty() : tensor<2x3x5x4xf32>
  %t = linalg.generic {indexing_maps = [#perm, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<2x3x4x5xf32>) outs(%e : tensor<2x3x5x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x3x5x4xf32>
  %e2 = tensor.empty() : tensor<2x3x5x4xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t : tensor<2x3x5x4xf32>) outs(%e2 : tensor<2x3x5x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  } -> tensor<2x3x5x4xf32>
  %e3 = tensor.empty() : tensor<2x3x5x4xf32>
  %z = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%y : tensor<2x3x5x4xf32>) outs(%e3 : tensor<2x3x5x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = arith.addf %in, %in : f32
    linalg.yield %0 : f32
  } -> tensor<2x3x5x4xf32>
  return %z : tensor<2x3x5x4xf32>
}

// -----

#id4 = affine_map<(d0, d1, d2, d3) -> (d0, d1, d2, d3)>
#swap = affine_map<(d0, d1, d2, d3) -> (d0, d2, d1, d3)>

// Tests that a copy keeping the innermost dim in place (rows moved whole) still fuses.
// CHECK-LABEL: func.func @row_copy_then_exp
// CHECK: linalg.generic
// CHECK: math.exp
// CHECK-NOT: linalg.generic
// CHECK: return
func.func @row_copy_then_exp(%x: tensor<2x3x4x5xf32>) -> tensor<2x4x3x5xf32> {
  %e = tensor.empty() : tensor<2x4x3x5xf32>
  %t = linalg.generic {indexing_maps = [#swap, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%x : tensor<2x3x4x5xf32>) outs(%e : tensor<2x4x3x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<2x4x3x5xf32>
  %e2 = tensor.empty() : tensor<2x4x3x5xf32>
  %y = linalg.generic {indexing_maps = [#id4, #id4], iterator_types = ["parallel", "parallel", "parallel", "parallel"]} ins(%t : tensor<2x4x3x5xf32>) outs(%e2 : tensor<2x4x3x5xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  } -> tensor<2x4x3x5xf32>
  return %y : tensor<2x4x3x5xf32>
}

// -----

#id2 = affine_map<(d0, d1) -> (d0, d1)>
#id3 = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
#swap3 = affine_map<(d0, d1, d2) -> (d0, d2, d1)>

// Tests that an elementwise op reading a copy's [.., 320, 2] result collapsed into rows
// of 640 is not expanded through the collapse into a [.., 320, 2] op with a 2-long
// innermost loop (nor fused into the copy).
// CHECK-LABEL: func.func @short_innermost_collapse
// CHECK: linalg.generic
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<4x640xf32>)
// CHECK: math.exp
func.func @short_innermost_collapse(%x: tensor<4x2x320xf32>) -> tensor<4x640xf32> {
  %e0 = tensor.empty() : tensor<4x320x2xf32>
  %t = linalg.generic {indexing_maps = [#swap3, #id3], iterator_types = ["parallel", "parallel", "parallel"]} ins(%x : tensor<4x2x320xf32>) outs(%e0 : tensor<4x320x2xf32>) {
  ^bb0(%in: f32, %out: f32):
    linalg.yield %in : f32
  } -> tensor<4x320x2xf32>
  %c = tensor.collapse_shape %t [[0], [1, 2]] : tensor<4x320x2xf32> into tensor<4x640xf32>
  %e = tensor.empty() : tensor<4x640xf32>
  %y = linalg.generic {indexing_maps = [#id2, #id2], iterator_types = ["parallel", "parallel"]} ins(%c : tensor<4x640xf32>) outs(%e : tensor<4x640xf32>) {
  ^bb0(%in: f32, %out: f32):
    %0 = math.exp %in : f32
    linalg.yield %0 : f32
  } -> tensor<4x640xf32>
  return %y : tensor<4x640xf32>
}
