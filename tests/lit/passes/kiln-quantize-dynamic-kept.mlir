// RUN: kiln-opt --kiln-quantize-dynamic="min-weight-elements=4 allow-none=true exclude=kept" %s | FileCheck %s

// Tests what stays f32, each with its reason: a B computed at run time, an excluded node,
// a weight below min-weight-elements (3 < 4), a 1-D B and a grouped Conv.
// CHECK-DAG: {detail = "B is not a constant", node = "dynamic_b", op = "MatMul", quantized = false, weight_shape = array<i64>}
// CHECK-DAG: {detail = "excluded (--quantize-exclude)", node = "kept", op = "MatMul", quantized = false, weight_shape = array<i64: 2, 2>}
// CHECK-DAG: {detail = "weight too small (3 < 4 elements per product)", node = "tiny", op = "MatMul", quantized = false, weight_shape = array<i64: 1, 3>}
// CHECK-DAG: {detail = "B is 1-D (a matrix-vector product)", node = "vector", op = "MatMul", quantized = false, weight_shape = array<i64: 2>}
// CHECK-DAG: {detail = "grouped convolution (group = 2; the 8-bit kernel takes group 1)", node = "grouped", op = "Conv", quantized = false, weight_shape = array<i64: 4, 1, 2, 2>}
// CHECK-LABEL: func.func @kept
// CHECK-NOT: onnx.DynamicQuantizeLinear
// CHECK-NOT: onnx.MatMulInteger
// CHECK-COUNT-4: "onnx.MatMul"
func.func @kept(%a: tensor<3x2xf32>, %b: tensor<2x2xf32>, %a1: tensor<3x1xf32>, %x: tensor<1x2x4x4xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<1x4x3x3xf32>) {
  %cw = "onnx.Constant"() <{value = dense<1.0> : tensor<4x1x2x2xf32>}> : () -> tensor<4x1x2x2xf32>
  %none = onnx.NoValue
  %w = "onnx.Constant"() <{value = dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>}> : () -> tensor<2x2xf32>
  %t = "onnx.Constant"() <{value = dense<[[1.0, 2.0, 3.0]]> : tensor<1x3xf32>}> : () -> tensor<1x3xf32>
  %v = "onnx.Constant"() <{value = dense<[1.0, 2.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %0 = "onnx.MatMul"(%a, %b) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("dynamic_b")
  %1 = "onnx.MatMul"(%a, %w) : (tensor<3x2xf32>, tensor<2x2xf32>) -> tensor<3x2xf32> loc("kept")
  %2 = "onnx.MatMul"(%a1, %t) : (tensor<3x1xf32>, tensor<1x3xf32>) -> tensor<3x3xf32> loc("tiny")
  %3 = "onnx.MatMul"(%a, %v) : (tensor<3x2xf32>, tensor<2xf32>) -> tensor<3xf32> loc("vector")
  %4 = "onnx.Conv"(%x, %cw, %none) {group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<4x1x2x2xf32>, none) -> tensor<1x4x3x3xf32> loc("grouped")
  return %0, %1, %2, %3, %4 : tensor<3x2xf32>, tensor<3x2xf32>, tensor<3x3xf32>, tensor<3xf32>, tensor<1x4x3x3xf32>
}
