// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that inference Dropout (no training_mode) is its input with an all-true mask.
// CHECK-LABEL: func.func @dropout_inference
// CHECK-SAME: ([[X:%.+]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.check
// CHECK: [[TRUE:%.+]] = arith.constant true
// CHECK: [[MASK:%.+]] = linalg.fill ins([[TRUE]] : i1)
// CHECK: return [[X]], [[MASK]]
func.func @dropout_inference(%x: tensor<2x3xf32>) -> (tensor<2x3xf32>, tensor<2x3xi1>) {
  %none = "onnx.NoValue"() {value} : () -> none
  %0:2 = "onnx.Dropout"(%x, %none, %none) : (tensor<2x3xf32>, none, none) -> (tensor<2x3xf32>, tensor<2x3xi1>)
  return %0#0, %0#1 : tensor<2x3xf32>, tensor<2x3xi1>
}

// -----

// Tests that training-mode Dropout with a constant ratio 0 drops nothing, with no check.
// CHECK-LABEL: func.func @dropout_zero_ratio
// CHECK-SAME: ([[X:%.+]]: tensor<2x3xf32>)
// CHECK-NOT: kiln.check
// CHECK: return [[X]]
func.func @dropout_zero_ratio(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  %r = "onnx.Constant"() {value = dense<0.0> : tensor<f32>} : () -> tensor<f32>
  %t = "onnx.Constant"() {value = dense<true> : tensor<i1>} : () -> tensor<i1>
  %0:2 = "onnx.Dropout"(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf32>, none)
  return %0#0 : tensor<2x3xf32>
}

// -----

// Tests that Dropout whose training_mode and ratio are inputs checks at run time that
// training mode comes with ratio 0 (a nonzero ratio would draw a random mask).
// CHECK-LABEL: func.func @dropout_runtime
// CHECK-SAME: ([[X:%.+]]: tensor<2x3xf32>, [[R:%.+]]: tensor<f32>, [[T:%.+]]: tensor<i1>)
// CHECK-DAG: [[TV:%.+]] = tensor.extract [[T]][] : tensor<i1>
// CHECK-DAG: [[NOT:%.+]] = arith.xori [[TV]], %true
// CHECK-DAG: [[RV:%.+]] = tensor.extract [[R]][] : tensor<f32>
// CHECK: [[ZERO:%.+]] = arith.cmpf oeq, [[RV]]
// CHECK: [[OK:%.+]] = arith.ori [[NOT]], [[ZERO]]
// CHECK: kiln.check [[OK]], {{.*}} {code = 5 : i32, message = "node 'drop' (Dropout): training mode with a nonzero ratio draws a random mask
// CHECK: return [[X]]
func.func @dropout_runtime(%x: tensor<2x3xf32>, %r: tensor<f32>, %t: tensor<i1>) -> tensor<2x3xf32> {
  %0:2 = "onnx.Dropout"(%x, %r, %t) : (tensor<2x3xf32>, tensor<f32>, tensor<i1>) -> (tensor<2x3xf32>, none) loc("drop")
  return %0#0 : tensor<2x3xf32>
}
