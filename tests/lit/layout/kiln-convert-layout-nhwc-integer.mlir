// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc %s | FileCheck %s
// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-convert-layout-nhwc --kiln-stats %s -o /dev/null 2>&1 | FileCheck %s --check-prefix=STATS

// Tests that --kiln-stats counts the ConvIntegers made MatMulIntegers: pointwise ones
// (@pointwise, @same_upper_no_zero_points) and windowed ones (@windowed,
// @strided_pointwise).
// STATS-LABEL: {{^}}kiln-convert-layout-nhwc{{$}}
// STATS: (S) 2 pointwise-conv-integer -
// STATS-NEXT: (S) 2 windowed-conv-integer -

// Tests that a 1x1 ConvInteger becomes Transpose -> MatMulInteger -> Transpose, with
// W [M, C, 1, 1] = [3, 2, 1, 1] holding 1..6 as [KH, KW, C, M] viewed [C, M] =
// [[1, 3, 5], [2, 4, 6]] and the
// per-channel w_zero_point kept as MatMulInteger's per-column one; the batch is dynamic.
// CHECK-LABEL: func.func @pointwise
// CHECK-SAME: (%[[X:.+]]: tensor<?x2x4x5xui8>, %[[ZX:.+]]: tensor<ui8>)
// CHECK-DAG: %[[ZW:.+]] = "onnx.Constant"() <{value = dense<[0, 1, -1]> : tensor<3xi8>}>
// CHECK-DAG: %[[W4:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}1, 3, 5], [2, 4, 6]]]]> : tensor<1x1x2x3xi8>}>
// CHECK-DAG: %[[W:.+]] = "onnx.Reshape"(%[[W4]], %{{.+}}) : (tensor<1x1x2x3xi8>, tensor<2xi64>) -> tensor<2x3xi8>
// CHECK: %[[XT:.+]] = "onnx.Transpose"(%[[X]]) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<?x2x4x5xui8>) -> tensor<?x4x5x2xui8>
// CHECK: %[[P:.+]] = "onnx.MatMulInteger"(%[[XT]], %[[W]], %[[ZX]], %[[ZW]]) : (tensor<?x4x5x2xui8>, tensor<2x3xi8>, tensor<ui8>, tensor<3xi8>) -> tensor<?x4x5x3xi32>
// CHECK: %[[Y:.+]] = "onnx.Transpose"(%[[P]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<?x4x5x3xi32>) -> tensor<?x3x4x5xi32>
// CHECK: return %[[Y]]
// CHECK-NOT: onnx.ConvInteger
func.func @pointwise(%x: tensor<?x2x4x5xui8>, %zx: tensor<ui8>) -> tensor<?x3x4x5xi32> {
  %w = "onnx.Constant"() {value = dense<[[[[1]], [[2]]], [[[3]], [[4]]], [[[5]], [[6]]]]> : tensor<3x2x1x1xi8>} : () -> tensor<3x2x1x1xi8>
  %zw = "onnx.Constant"() {value = dense<[0, 1, -1]> : tensor<3xi8>} : () -> tensor<3xi8>
  %y = "onnx.ConvInteger"(%x, %w, %zx, %zw) {kernel_shape = array<i64: 1, 1>, strides = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>} : (tensor<?x2x4x5xui8>, tensor<3x2x1x1xi8>, tensor<ui8>, tensor<3xi8>) -> tensor<?x3x4x5xi32>
  return %y : tensor<?x3x4x5xi32>
}

// -----

// Tests that SAME_UPPER with a 1x1 kernel pads nothing and that absent zero points stay
// absent.
// CHECK-LABEL: func.func @same_upper_no_zero_points
// CHECK: "onnx.MatMulInteger"(%{{.+}}, %{{.+}}, %{{.+}}, %{{.+}}) : (tensor<1x3x3x2xi8>, tensor<2x2xi8>, none, none) -> tensor<1x3x3x2xi32>
func.func @same_upper_no_zero_points(%x: tensor<1x2x3x3xi8>) -> tensor<1x2x3x3xi32> {
  %w = "onnx.Constant"() {value = dense<1> : tensor<2x2x1x1xi8>} : () -> tensor<2x2x1x1xi8>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.ConvInteger"(%x, %w, %none, %none) {auto_pad = "SAME_UPPER"} : (tensor<1x2x3x3xi8>, tensor<2x2x1x1xi8>, none, none) -> tensor<1x2x3x3xi32>
  return %y : tensor<1x2x3x3xi32>
}

