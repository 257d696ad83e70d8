// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that MaxUnpool checks the indices, scatters X into a flat zero tensor in a loop
// nest and expands it to the unpooled shape.
// CHECK-LABEL: func.func @max_unpool
// CHECK: kiln.check
// CHECK: linalg.fill
// CHECK: scf.for
// CHECK: tensor.insert
// CHECK: tensor.expand_shape {{.*}} output_shape [1, 1, 4, 4]
func.func @max_unpool(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>) -> tensor<1x1x4x4xf32> {
  %n = onnx.NoValue
  %0 = "onnx.MaxUnpool"(%x, %i, %n) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, none) -> tensor<1x1x4x4xf32>
  return %0 : tensor<1x1x4x4xf32>
}

// -----

// Tests that MaxUnpool with output_shape pads the unpooled tensor at the end.
// CHECK-LABEL: func.func @max_unpool_output_shape
// CHECK: tensor.expand_shape
// CHECK: tensor.pad
// CHECK: tensor.cast
func.func @max_unpool_output_shape(%x: tensor<1x1x2x2xf32>, %i: tensor<1x1x2x2xi64>, %s: tensor<4xi64>) -> tensor<1x1x5x5xf32> {
  %0 = "onnx.MaxUnpool"(%x, %i, %s) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x1x2x2xf32>, tensor<1x1x2x2xi64>, tensor<4xi64>) -> tensor<1x1x5x5xf32>
  return %0 : tensor<1x1x5x5xf32>
}
