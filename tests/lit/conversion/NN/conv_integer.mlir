// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that ConvInteger widens W to i32 minus its zero point, pads X with its zero
// point while still 8-bit, copies the im2col columns as bytes (marked for the CPU
// backend's row vectorizer) and widens them (minus the zero point, so the padding becomes
// 0) right before the contraction.
// CHECK-LABEL: func.func @conv_integer
// CHECK: [[XZ:%.+]] = tensor.extract %arg2[] : tensor<i8>
// CHECK: arith.extsi {{.+}} : i8 to i32
// CHECK: tensor.pad
// CHECK: tensor.yield [[XZ]] : i8
// CHECK: linalg.generic {{.+}} attrs =  {kiln.vectorize}
// CHECK: } -> tensor<1x2x3x3x5x5xi8>
// CHECK: tensor.collapse_shape {{.+}} into tensor<1x18x25xi8>
// CHECK: linalg.generic
// CHECK: arith.extui {{.+}} : i8 to i32
// CHECK: arith.extui {{.+}} : i8 to i32
// CHECK: arith.subi
// CHECK: } -> tensor<1x18x25xi32>
// CHECK: arith.muli {{.+}} : i32
// CHECK: into tensor<1x4x5x5xi32>
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
