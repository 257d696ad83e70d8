// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats counts the rewritten convolutions: @pads, @same_upper, @pointwise,
// the two of @dynamic_sizes, @conv_1d and @conv_3d (group 1), @depthwise and
// @depthwise_3d, @grouped and @grouped_3d; 3-D: @conv_3d, @depthwise_3d, @grouped_3d.
// STATS-LABEL: {{^}}kiln-convert-layout-nhwc{{$}}
// STATS-NEXT: (S) 7 conv-nhwc -
// STATS-NEXT: (S) 2 depthwise-nhwc -
// STATS-NEXT: (S) 2 grouped-nhwc -
// STATS-NEXT: (S) 3 ndhwc -

// Tests that a padded Conv with bias becomes Transpose -> kiln.conv_nhwc -> Transpose, with
// W [M, C, KH, KW] = [2, 2, 1, 2] holding 0..7 transposed to [KH, KW, C, M].
// CHECK-LABEL: func.func @pads
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x4x4xf32>)
// CHECK-DAG: %[[B:.+]] = "onnx.Constant"() <{value = dense<[1.000000e+00, 2.000000e+00]> : tensor<2xf32>}>
// CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}0.000000e+00, 4.000000e+00], [2.000000e+00, 6.000000e+00]], {{\[\[}}1.000000e+00, 5.000000e+00], [3.000000e+00, 7.000000e+00]]]]> : tensor<1x2x2x2xf32>}>
// CHECK-DAG: %[[XT:.+]] = "onnx.Transpose"(%[[X]]) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
// CHECK: %[[C:.+]] = kiln.conv_nhwc %[[XT]], %[[W]], %[[B]] {dilations = array<i64: 1, 1>, pads = array<i64: 1, 0, 1, 2>, strides = array<i64: 1, 1>} : (tensor<1x4x4x2xf32>, tensor<1x2x2x2xf32>, tensor<2xf32>) -> tensor<1x6x5x2xf32>
// CHECK: %[[Y:.+]] = "onnx.Transpose"(%[[C]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x6x5x2xf32>) -> tensor<1x2x6x5xf32>
// CHECK: return %[[Y]]
func.func @pads(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x6x5xf32> {
  %w = "onnx.Constant"() {value = dense<[[[[0.0, 1.0]], [[2.0, 3.0]]], [[[4.0, 5.0]], [[6.0, 7.0]]]]> : tensor<2x2x1x2xf32>} : () -> tensor<2x2x1x2xf32>
  %b = "onnx.Constant"() {value = dense<[1.0, 2.0]> : tensor<2xf32>} : () -> tensor<2xf32>
  %y = "onnx.Conv"(%x, %w, %b) {pads = array<i64: 1, 0, 1, 2>} : (tensor<1x2x4x4xf32>, tensor<2x2x1x2xf32>, tensor<2xf32>) -> tensor<1x2x6x5xf32>
  return %y : tensor<1x2x6x5xf32>
}

// -----

// Tests that auto_pad SAME_UPPER is resolved to explicit pads (8x8, kernel 3, stride 2:
// 1 pad row/column in total, at the end), with a dynamic batch and no bias.
// CHECK-LABEL: func.func @same_upper
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<?x8x8x3xf32>, tensor<3x3x3x4xf32>) -> tensor<?x4x4x4xf32>
func.func @same_upper(%x: tensor<?x3x8x8xf32>) -> tensor<?x4x4x4xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x3x3x3xf32>} : () -> tensor<4x3x3x3xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<?x3x8x8xf32>, tensor<4x3x3x3xf32>, none) -> tensor<?x4x4x4xf32>
  return %y : tensor<?x4x4x4xf32>
}

// -----

