// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that Binarizer on floats compares with the threshold in the input's type.
// CHECK-LABEL: func.func @binarizer_f32
// CHECK: linalg.generic
// CHECK: arith.cmpf ogt, {{.*}} : f32
// CHECK: arith.select
func.func @binarizer_f32(%x: tensor<3x?xf32>) -> tensor<3x?xf32> {
  %0 = "onnx.ml.Binarizer"(%x) {threshold = 0.5 : f32} : (tensor<3x?xf32>) -> tensor<3x?xf32>
  return %0 : tensor<3x?xf32>
}

// -----

// Tests that Binarizer on integers compares them as doubles with the float threshold.
// CHECK-LABEL: func.func @binarizer_i64
// CHECK: arith.sitofp {{.*}} : i64 to f64
// CHECK: arith.cmpf ogt, {{.*}} : f64
func.func @binarizer_i64(%x: tensor<4xi64>) -> tensor<4xi64> {
  %0 = "onnx.ml.Binarizer"(%x) {threshold = 1.5 : f32} : (tensor<4xi64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