// -----

// Tests that a strided, padded 2x1 ConvInteger on 16 channels gathers its columns
// channels-last: x's zero point (a one-element tensor, as a scalar) pads, one strided
// Slice per tap (top-left corners (0, 0) and (1, 0)), concatenated on the channels in the
// order of W's rows: [M, C, KH, KW] = [1, 16, 2, 1] holding 0..31 becomes [KH, KW, C, M]
// (tap 0 holds the even values, tap 1 the odd ones) viewed [32, 1].
// CHECK-LABEL: func.func @windowed
// CHECK-SAME: (%[[X:.+]]: tensor<?x16x5x5xui8>, %[[ZX:.+]]: tensor<1xui8>)
// CHECK: %[[W:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}0], [2], [4], [6], [8], [10], [12], [14], [16], [18], [20], [22], [24], [26], [28], [30]]], {{\[\[\[}}1], [3], [5], [7], [9], [11], [13], [15], [17], [19], [21], [23], [25], [27], [29], [31]]]]> : tensor<2x1x16x1xi8>}>
// CHECK: %[[W2:.+]] = "onnx.Reshape"(%[[W]], %{{.+}}) : (tensor<2x1x16x1xi8>, tensor<2xi64>) -> tensor<32x1xi8>
// CHECK: %[[XT:.+]] = "onnx.Transpose"(%[[X]]) <{perm = array<i64: 0, 2, 3, 1>}>
// CHECK: %[[Z:.+]] = "onnx.Reshape"(%[[ZX]], %{{.+}}) : (tensor<1xui8>, tensor<0xi64>) -> tensor<ui8>
// CHECK: %[[PADS:.+]] = "onnx.Constant"() <{value = dense<[0, 1, 0, 0, 0, 0, 1, 0]> : tensor<8xi64>}>
// CHECK: %[[P:.+]] = "onnx.Pad"(%[[XT]], %[[PADS]], %[[Z]], %{{.+}}) : (tensor<?x5x5x16xui8>, tensor<8xi64>, tensor<ui8>, none) -> tensor<?x6x6x16xui8>
// CHECK: %[[S0:.+]] = "onnx.Constant"() <{value = dense<0> : tensor<2xi64>}>
// CHECK: %[[E0:.+]] = "onnx.Constant"() <{value = dense<5> : tensor<2xi64>}>
// CHECK: %[[T0:.+]] = "onnx.Slice"(%[[P]], %[[S0]], %[[E0]], {{.*}} -> tensor<?x3x3x16xui8>
// CHECK: %[[S1:.+]] = "onnx.Constant"() <{value = dense<[1, 0]> : tensor<2xi64>}>
// CHECK: %[[E1:.+]] = "onnx.Constant"() <{value = dense<[6, 5]> : tensor<2xi64>}>
// CHECK: %[[T1:.+]] = "onnx.Slice"(%[[P]], %[[S1]], %[[E1]], {{.*}} -> tensor<?x3x3x16xui8>
// CHECK: %[[C:.+]] = "onnx.Concat"(%[[T0]], %[[T1]]) <{axis = 3 : i64}> : ({{.*}}) -> tensor<?x3x3x32xui8>
// CHECK: %[[M:.+]] = "onnx.MatMulInteger"(%[[C]], %[[W2]], %[[ZX]], %{{.+}}) : (tensor<?x3x3x32xui8>, tensor<32x1xi8>, tensor<1xui8>, none) -> tensor<?x3x3x1xi32>
// CHECK: "onnx.Transpose"(%[[M]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<?x3x3x1xi32>) -> tensor<?x1x3x3xi32>
func.func @windowed(%x: tensor<?x16x5x5xui8>, %zx: tensor<1xui8>) -> tensor<?x1x3x3xi32> {
  %w = "onnx.Constant"() {value = dense<[[[[0], [1]], [[2], [3]], [[4], [5]], [[6], [7]], [[8], [9]], [[10], [11]], [[12], [13]], [[14], [15]], [[16], [17]], [[18], [19]], [[20], [21]], [[22], [23]], [[24], [25]], [[26], [27]], [[28], [29]], [[30], [31]]]]> : tensor<1x16x2x1xi8>} : () -> tensor<1x16x2x1xi8>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.ConvInteger"(%x, %w, %zx, %none) {strides = array<i64: 2, 2>, pads = array<i64: 1, 0, 0, 1>} : (tensor<?x16x5x5xui8>, tensor<1x16x2x1xi8>, tensor<1xui8>, none) -> tensor<?x1x3x3xi32>
  return %y : tensor<?x1x3x3xi32>
}

