// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that Adagrad computes r = R / (1 + T * decay) once and updates X and H in one
// generic with two results.
// CHECK-LABEL: func.func @adagrad
// CHECK: arith.sitofp {{.*}} : i64 to f64
// CHECK: arith.divf {{.*}} : f64
// CHECK: arith.truncf {{.*}} : f64 to f32
// CHECK: [[G:%.+]]:2 = linalg.generic
// CHECK: math.sqrt
// CHECK: linalg.yield {{.*}}, {{.*}} : f32, f32
// CHECK: return [[G]]#0, [[G]]#1
func.func @adagrad(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<3x4xf32>, %g: tensor<3x4xf32>, %h: tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>) {
  %0:2 = "onnx.training.Adagrad"(%r, %t, %x, %g, %h) {decay_factor = 0.1 : f32, epsilon = 1.0e-5 : f32, norm_coefficient = 0.001 : f32} : (tensor<f32>, tensor<i64>, tensor<3x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>) -> (tensor<3x4xf32>, tensor<3x4xf32>)
  return %0#0, %0#1 : tensor<3x4xf32>, tensor<3x4xf32>
}

// -----

// Tests that the variadic Adam form gets one generic per optimized tensor, with the
// bias-corrected learning rate (pow of alpha and beta to T) computed once.
// CHECK-LABEL: func.func @adam_multiple
// CHECK-COUNT-2: math.powf
// CHECK: arith.select
// CHECK: [[A:%.+]]:3 = linalg.generic {{.*}} ins({{.*}} : tensor<2xf64>, tensor<2xf64>, tensor<2xf64>, tensor<2xf64>)
// CHECK: [[B:%.+]]:3 = linalg.generic {{.*}} ins({{.*}} : tensor<?x3xf64>, tensor<?x3xf64>, tensor<?x3xf64>, tensor<?x3xf64>)
// CHECK: return [[A]]#0, [[B]]#0, [[A]]#1, [[B]]#1, [[A]]#2, [[B]]#2
func.func @adam_multiple(%r: tensor<f64>, %t: tensor<i64>, %x1: tensor<2xf64>, %x2: tensor<?x3xf64>, %g1: tensor<2xf64>, %g2: tensor<?x3xf64>, %v1: tensor<2xf64>, %v2: tensor<?x3xf64>, %h1: tensor<2xf64>, %h2: tensor<?x3xf64>) -> (tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>) {
  %0:6 = "onnx.training.Adam"(%r, %t, %x1, %x2, %g1, %g2, %v1, %v2, %h1, %h2) {alpha = 0.95 : f32, beta = 0.1 : f32, norm_coefficient_post = 0.01 : f32} : (tensor<f64>, tensor<i64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>) -> (tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>)
  return %0#0, %0#1, %0#2, %0#3, %0#4, %0#5 : tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>, tensor<2xf64>, tensor<?x3xf64>
}

// -----

// Tests that dynamic sizes of G and V are checked against X's at run time.
// CHECK-LABEL: func.func @momentum_dynamic
// CHECK: kiln.check
// CHECK: linalg.generic
func.func @momentum_dynamic(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<?xf32>, %g: tensor<?xf32>, %v: tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>) {
  %0:2 = "onnx.training.Momentum"(%r, %t, %x, %g, %v) {alpha = 0.9 : f32, beta = 0.1 : f32, mode = "standard", norm_coefficient = 0.0 : f32} : (tensor<f32>, tensor<i64>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?xf32>, tensor<?xf32>)
  return %0#0, %0#1 : tensor<?xf32>, tensor<?xf32>
}

// -----

// Tests that Nesterov momentum steps X by G_reg + alpha * V_new (one more multiply-add
// than standard momentum).
// CHECK-LABEL: func.func @nesterov
// CHECK: linalg.generic
// CHECK-COUNT-4: arith.mulf
// CHECK: arith.addf
// CHECK: arith.mulf
// CHECK: arith.subf
func.func @nesterov(%r: tensor<f32>, %t: tensor<i64>, %x: tensor<4xf32>, %g: tensor<4xf32>, %v: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %0:2 = "onnx.training.Momentum"(%r, %t, %x, %g, %v) {alpha = 0.9 : f32, beta = 0.1 : f32, mode = "nesterov", norm_coefficient = 0.01 : f32} : (tensor<f32>, tensor<i64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>)
  return %0#0, %0#1 : tensor<4xf32>, tensor<4xf32>
}
