// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that onnx.Constant becomes arith.constant, with ui8 data made signless and the
// value_ints / value_float forms turned into tensors.
// CHECK-LABEL: func.func @constant() -> (tensor<2xf32>, tensor<2xi8>, tensor<3xi64>, tensor<f32>)
// CHECK-DAG: arith.constant dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>
// CHECK-DAG: arith.constant dense<[1, -1]> : tensor<2xi8>
// CHECK-DAG: arith.constant dense<[1, 2, 3]> : tensor<3xi64>
// CHECK-DAG: arith.constant dense<2.500000e+00> : tensor<f32>
// CHECK-NOT: onnx.
func.func @constant() -> (tensor<2xf32>, tensor<2xui8>, tensor<3xi64>, tensor<f32>) {
  %0 = "onnx.Constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %1 = "onnx.Constant"() {value = dense<[1, 255]> : tensor<2xui8>} : () -> tensor<2xui8>
  %2 = "onnx.Constant"() {value_ints = array<i64: 1, 2, 3>} : () -> tensor<3xi64>
  %3 = "onnx.Constant"() {value_float = 2.5 : f32} : () -> tensor<f32>
  return %0, %1, %2, %3 : tensor<2xf32>, tensor<2xui8>, tensor<3xi64>, tensor<f32>
}

// -----

// Tests that a dense_resource constant (an initializer) keeps its blob, retyped to signless.
// CHECK-LABEL: func.func @constant_resource() -> tensor<2xi64>
// CHECK: [[C:%.+]] = arith.constant dense_resource<blob> : tensor<2xi64>
// CHECK: return [[C]]
func.func @constant_resource() -> tensor<2xui64> {
  %0 = "onnx.Constant"() {value = dense_resource<blob> : tensor<2xui64>} : () -> tensor<2xui64>
  return %0 : tensor<2xui64>
}
{-#
  dialect_resources: {
    builtin: {
      blob: "0x0800000001000000000000000200000000000000"
    }
  }
#-}

// -----

// Tests that ConstantOfShape fills a tensor whose dynamic size comes from the shape input.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK-SAME: ([[S:%.+]]: tensor<2xi64>)
// CHECK: [[E:%.+]] = tensor.extract [[S]][%c1{{.*}}] : tensor<2xi64>
// CHECK: [[N:%.+]] = arith.index_cast [[E]] : i64 to index
// CHECK: [[EMPTY:%.+]] = tensor.empty([[N]]) : tensor<2x?xf32>
// CHECK: [[V:%.+]] = arith.constant 3.500000e+00 : f32
// CHECK: linalg.fill ins([[V]] : f32) outs([[EMPTY]] : tensor<2x?xf32>)
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<2x?xf32> {
  %0 = "onnx.ConstantOfShape"(%s) {value = dense<3.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<2x?xf32>
  return %0 : tensor<2x?xf32>
}
