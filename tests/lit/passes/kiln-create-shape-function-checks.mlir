// RUN: kiln-opt --split-input-file --kiln-create-shape-function --canonicalize %s | FileCheck %s

// Tests that a shape check on input dims is cloned into the shape function, so a bad
// shape is refused before any kernel runs, and the kernels still fold away there.
// CHECK-LABEL: func @kiln_output_dims
// CHECK-SAME: (%[[A:.+]]: tensor<?xf32>, %[[B:.+]]: tensor<?xf32>)
// CHECK-DAG: %[[DA:.+]] = tensor.dim %[[A]]
// CHECK-DAG: %[[DB:.+]] = tensor.dim %[[B]]
// CHECK: kiln.check %{{.+}}, %[[DB]], %[[DA]] {code = 1 : i32, message = "node 'add' (Add): sizes {} and {}"}
// CHECK-NOT: linalg.generic
// CHECK: return
#map = affine_map<(d0) -> (d0)>
func.func @kiln_main(%a: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?xf32> {
  %c0 = arith.constant 0 : index
  %da = tensor.dim %a, %c0 : tensor<?xf32>
  %db = tensor.dim %b, %c0 : tensor<?xf32>
  %ok = arith.cmpi eq, %db, %da : index
  kiln.check %ok, %db, %da {code = 1 : i32, message = "node 'add' (Add): sizes {} and {}"} : index, index
  %e = tensor.empty(%da) : tensor<?xf32>
  %r = linalg.generic {indexing_maps = [#map, #map, #map], iterator_types = ["parallel"]}
      ins(%a, %b : tensor<?xf32>, tensor<?xf32>) outs(%e : tensor<?xf32>) {
  ^bb0(%x: f32, %y: f32, %out: f32):
    %s = arith.addf %x, %y : f32
    linalg.yield %s : f32
  } -> tensor<?xf32>
  return %r : tensor<?xf32>
}

// -----

// Tests that a shape check whose operands need a kernel's result stays out of the shape
// function (it would keep the kernel alive there); the entry function keeps it.
// CHECK-LABEL: func @kiln_main
// CHECK: kiln.check
// CHECK-LABEL: func @kiln_output_dims
// CHECK-NOT: kiln.check
// CHECK-NOT: linalg.generic
// CHECK: return
#map = affine_map<(d0) -> (d0)>
func.func @kiln_main(%a: tensor<?xi64>) -> tensor<?xi64> {
  %c0 = arith.constant 0 : index
  %da = tensor.dim %a, %c0 : tensor<?xi64>
  %e = tensor.empty(%da) : tensor<?xi64>
  %r = linalg.generic {indexing_maps = [#map, #map], iterator_types = ["parallel"]}
      ins(%a : tensor<?xi64>) outs(%e : tensor<?xi64>) {
  ^bb0(%x: i64, %out: i64):
    %s = arith.addi %x, %x : i64
    linalg.yield %s : i64
  } -> tensor<?xi64>
  %v = tensor.extract %r[%c0] : tensor<?xi64>
  %i = arith.index_cast %v : i64 to index
  %ok = arith.cmpi sge, %i, %c0 : index
  kiln.check %ok, %i, %c0 {code = 1 : i32, message = "node 'rs' (Reshape): {} < {}"} : index, index
  return %r : tensor<?xi64>
}
