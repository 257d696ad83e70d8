// RUN: kiln-opt --kiln-create-shape-function --canonicalize %s | FileCheck %s

// Tests that the shape function returns every result dimension, computed from the input
// dims alone: the computation itself folds away.
// CHECK-LABEL: func @kiln_output_dims
// CHECK-SAME: (%[[X:.+]]: tensor<?x4xf32>) -> tensor<2xi64>
// CHECK-NOT: linalg.generic
// CHECK: %[[D:.+]] = tensor.dim %[[X]], %{{.+}} : tensor<?x4xf32>
// CHECK: %[[DI:.+]] = arith.index_cast %[[D]] : index to i64
// CHECK: %[[DIMS:.+]] = tensor.from_elements %[[DI]], %{{.+}} : tensor<2xi64>
// CHECK: return %[[DIMS]]
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @kiln_main(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
  %c0 = arith.constant 0 : index
  %d = tensor.dim %x, %c0 : tensor<?x4xf32>
  %e = tensor.empty(%d) : tensor<?x4xf32>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
      ins(%x : tensor<?x4xf32>) outs(%e : tensor<?x4xf32>) {
  ^bb0(%in: f32, %out: f32):
    %m = arith.negf %in : f32
    linalg.yield %m : f32
  } -> tensor<?x4xf32>
  return %r : tensor<?x4xf32>
}
