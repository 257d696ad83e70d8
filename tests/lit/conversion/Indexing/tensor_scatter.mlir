// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that circular TensorScatter checks the update's length against the cache and
// gathers update[(t - w) mod max_len] where that is below the update's length.
// CHECK-LABEL: func.func @tensor_scatter_circular
// CHECK: kiln.check {{.*}}update's sequence length {} exceeds the cache's {}
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel", "parallel"]
// CHECK: arith.remsi
// CHECK: scf.if
// CHECK: tensor.extract %arg1
func.func @tensor_scatter_circular(%past: tensor<2x1x4x5xf32>, %upd: tensor<2x1x?x5xf32>, %w: tensor<2xi64>) -> tensor<2x1x4x5xf32> {
  %0 = "onnx.TensorScatter"(%past, %upd, %w) <{mode = "circular"}> : (tensor<2x1x4x5xf32>, tensor<2x1x?x5xf32>, tensor<2xi64>) -> tensor<2x1x4x5xf32>
  return %0 : tensor<2x1x4x5xf32>
}

// -----

// Tests that linear TensorScatter checks 0 <= write_indices <= max_len - sequence_length.
// CHECK-LABEL: func.func @tensor_scatter_linear
// CHECK: scf.for
// CHECK: kiln.check {{.*}}write_indices value {} is out of range [0, {}]
// CHECK: linalg.generic {{.*}}iterator_types = ["parallel", "parallel", "parallel"]
// CHECK-NOT: arith.remsi
// CHECK: scf.if
func.func @tensor_scatter_linear(%past: tensor<2x4x5xf32>, %upd: tensor<2x2x5xf32>, %w: tensor<2xi64>) -> tensor<2x4x5xf32> {
  %0 = "onnx.TensorScatter"(%past, %upd, %w) <{axis = 1 : i64}> : (tensor<2x4x5xf32>, tensor<2x2x5xf32>, tensor<2xi64>) -> tensor<2x4x5xf32>
  return %0 : tensor<2x4x5xf32>
}
