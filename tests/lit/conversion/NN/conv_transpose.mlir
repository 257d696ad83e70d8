// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that a 2x2 stride-2 ConvTranspose (kernel = stride, no padding) computes the tap
// products as one contraction into [n, m, kh, kw, ih, iw] and then copies them into the
// output viewed as [n, m, ih, kh, iw, kw] (loops ..., kw, iw: cols read row by row), with
// no gather arithmetic, and with dynamic spatial sizes too.
// CHECK-LABEL: func.func @conv_transpose_2x2_s2
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<3x4x2x2xf32>, tensor<1x3x?x?xf32>) outs(%{{.+}} : tensor<1x4x2x2x?x?xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {indexing_maps = [#[[COLS:.+]], #[[OUT:.+]]], {{.*}} ins(%{{.+}} : tensor<1x4x2x2x?x?xf32>) outs(%{{.+}} : tensor<1x4x?x2x?x2xf32>)
// CHECK-NEXT: ^bb0(%[[IN:.+]]: f32, %{{.+}}: f32):
// CHECK-NEXT: linalg.yield %[[IN]] : f32
// CHECK: tensor.collapse_shape {{.*}} : tensor<1x4x?x2x?x2xf32> into tensor<1x4x?x?xf32>
// CHECK-NOT: arith.remui
// CHECK: return
func.func @conv_transpose_2x2_s2(%x: tensor<1x3x?x?xf32>) -> tensor<1x4x?x?xf32> {
  %w = "onnx.Constant"() <{value = dense<0.5> : tensor<3x4x2x2xf32>}> : () -> tensor<3x4x2x2xf32>
  %none = onnx.NoValue
  %0 = "onnx.ConvTranspose"(%x, %w, %none) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x?x?xf32>, tensor<3x4x2x2xf32>, none) -> tensor<1x4x?x?xf32>
  return %0 : tensor<1x4x?x?xf32>
}

// -----

// Tests that a ConvTranspose whose taps overlap (3x3, stride 2) still gathers them: an
// output pixel takes the taps whose (o + pad - k) divides by the stride.
// CHECK-LABEL: func.func @conv_transpose_3x3_s2
// CHECK: arith.remui
// CHECK: arith.divui
func.func @conv_transpose_3x3_s2(%x: tensor<1x3x4x4xf32>) -> tensor<1x4x9x9xf32> {
  %w = "onnx.Constant"() <{value = dense<0.5> : tensor<3x4x3x3xf32>}> : () -> tensor<3x4x3x3xf32>
  %none = onnx.NoValue
  %0 = "onnx.ConvTranspose"(%x, %w, %none) {kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x3x4x4xf32>, tensor<3x4x3x3xf32>, none) -> tensor<1x4x9x9xf32>
  return %0 : tensor<1x4x9x9xf32>
}

// -----

// Tests that with kernel = stride the bias is added to the taps (each output pixel takes
// exactly one), which fusion then folds into the permutation copy, not in a pass over
// the output after the copy.
// CHECK-LABEL: func.func @conv_transpose_2x2_s2_bias
// CHECK: linalg.generic {{.*}} outs(%{{.+}} : tensor<1x4x2x2x3x3xf32>)
// CHECK: arith.mulf
// CHECK: linalg.generic {{.*}} ins(%{{.+}}, %{{.+}} : tensor<1x4x2x2x3x3xf32>, tensor<4xf32>)
// CHECK: arith.addf
// CHECK: linalg.generic {{.*}} ins(%{{.+}} : tensor<1x4x2x2x3x3xf32>) outs(%{{.+}} : tensor<1x4x3x2x3x2xf32>)
// CHECK-NOT: arith.addf
// CHECK: return
func.func @conv_transpose_2x2_s2_bias(%x: tensor<1x3x3x3xf32>, %b: tensor<4xf32>) -> tensor<1x4x6x6xf32> {
  %w = "onnx.Constant"() <{value = dense<0.5> : tensor<3x4x2x2xf32>}> : () -> tensor<3x4x2x2xf32>
  %0 = "onnx.ConvTranspose"(%x, %w, %b) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x3x3x3xf32>, tensor<3x4x2x2xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  return %0 : tensor<1x4x6x6xf32>
}
