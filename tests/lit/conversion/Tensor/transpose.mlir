// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Transpose becomes linalg.transpose sized from the dynamic input.
// CHECK-LABEL: func.func @transpose
// CHECK-SAME: ([[X:%.+]]: tensor<?x3x4xf32>)
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[EMPTY:%.+]] = tensor.empty([[D]]) : tensor<4x?x3xf32>
// CHECK: [[T:%.+]] = linalg.transpose ins([[X]] : tensor<?x3x4xf32>) outs([[EMPTY]] : tensor<4x?x3xf32>) permutation = [2, 0, 1]
// CHECK: return [[T]]
func.func @transpose(%x: tensor<?x3x4xf32>) -> tensor<4x?x3xf32> {
  %0 = "onnx.Transpose"(%x) {perm = array<i64: 2, 0, 1>} : (tensor<?x3x4xf32>) -> tensor<4x?x3xf32>
  return %0 : tensor<4x?x3xf32>
}
