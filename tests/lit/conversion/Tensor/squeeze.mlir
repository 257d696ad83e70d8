// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that Squeeze and Unsqueeze (input axes and the V11 attribute form) become
// collapse_shape / expand_shape with a dynamic batch.
// CHECK-LABEL: func.func @squeeze_unsqueeze
// CHECK-SAME: ([[X:%.+]]: tensor<?x1x4xf32>)
// CHECK: [[SQ:%.+]] = tensor.collapse_shape [[X]] {{\[}}[0, 1], [2]] : tensor<?x1x4xf32> into tensor<?x4xf32>
// CHECK: [[D:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[UN:%.+]] = tensor.expand_shape [[X]] {{\[}}[0], [1], [2, 3]] output_shape {{\[}}[[D]], 1, 4, 1] : tensor<?x1x4xf32> into tensor<?x1x4x1xf32>
// CHECK: [[D2:%.+]] = tensor.dim [[X]], %c0
// CHECK: [[UN2:%.+]] = tensor.expand_shape [[X]] {{\[}}[0, 1], [2], [3]] output_shape [1, [[D2]], 1, 4] : tensor<?x1x4xf32> into tensor<1x?x1x4xf32>
// CHECK: return [[SQ]], [[UN]], [[UN2]]
func.func @squeeze_unsqueeze(%x: tensor<?x1x4xf32>) -> (tensor<?x4xf32>, tensor<?x1x4x1xf32>, tensor<1x?x1x4xf32>) {
  %a = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %0 = "onnx.Squeeze"(%x, %a) : (tensor<?x1x4xf32>, tensor<1xi64>) -> tensor<?x4xf32>
  %b = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %1 = "onnx.Unsqueeze"(%x, %b) : (tensor<?x1x4xf32>, tensor<1xi64>) -> tensor<?x1x4x1xf32>
  %2 = "onnx.UnsqueezeV11"(%x) {axes = array<i64: 0>} : (tensor<?x1x4xf32>) -> tensor<1x?x1x4xf32>
  return %0, %1, %2 : tensor<?x4xf32>, tensor<?x1x4x1xf32>, tensor<1x?x1x4xf32>
}

// -----

// Tests that Unsqueeze with run-time axes computes the result shape from the normalized
// axes (1 where listed, else the next input dim) and emits tensor.reshape.
// CHECK-LABEL: func.func @unsqueeze_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<3x4xf32>, [[A:%.+]]: tensor<1xi64>)
// CHECK: tensor.extract [[A]]
// CHECK: [[SHAPE:%.+]] = tensor.from_elements {{.*}} : tensor<3xindex>
// CHECK: tensor.reshape [[X]]([[SHAPE]]) : (tensor<3x4xf32>, tensor<3xindex>) -> tensor<?x?x?xf32>
func.func @unsqueeze_runtime_axes(%x: tensor<3x4xf32>, %axes: tensor<1xi64>) -> tensor<?x?x?xf32> {
  %0 = "onnx.Unsqueeze"(%x, %axes) : (tensor<3x4xf32>, tensor<1xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}

// -----

// Tests that Squeeze with run-time axes keeps the sizes of the unlisted dims and emits
// tensor.reshape.
// CHECK-LABEL: func.func @squeeze_runtime_axes
// CHECK-SAME: ([[X:%.+]]: tensor<3x1xf32>, [[A:%.+]]: tensor<1xi64>)
// CHECK: tensor.extract [[A]]
// CHECK: [[SHAPE:%.+]] = tensor.from_elements {{.*}} : tensor<1xindex>
// CHECK: tensor.reshape [[X]]([[SHAPE]]) : (tensor<3x1xf32>, tensor<1xindex>) -> tensor<?xf32>
func.func @squeeze_runtime_axes(%x: tensor<3x1xf32>, %axes: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.Squeeze"(%x, %axes) : (tensor<3x1xf32>, tensor<1xi64>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
