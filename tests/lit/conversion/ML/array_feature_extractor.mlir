// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that ArrayFeatureExtractor checks the indices against the last axis at run time
// and gathers along it.
// CHECK-LABEL: func.func @afe
// CHECK: kiln.check
// CHECK: linalg.generic
// CHECK: tensor.extract
func.func @afe(%x: tensor<3x4xf32>, %y: tensor<2xi64>) -> tensor<3x2xf32> {
  %0 = "onnx.ml.ArrayFeatureExtractor"(%x, %y) : (tensor<3x4xf32>, tensor<2xi64>) -> tensor<3x2xf32>
  return %0 : tensor<3x2xf32>
}

// -----

// Tests that a 1-D X gives a [1, K] result, K the number of indices of any shape.
// CHECK-LABEL: func.func @afe_vector
// CHECK: tensor.collapse_shape
// CHECK: linalg.generic
// CHECK-SAME: tensor<1x?xi64>
func.func @afe_vector(%x: tensor<?xi64>, %y: tensor<1x?xi64>) -> tensor<1x?xi64> {
  %0 = "onnx.ml.ArrayFeatureExtractor"(%x, %y) : (tensor<?xi64>, tensor<1x?xi64>) -> tensor<1x?xi64>
  return %0 : tensor<1x?xi64>
}
