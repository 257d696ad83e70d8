// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Shape (with start) and Size read tensor.dim at run time.
// CHECK-LABEL: func.func @shape_size
// CHECK-SAME: ([[X:%.+]]: tensor<?x4x5xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[D64:%.+]] = arith.index_cast [[D]] : index to i64
// CHECK: [[SHAPE:%.+]] = tensor.from_elements [[D64]], %{{.+}} : tensor<2xi64>
// CHECK: [[SIZE:%.+]] = tensor.from_elements %{{.+}} : tensor<i64>
// CHECK: return [[SHAPE]], [[SIZE]]
func.func @shape_size(%x: tensor<?x4x5xf32>) -> (tensor<2xi64>, tensor<i64>) {
  %0 = "onnx.Shape"(%x) {end = -1 : i64} : (tensor<?x4x5xf32>) -> tensor<2xi64>
  %1 = "onnx.Size"(%x) : (tensor<?x4x5xf32>) -> tensor<i64>
  return %0, %1 : tensor<2xi64>, tensor<i64>
}