// Tests that a 1x1 Conv keeps its [M, C] weight as [1, 1, C, M].
// CHECK-LABEL: func.func @pointwise
// CHECK: "onnx.Constant"() <{value = dense<{{\[\[\[\[}}1.000000e+00, 3.000000e+00], [2.000000e+00, 4.000000e+00]]]]> : tensor<1x1x2x2xf32>}>
// CHECK: kiln.conv_nhwc
func.func @pointwise(%x: tensor<2x2x3x3xf32>) -> tensor<2x2x3x3xf32> {
  %w = "onnx.Constant"() {value = dense<[[[[1.0]], [[2.0]]], [[[3.0]], [[4.0]]]]> : tensor<2x2x1x1xf32>} : () -> tensor<2x2x1x1xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) : (tensor<2x2x3x3xf32>, tensor<2x2x1x1xf32>, none) -> tensor<2x2x3x3xf32>
  return %y : tensor<2x2x3x3xf32>
}

// -----

// Tests that a depthwise Conv (group == C == M) becomes kiln.conv_nhwc with group 4 and
// W [4, 1, 3, 3] as [3, 3, 1, 4].
// CHECK-LABEL: func.func @depthwise
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, group = 4 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<3x3x1x4xf32>) -> tensor<1x8x8x4xf32>
func.func @depthwise(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x1x3x3xf32>} : () -> tensor<4x1x3x3xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) {group = 4 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Tests that a grouped (not depthwise) Conv becomes kiln.conv_nhwc with its group and
// the [M, C/G, KH, KW] weight transposed to [KH, KW, C/G, M].
// CHECK-LABEL: func.func @grouped
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, group = 2 : i64, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x8x8x4xf32>, tensor<3x3x2x4xf32>) -> tensor<1x8x8x4xf32>
// CHECK-NOT: "onnx.Conv"
func.func @grouped(%x: tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x2x3x3xf32>} : () -> tensor<4x2x3x3xf32>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) {group = 2 : i64, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>, tensor<4x2x3x3xf32>, none) -> tensor<1x4x8x8xf32>
  return %y : tensor<1x4x8x8xf32>
}

// -----

