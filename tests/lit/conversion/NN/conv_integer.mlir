// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that ConvInteger widens X and W to i32 minus their zero points before the
// convolution, so the padding (0 after the subtraction) stands for X's zero point.
// CHECK-LABEL: func.func @conv_integer
// CHECK: arith.extui {{.+}} : i8 to i32
// CHECK: arith.subi
// CHECK: arith.extsi {{.+}} : i8 to i32
// CHECK: [[ZERO:%.+]] = arith.constant 0 : i32
// CHECK: tensor.pad
// CHECK: tensor.yield [[ZERO]] : i32
// CHECK: -> tensor<1x4x5x5xi32>
func.func @conv_integer(%x: tensor<1x2x5x5xui8>, %w: tensor<4x2x3x3xi8>, %xz: tensor<ui8>) -> tensor<1x4x5x5xi32> {
  %none = onnx.NoValue
  %0 = "onnx.ConvInteger"(%x, %w, %xz, %none) {pads = array<i64: 1, 1, 1, 1>} : (tensor<1x2x5x5xui8>, tensor<4x2x3x3xi8>, tensor<ui8>, none) -> tensor<1x4x5x5xi32>
  return %0 : tensor<1x4x5x5xi32>
}

// -----

// Tests that QLinearConv reads a per-output-channel weight zero point along W's dim 0 and
// a per-channel w_scale along the output's dim 1 when it requantizes.
// CHECK-DAG: [[OUT:#.+]] = affine_map<(d0, d1, d2, d3) -> (d0)>
// CHECK-DAG: [[CH:#.+]] = affine_map<(d0, d1, d2, d3) -> (d1)>
// CHECK-LABEL: func.func @qlinear_conv
// CHECK: linalg.generic {indexing_maps = [{{.+}}, [[OUT]], {{.+}}]
// CHECK: linalg.generic {indexing_maps = [{{.+}}, {{.+}}, [[CH]], {{.+}}, {{.+}}, {{.+}}]
// CHECK: math.roundeven
func.func @qlinear_conv(%x: tensor<1x2x5x5xui8>, %s: tensor<f32>, %z: tensor<ui8>, %w: tensor<4x2x1x1xi8>, %ws: tensor<4xf32>, %wz: tensor<4xi8>) -> tensor<1x4x5x5xui8> {
  %none = onnx.NoValue
  %0 = "onnx.QLinearConv"(%x, %s, %z, %w, %ws, %wz, %s, %z, %none) : (tensor<1x2x5x5xui8>, tensor<f32>, tensor<ui8>, tensor<4x2x1x1xi8>, tensor<4xf32>, tensor<4xi8>, tensor<f32>, tensor<ui8>, none) -> tensor<1x4x5x5xui8>
  return %0 : tensor<1x4x5x5xui8>
}
