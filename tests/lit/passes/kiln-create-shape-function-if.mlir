// RUN: kiln-opt --kiln-create-shape-function --canonicalize %s | FileCheck %s

// Tests that a result that comes out of an scf.if (a broadcast materialized only for
// some sizes, as the elementwise lowering writes it) still has its dims computed without
// the kernels: each branch yields the dim of what it yields, and the tensors go dead.
// CHECK-LABEL: func @kiln_output_dims
// CHECK-SAME: (%[[X:.+]]: tensor<?x?xf32>) -> tensor<2xi64>
// CHECK-NOT: linalg.generic
// CHECK: scf.if %{{.+}} -> (index, index)
// CHECK-NOT: linalg.generic
// CHECK: return
#map = affine_map<(d0, d1) -> (d0, d1)>
func.func @kiln_main(%x: tensor<?x?xf32>) -> tensor<?x?xf32> {
  %c0 = arith.constant 0 : index
  %c1 = arith.constant 1 : index
  %c4 = arith.constant 4 : index
  %d0 = tensor.dim %x, %c0 : tensor<?x?xf32>
  %d1 = tensor.dim %x, %c1 : tensor<?x?xf32>
  %one = arith.cmpi eq, %d1, %c1 : index
  %r = scf.if %one -> (tensor<?x?xf32>) {
    %e = tensor.empty(%d0, %c4) : tensor<?x?xf32>
    %b = linalg.generic {indexing_maps = [#map], iterator_types = ["parallel", "parallel"]}
        outs(%e : tensor<?x?xf32>) {
    ^bb0(%out: f32):
      %i = linalg.index 0 : index
      %v = tensor.extract %x[%i, %c0] : tensor<?x?xf32>
      linalg.yield %v : f32
    } -> tensor<?x?xf32>
    scf.yield %b : tensor<?x?xf32>
  } else {
    %e = tensor.empty(%d0, %d1) : tensor<?x?xf32>
    %n = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel", "parallel"]}
        ins(%x : tensor<?x?xf32>) outs(%e : tensor<?x?xf32>) {
    ^bb0(%in: f32, %out: f32):
      %m = arith.negf %in : f32
      linalg.yield %m : f32
    } -> tensor<?x?xf32>
    scf.yield %n : tensor<?x?xf32>
  }
  return %r : tensor<?x?xf32>
}
