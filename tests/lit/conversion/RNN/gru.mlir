// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a GRU with linear_before_reset = 0 runs two recurrent matmuls per step: the
// z and r gates accumulate into the step's projection, then (r * H) Rh^T.
// CHECK-LABEL: func.func @gru_default
// CHECK: linalg.matmul {{.*}} -> tensor<6x9xf32>
// CHECK: scf.for
// CHECK: linalg.matmul {{.*}} -> tensor<2x6xf32>
// CHECK: linalg.generic
// CHECK: linalg.matmul {{.*}} -> tensor<2x3xf32>
// CHECK: linalg.generic
// CHECK: math.tanh
// CHECK: scf.yield
func.func @gru_default(%x: tensor<3x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>, %b: tensor<1x18xf32>) -> tensor<1x2x3xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.GRU"(%x, %w, %r, %b, %none, %none) <{hidden_size = 3 : i64}> : (tensor<3x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, tensor<1x18xf32>, none, none) -> (none, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}

// -----

// Tests that a GRU with linear_before_reset = 1 runs one recurrent matmul per step and one
// gate generic that also reads the Rbh slice of B.
// CHECK-LABEL: func.func @gru_linear_before_reset
// CHECK: scf.for
// CHECK: linalg.matmul {{.*}} -> tensor<2x9xf32>
// CHECK-NOT: linalg.matmul
// CHECK: linalg.generic
// CHECK: scf.yield
func.func @gru_linear_before_reset(%x: tensor<3x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>, %b: tensor<1x18xf32>) -> tensor<3x1x2x3xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.GRU"(%x, %w, %r, %b, %none, %none) <{hidden_size = 3 : i64, linear_before_reset = 1 : i64}> : (tensor<3x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, tensor<1x18xf32>, none, none) -> (tensor<3x1x2x3xf32>, none)
  return %y : tensor<3x1x2x3xf32>
}

// -----

// Tests that GRU-1 (misspelt default direction "foward", an output_sequence attribute) is
// lowered by the same pattern.
// CHECK-LABEL: func.func @gru_v1
// CHECK: scf.for
func.func @gru_v1(%x: tensor<3x2x4xf32>, %w: tensor<1x9x4xf32>, %r: tensor<1x9x3xf32>) -> tensor<1x2x3xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.GRUV1"(%x, %w, %r, %none, %none, %none) <{hidden_size = 3 : i64, output_sequence = 0 : i64}> : (tensor<3x2x4xf32>, tensor<1x9x4xf32>, tensor<1x9x3xf32>, none, none, none) -> (none, tensor<1x2x3xf32>)
  return %yh : tensor<1x2x3xf32>
}
