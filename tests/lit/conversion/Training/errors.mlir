// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s

// Tests that a Momentum mode other than standard and nesterov is rejected.
// CHECK: node 'mom_mode' (training.Momentum): cannot be compiled: mode must be "standard" or "nesterov", got "heavy"
func.func @momentum_mode(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = "onnx.training.Momentum"(%r, %t, %x, %x, %x) {alpha = 0.9 : f32, beta = 0.1 : f32, mode = "heavy", norm_coefficient = 0.0 : f32} : (tensor<f32>, tensor<i64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) loc("mom_mode")
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a gradient whose static shape differs from X's is rejected.
// CHECK: node 'adagrad_shape' (training.Adagrad): cannot be compiled: input 3 has size 3 in dim 0 where X1 has 4
func.func @adagrad_shape(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<4xf32>, %g: tensor<3xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = "onnx.training.Adagrad"(%r, %t, %x, %g, %x) : (tensor<f32>, tensor<i64>, tensor<4xf32>, tensor<3xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) loc("adagrad_shape")
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xf32>
}

// -----

// Tests that a learning rate R with several elements is rejected.
// CHECK: node 'adam_r' (training.Adam): cannot be compiled: R must be a scalar, got 2 elements
func.func @adam_r(%r: tensor<2xf32>, %t: tensor<i64>, %x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) {
  %0:3 = "onnx.training.Adam"(%r, %t, %x, %x, %x, %x) : (tensor<2xf32>, tensor<i64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) loc("adam_r")
  return %0#0, %0#1, %0#2 : tensor<4xf32>, tensor<4xf32>, tensor<4xf32>
}