// -----

// Tests that a 1x1 kernel with stride 2 is one strided Slice (no Pad, no Concat).
// CHECK-LABEL: func.func @strided_pointwise
// CHECK-NOT: onnx.Pad
// CHECK: "onnx.Slice"({{.*}}) -> tensor<1x4x4x16xui8>
// CHECK-NOT: onnx.Concat
// CHECK: "onnx.MatMulInteger"
func.func @strided_pointwise(%x: tensor<1x16x8x8xui8>) -> tensor<1x4x4x4xi32> {
  %w = "onnx.Constant"() {value = dense<1> : tensor<4x16x1x1xi8>} : () -> tensor<4x16x1x1xi8>
  %none = "onnx.NoValue"() {value} : () -> none
  %y = "onnx.ConvInteger"(%x, %w, %none, %none) {strides = array<i64: 2, 2>} : (tensor<1x16x8x8xui8>, tensor<4x16x1x1xi8>, none, none) -> tensor<1x4x4x4xi32>
  return %y : tensor<1x4x4x4xi32>
}

// -----

// Tests the ConvIntegers that stay: a group, an image of dynamic size, a weight known only
// at run time, a per-channel x_zero_point, a 1-D one, and a 3x3 window on 4 channels
// (fewer than 16: an image stem gathers faster channels-first).
// CHECK-LABEL: func.func @near_misses
// CHECK-COUNT-6: onnx.ConvInteger
// CHECK-NOT: onnx.MatMulInteger
func.func @near_misses(%x: tensor<1x4x8x8xui8>, %d: tensor<1x4x?x?xui8>, %wr: tensor<4x4x1x1xi8>, %zx4: tensor<4xui8>, %x1: tensor<1x4x8xui8>) -> (tensor<1x4x8x8xi32>, tensor<1x4x?x?xi32>, tensor<1x4x8x8xi32>, tensor<1x4x8x8xi32>, tensor<1x4x8xi32>, tensor<1x4x6x6xi32>) {
  %w3 = "onnx.Constant"() {value = dense<1> : tensor<4x4x3x3xi8>} : () -> tensor<4x4x3x3xi8>
  %w1 = "onnx.Constant"() {value = dense<1> : tensor<4x4x1x1xi8>} : () -> tensor<4x4x1x1xi8>
  %wg = "onnx.Constant"() {value = dense<1> : tensor<4x2x1x1xi8>} : () -> tensor<4x2x1x1xi8>
  %w1d = "onnx.Constant"() {value = dense<1> : tensor<4x4x1xi8>} : () -> tensor<4x4x1xi8>
  %none = "onnx.NoValue"() {value} : () -> none
  %e = "onnx.ConvInteger"(%x, %wg, %none, %none) {group = 2 : i64} : (tensor<1x4x8x8xui8>, tensor<4x2x1x1xi8>, none, none) -> tensor<1x4x8x8xi32>
  %f = "onnx.ConvInteger"(%d, %w1, %none, %none) : (tensor<1x4x?x?xui8>, tensor<4x4x1x1xi8>, none, none) -> tensor<1x4x?x?xi32>
  %g = "onnx.ConvInteger"(%x, %wr, %none, %none) : (tensor<1x4x8x8xui8>, tensor<4x4x1x1xi8>, none, none) -> tensor<1x4x8x8xi32>
  %h = "onnx.ConvInteger"(%x, %w1, %zx4, %none) : (tensor<1x4x8x8xui8>, tensor<4x4x1x1xi8>, tensor<4xui8>, none) -> tensor<1x4x8x8xi32>
  %i = "onnx.ConvInteger"(%x1, %w1d, %none, %none) : (tensor<1x4x8xui8>, tensor<4x4x1xi8>, none, none) -> tensor<1x4x8xi32>
  %j = "onnx.ConvInteger"(%x, %w3, %none, %none) : (tensor<1x4x8x8xui8>, tensor<4x4x3x3xi8>, none, none) -> tensor<1x4x6x6xi32>
  return %e, %f, %g, %h, %i, %j : tensor<1x4x8x8xi32>, tensor<1x4x?x?xi32>, tensor<1x4x8x8xi32>, tensor<1x4x8x8xi32>, tensor<1x4x8xi32>, tensor<1x4x6x6xi32>
}
