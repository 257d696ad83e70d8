// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a reverse RNN walks the steps backwards (T - 1 - t) and applies its
// activation (Relu here) after the clip.
// CHECK-LABEL: func.func @rnn_reverse
// CHECK: scf.for [[T:%[a-z0-9]+]] =
// CHECK: arith.subi {{.*}}[[T]]
// CHECK: linalg.matmul
// CHECK: linalg.generic
// CHECK: arith.minimumf
// CHECK: arith.maximumf
// CHECK: scf.yield
func.func @rnn_reverse(%x: tensor<5x2x4xf32>, %w: tensor<1x3x4xf32>, %r: tensor<1x3x3xf32>) -> tensor<5x1x2x3xf32> {
  %none = onnx.NoValue
  %y, %yh = "onnx.RNN"(%x, %w, %r, %none, %none, %none) <{direction = "reverse", hidden_size = 3 : i64, activations = ["Relu"], clip = 1.0 : f32}> : (tensor<5x2x4xf32>, tensor<1x3x4xf32>, tensor<1x3x3xf32>, none, none, none) -> (tensor<5x1x2x3xf32>, none)
  return %y : tensor<5x1x2x3xf32>
}
