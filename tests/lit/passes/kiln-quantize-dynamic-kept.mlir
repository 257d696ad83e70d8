// RUN: kiln-opt --kiln-quantize-dynamic="min-weight-elements=4 allow-none=true exclude=kept" %s | FileCheck %s

// Tests what stays f32, each with its reason: a B computed at run time, an excluded node,
// a weight below min-weight-elements (3 < 4) and a 1-D B.
// CHECK-DAG: {detail = "B is not a constant", node = "dynamic_b", op = "MatMul", quantized = false, weight_shape = array<i64>}
// CHECK-DAG: {detail = "excluded (--quantize-exclude)", node = "kept", op = "MatMul", quantized = false, weight_shape = array<i64: 2, 2>}
// CHECK-DAG: {detail = "weight too small (3 < 4 elements per product)", node = "tiny", op = "MatMul", quantized = false, weight_shape = array<i64: 1, 3>}
// CHECK-DAG: {detail = "B is 1-D (a matrix-vector product)", node = "vector", op = "MatMul", quantized = false, weight_shape = array<i64: 2>}
// CHECK-LABEL: func.func @kept
// CHECK-NOT: onnx.DynamicQuantizeLinear
// CHECK-NOT: onnx.MatMulInteger
// CHECK-COUNT-4: "onnx.MatMul"
func.func @kept(%a: tensor<3x2xf32>, %b: tensor<2x2xf32>, %a1: tensor<3x1xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x3xf32>, tensor<3xf32>) {
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %t = "onnx.Constant"() <{value = dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %v = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.MatMul"(%a, %b) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("dynamic_b")
  %1 = "onnx.MatMul"(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("kept")
  %2 = "onnx.MatMul"(%a1, %t) : (tensor<3x1xf32>, tensor<1x3xf32>) -> tensor<3x3xf32> loc("tiny")
  %3 = "onnx.MatMul"(%a, %v) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3xf32> loc("vector")
  return %0, %1, %2, %3 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x3xf32>, tensor<3xf32>
}
