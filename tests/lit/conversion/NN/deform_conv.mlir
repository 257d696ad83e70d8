// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s
// Tests that DeformConv samples the columns bilinearly (four masked taps), then contracts
// them with W per group and collapses the group dim.
// CHECK-LABEL: func.func @deform_conv
// CHECK: linalg.generic
// CHECK: math.floor
// CHECK-COUNT-4: tensor.extract %arg0
// CHECK: tensor.extract %arg4
// CHECK: linalg.yield
// CHECK: tensor.expand_shape
// CHECK: linalg.generic
// CHECK-SAME: "reduction", "reduction", "reduction"
// CHECK: tensor.collapse_shape
func.func @deform_conv(%x: tensor<1x4x5x5xf32>, %w: tensor<2x2x2x2xf32>, %off: tensor<1x16x4x4xf32>, %b: tensor<2xf32>, %m: tensor<1x8x4x4xf32>) -> tensor<1x2x4x4xf32> {
  %0 = "onnx.DeformConv"(%x, %w, %off, %b, %m) <{group = 2 : i64, offset_group = 2 : i64}> : (tensor<1x4x5x5xf32>, tensor<2x2x2x2xf32>, tensor<1x16x4x4xf32>, tensor<2xf32>, tensor<1x8x4x4xf32>) -> tensor<1x2x4x4xf32>
  return %0 : tensor<1x2x4x4xf32>
}
