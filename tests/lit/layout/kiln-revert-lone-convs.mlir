// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc --kiln-sink-transposes --kiln-revert-lone-convs --kiln-sink-transposes %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc --kiln-sink-transposes --kiln-revert-lone-convs --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that of the convs below only @audio_stem's and @depthwise_wide's go back to
// channels-first.
// STATS-LABEL: {{^}}kiln-revert-lone-convs{{$}}
// STATS-NEXT: (S) 2 reverted -

// Tests that a lone 1-channel 1-D conv (K = 1 * 1 * 2 = 2 rows of im2col, M = 8 >= 4 * K)
// followed by a Relu becomes an onnx.Conv on the unsqueezed input again, with its weight
// back in the ONNX order (0..15 as given), and that no Transpose is left.
// CHECK-LABEL: func.func @audio_stem
// CHECK-NOT: onnx.Transpose
// CHECK-NOT: kiln.conv_nhwc
// CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}0.000000e+00, 1.000000e+00]]], {{\[\[\[}}2.000000e+00, 3.000000e+00]]],
// CHECK-SAME: tensor<8x1x1x2xf32>
// CHECK: %[[C:.+]] = "onnx.Conv"(%{{.+}}, %[[W]], %{{.+}}) <{auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 1, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 1, 2>}> : (tensor<1x1x1x64xf32>, tensor<8x1x1x2xf32>, none) -> tensor<1x8x1x32xf32>
// CHECK: "onnx.Squeeze"(%[[C]]
// CHECK: "onnx.Relu"
// CHECK-NOT: onnx.Transpose
func.func @audio_stem(%x: tensor<1x1x64xf32>) -> tensor<1x8x32xf32> {
  %w = "onnx.Constant"() {value = dense<[[[0.0, 1.0]], [[2.0, 3.0]], [[4.0, 5.0]], [[6.0, 7.0]], [[8.0, 9.0]], [[10.0, 11.0]], [[12.0, 13.0]], [[14.0, 15.0]]]> : tensor<8x1x2xf32>} : () -> tensor<8x1x2xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %c = "onnx.Conv"(%x, %w, %none) {strides = array<i64: 2>} : (tensor<1x1x64xf32>, tensor<8x1x2xf32>, none) -> tensor<1x8x32xf32>
  %y = "onnx.Relu"(%c) : (tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}

// -----

// Tests that a lone 3-channel image stem (K = 3 * 3 * 3 = 27 > M / 4) stays NHWC.
// CHECK-LABEL: func.func @image_stem
// CHECK: kiln.conv_nhwc
// CHECK-NOT: "onnx.Conv"
func.func @image_stem(%x: tensor<1x3x16x16xf32>) -> tensor<1x16x14x14xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<16x3x3x3xf32>} : () -> tensor<16x3x3x3xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) : (tensor<1x3x16x16xf32>, tensor<16x3x3x3xf32>, none) -> tensor<1x16x14x14xf32>
  return %y : tensor<1x16x14x14xf32>
}

// -----

// Tests that a 1-channel stem whose output feeds another conv stays NHWC: between the two
// 1-D convs (viewed as 2-D of height 1) the sinking leaves a Transpose that moves only
// the unit height, a reshape that costs nothing. The second conv's input is that
// Transpose, and its output is not transposed again, so it stays too.
// CHECK-LABEL: func.func @stem_with_neighbour
// CHECK: kiln.conv_nhwc
// CHECK: kiln.conv_nhwc
// CHECK-NOT: "onnx.Conv"
func.func @stem_with_neighbour(%x: tensor<1x1x64xf32>) -> tensor<1x8x32xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<8x1x2xf32>} : () -> tensor<8x1x2xf32>
  %w2 = "onnx.Constant"() {value = dense<1.0> : tensor<8x8x1xf32>} : () -> tensor<8x8x1xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %c = "onnx.Conv"(%x, %w, %none) {strides = array<i64: 2>} : (tensor<1x1x64xf32>, tensor<8x1x2xf32>, none) -> tensor<1x8x32xf32>
  %r = "onnx.Relu"(%c) : (tensor<1x8x32xf32>) -> tensor<1x8x32xf32>
  %y = "onnx.Conv"(%r, %w2, %none) : (tensor<1x8x32xf32>, tensor<8x8x1xf32>, none) -> tensor<1x8x32xf32>
  return %y : tensor<1x8x32xf32>
}

// -----

// Tests that a lone depthwise 3x3 conv with stride 1 over rows of 32 pixels goes back to a
// channels-first onnx.Conv with group = C, its weight [C, 1, KH, KW] again.
// CHECK-LABEL: func.func @depthwise_wide
// CHECK-NOT: onnx.Transpose
// CHECK: "onnx.Conv"(%{{.+}}, %{{.+}}, %{{.+}}) <{auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 4 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>}> : (tensor<2x4x8x32xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<2x4x8x32xf32>
// CHECK-NOT: onnx.Transpose
func.func @depthwise_wide(%x: tensor<2x4x8x32xf32>) -> tensor<2x4x8x32xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %b = "onnx.Constant"() {value = dense<1.0> : tensor<4xf32>} : () -> tensor<4xf32>
  %y = "onnx.Conv"(%x, %w, %b) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<2x4x8x32xf32>, tensor<4x1x3x3xf32>, tensor<4xf32>) -> tensor<2x4x8x32xf32>
  return %y : tensor<2x4x8x32xf32>
}

// -----

// Tests that lone depthwise convs stay NHWC where the channels-first kernel does not run
// as whole vectors: rows of 16 pixels, and stride 2.
// CHECK-LABEL: func.func @depthwise_narrow_or_strided
// CHECK: kiln.conv_nhwc
// CHECK: kiln.conv_nhwc
// CHECK-NOT: "onnx.Conv"
func.func @depthwise_narrow_or_strided(%x: tensor<1x4x8x16xf32>, %x2: tensor<1x4x8x64xf32>) -> (tensor<1x4x8x16xf32>, tensor<1x4x4x32xf32>) {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x16xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x8x16xf32>
  %y2 = "onnx.Conv"(%x2, %w, %none) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x8x64xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x4x32xf32>
  return %y, %y2 : tensor<1x4x8x16xf32>, tensor<1x4x4x32xf32>
}