// Tests that a Conv whose weight is not a constant, or whose SAME pads of a strided
// window depend on a dynamic size, is left NCHW.
// CHECK-LABEL: func.func @near_misses
// CHECK-NOT: kiln.conv_nhwc
// CHECK-COUNT-2: "onnx.Conv"
func.func @near_misses(%x: tensor<1x4x8x8xf32>, %w: tensor<4x4x3x3xf32>, %d: tensor<1x4x?x?xf32>) -> (tensor<1x4x6x6xf32>, tensor<1x4x?x?xf32>) {
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.Conv"(%x, %w, %none) : (tensor<1x4x8x8xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  %c = "onnx.Constant"() {value = dense<1.0> : tensor<4x4x3x3xf32>} : () -> tensor<4x4x3x3xf32>
  %z = "onnx.Conv"(%d, %c, %none) {auto_pad = "SAME_UPPER", strides = array<i64: 2, 2>} : (tensor<1x4x?x?xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x?xf32>
  return %y, %z : tensor<1x4x6x6xf32>, tensor<1x4x?x?xf32>
}

// -----

// Tests that a Conv on dynamic image sizes becomes kiln.conv_nhwc when its pads do not
// depend on the size: explicit pads, or SAME with stride 1 (the total pad is the kernel
// extent less 1).
// CHECK-LABEL: func.func @dynamic_sizes
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x?x?x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x?x?x4xf32>
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x?x?x4xf32>, tensor<3x3x4x4xf32>) -> tensor<1x?x?x4xf32>
// CHECK-NOT: "onnx.Conv"
func.func @dynamic_sizes(%d: tensor<1x4x?x?xf32>) -> (tensor<1x4x?x?xf32>, tensor<1x4x?x?xf32>) {
  %none = "onnx.NoValue"() {value} : () -> none
  %c = "onnx.Constant"() {value = dense<1.0> : tensor<4x4x3x3xf32>} : () -> tensor<4x4x3x3xf32>
  %y = "onnx.Conv"(%d, %c, %none) {pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x4x?x?xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x?xf32>
  %z = "onnx.Conv"(%d, %c, %none) {auto_pad = "SAME_UPPER"} : (tensor<1x4x?x?xf32>, tensor<4x4x3x3xf32>, none) -> tensor<1x4x?x?xf32>
  return %y, %z : tensor<1x4x?x?xf32>, tensor<1x4x?x?xf32>
}

// -----

// Tests that a 1-D Conv (a strided audio encoder layer, dynamic batch) is the 2-D one of
// height 1: Unsqueeze to [N, C, 1, W], W [M, C, K] viewed as [M, C, 1, K] and transposed to
// [1, K, C, M], strides/dilations/pads widened with the unit height, and Squeeze back.
// CHECK-LABEL: func.func @conv_1d
// CHECK-SAME: (%[[X:.+]]: tensor<?x3x10xf32>)
// CHECK: %[[U:.+]] = "onnx.Unsqueeze"(%[[X]], %{{.+}}) : (tensor<?x3x10xf32>, tensor<1xi64>) -> tensor<?x3x1x10xf32>
// CHECK: %[[XT:.+]] = "onnx.Transpose"(%[[U]]) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<?x3x1x10xf32>) -> tensor<?x1x10x3xf32>
// CHECK: %[[C:.+]] = kiln.conv_nhwc %[[XT]], %{{.+}} {dilations = array<i64: 1, 1>, pads = array<i64: 0, 1, 0, 1>, strides = array<i64: 1, 2>} : (tensor<?x1x10x3xf32>, tensor<1x3x3x4xf32>) -> tensor<?x1x5x4xf32>
// CHECK: %[[YT:.+]] = "onnx.Transpose"(%[[C]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<?x1x5x4xf32>) -> tensor<?x4x1x5xf32>
// CHECK: %[[Y:.+]] = "onnx.Squeeze"(%[[YT]], %{{.+}}) : (tensor<?x4x1x5xf32>, tensor<1xi64>) -> tensor<?x4x5xf32>
// CHECK: return %[[Y]]
func.func @conv_1d(%x: tensor<?x3x10xf32>) -> tensor<?x4x5xf32> {
  %w = "onnx.Constant"() {value = dense<1.0> : tensor<4x3x3xf32>} : () -> tensor<4x3x3xf32>
  %none = onnx.NoValue
  %y = "onnx.Conv"(%x, %w, %none) {kernel_shape = array<i64: 3>, pads = array<i64: 1, 1>, strides = array<i64: 2>} : (tensor<?x3x10xf32>, tensor<4x3x3xf32>, none) -> tensor<?x4x5xf32>
  return %y : tensor<?x4x5xf32>
}

// -----

// Tests that a 3-D Conv becomes NDHWC: Transpose [0, 2, 3, 4, 1], kiln.conv_nhwc with 3
// strides and dilations and 6 pads, W [M, C, KD, KH, KW] = [2, 1, 2, 1, 2] holding 0..7
// transposed to [KD, KH, KW, C, M], Transpose [0, 4, 1, 2, 3] back.
// CHECK-LABEL: func.func @conv_3d
// CHECK-SAME: (%[[X:.+]]: tensor<1x1x4x5x6xf32>)
// CHECK-DAG: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[\[}}0.000000e+00, 4.000000e+00]], {{\[\[}}1.000000e+00, 5.000000e+00]]]], {{\[\[\[\[}}2.000000e+00, 6.000000e+00]], {{\[\[}}3.000000e+00, 7.000000e+00]]]]]> : tensor<2x1x2x1x2xf32>}>
// CHECK-DAG: %[[XT:.+]] = "onnx.Transpose"(%[[X]]) <{perm = array<i64: 0, 2, 3, 4, 1>}> : (tensor<1x1x4x5x6xf32>) -> tensor<1x4x5x6x1xf32>
// CHECK: %[[C:.+]] = kiln.conv_nhwc %[[XT]], %[[W]] {dilations = array<i64: 1, 1, 2>, pads = array<i64: 1, 0, 1, 0, 0, 1>, strides = array<i64: 2, 1, 1>} : (tensor<1x4x5x6x1xf32>, tensor<2x1x2x1x2xf32>) -> tensor<1x2x5x6x2xf32>
// CHECK: %[[Y:.+]] = "onnx.Transpose"(%[[C]]) <{perm = array<i64: 0, 4, 1, 2, 3>}> : (tensor<1x2x5x6x2xf32>) -> tensor<1x2x2x5x6xf32>
// CHECK: return %[[Y]]
func.func @conv_3d(%x: tensor<1x1x4x5x6xf32>) -> tensor<1x2x2x5x6xf32> {
  %w = "onnx.Constant"() {value = dense<[[[[[0.0, 1.0]], [[2.0, 3.0]]]], [[[[4.0, 5.0]], [[6.0, 7.0]]]]]> : tensor<2x1x2x1x2xf32>} : () -> tensor<2x1x2x1x2xf32>
  %none = onnx.NoValue
  %y = "onnx.Conv"(%x, %w, %none) {dilations = array<i64: 1, 1, 2>, pads = array<i64: 1, 0, 1, 0, 0, 1>, strides = array<i64: 2, 1, 1>} : (tensor<1x1x4x5x6xf32>, tensor<2x1x2x1x2xf32>, none) -> tensor<1x2x2x5x6xf32>
  return %y : tensor<1x2x2x5x6xf32>
}

// -----

// Tests that 3-D depthwise and grouped Convs on dynamic D, H and W become NDHWC
// kiln.conv_nhwc too (explicit pads do not depend on the sizes).
// CHECK-LABEL: func.func @dynamic_3d
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1, 1>, group = 4 : i64, pads = array<i64: 1, 0, 0, 1, 0, 0>, strides = array<i64: 1, 1, 1>} : (tensor<1x?x?x?x4xf32>, tensor<3x1x1x1x4xf32>) -> tensor<1x?x?x?x4xf32>
// CHECK: kiln.conv_nhwc %{{.+}}, %{{.+}} {dilations = array<i64: 1, 1, 1>, group = 2 : i64, pads = array<i64: 0, 1, 1, 0, 1, 1>, strides = array<i64: 1, 2, 2>} : (tensor<1x?x?x?x4xf32>, tensor<1x3x3x2x6xf32>) -> tensor<1x?x?x?x6xf32>
// CHECK-NOT: "onnx.Conv"
func.func @dynamic_3d(%x: tensor<1x4x?x?x?xf32>) -> (tensor<1x4x?x?x?xf32>, tensor<1x6x?x?x?xf32>) {
  %none = onnx.NoValue
  %dw = "onnx.Constant"() {value = dense<1.0> : tensor<4x1x3x1x1xf32>} : () -> tensor<4x1x3x1x1xf32>
  %y = "onnx.Conv"(%x, %dw, %none) {group = 4 : i64, pads = array<i64: 1, 0, 0, 1, 0, 0>} : (tensor<1x4x?x?x?xf32>, tensor<4x1x3x1x1xf32>, none) -> tensor<1x4x?x?x?xf32>
  %gw = "onnx.Constant"() {value = dense<1.0> : tensor<6x2x1x3x3xf32>} : () -> tensor<6x2x1x3x3xf32>
  %z = "onnx.Conv"(%x, %gw, %none) {group = 2 : i64, pads = array<i64: 0, 1, 1, 0, 1, 1>, strides = array<i64: 1, 2, 2>} : (tensor<1x4x?x?x?xf32>, tensor<6x2x1x3x3xf32>, none) -> tensor<1x6x?x?x?xf32>
  return %y, %z : tensor<1x4x?x?x?xf32>, tensor<1x6x?x?x?xf32>
}
