// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Expand broadcasts to sizes read from a run-time shape (a static 1 of the
// input takes the shape's size, 0 included).
// CHECK-DAG: [[BCAST:#.+]] = affine_map<(d0, d1, d2) -> (d1, 0)>
// CHECK-LABEL: func.func @expand
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>, [[S:%.+]]: tensor<3xi64>)
// CHECK: [[E0:%.+]] = tensor.extract [[S]][%c0{{.*}}]
// CHECK: [[N0:%.+]] = arith.index_cast [[E0]]
// CHECK: [[E2:%.+]] = tensor.extract [[S]][%c2{{.*}}]
// CHECK: [[N2:%.+]] = arith.index_cast [[E2]]
// CHECK: [[EMPTY:%.+]] = tensor.empty([[N0]], [[N2]]) : tensor<?x3x?xf32>
// CHECK: linalg.generic {indexing_maps = {{\[}}[[BCAST]], {{.*}}} ins([[X]] : tensor<3x1xf32>) outs([[EMPTY]] : tensor<?x3x?xf32>)
func.func @expand(%x: tensor<3x1xf32>, %s: tensor<3xi64>) -> tensor<?x3x?xf32> {
  %0 = "onnx.Expand"(%x, %s) : (tensor<3x1xf32>, tensor<3xi64>) -> tensor<?x3x?xf32>
  return %0 : tensor<?x3x?xf32>
}

// -----

// Tests that Expand checks its input against a constant shape and broadcasts a run-time 1.
// CHECK-LABEL: func.func @expand_dynamic_input
// CHECK: kiln.check {{.*}}message = "node 'ex' (Expand): the input has size {} in dim 0 where the broadcast result has {} (expected equal sizes, or 1)"
// CHECK: scf.if
func.func @expand_dynamic_input(%x: tensor<?xf32>) -> tensor<2x4xf32> {
  %s = "onnx.Constant"() {value = dense<[2, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %0 = "onnx.Expand"(%x, %s) : (tensor<?xf32>, tensor<2xi64>) -> tensor<2x4xf32> loc("ex")
  return %0 : tensor<2x4xf32>
}
