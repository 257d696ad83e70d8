// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-sink-transposes %s | FileCheck %s

// Tests the 1-D convolution pattern: NHWC [N, W, 1, C] back to NCHW, then the unit dim
// squeezed. The Squeeze moves above the Transpose (dropping x's dim 2, where NCHW's dim
// 3 came from) and the Transpose of the rank-3 result is [0, 2, 1].
// CHECK-LABEL: func.func @squeeze_1d_conv
// CHECK-SAME: (%[[X:.+]]: tensor<?x508x1x512xf32>)
// CHECK: %[[AX:.+]] = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}>
// CHECK: %[[S:.+]] = "onnx.Squeeze"(%[[X]], %[[AX]]) : (tensor<?x508x1x512xf32>, tensor<1xi64>) -> tensor<?x508x512xf32>
// CHECK: %[[R:.+]] = "onnx.Relu"(%[[S]]) : (tensor<?x508x512xf32>) -> tensor<?x508x512xf32>
// CHECK: "onnx.Transpose"(%[[R]]) <{perm = array<i64: 0, 2, 1>}> : (tensor<?x508x512xf32>) -> tensor<?x512x508xf32>
func.func @squeeze_1d_conv(%x: tensor<?x508x1x512xf32>) -> tensor<?x512x508xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<?x508x1x512xf32>) -> tensor<?x512x508x1xf32>
  %axes = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %s = "onnx.Squeeze"(%t, %axes) : (tensor<?x512x508x1xf32>, tensor<1xi64>) -> tensor<?x512x508xf32>
  %r = "onnx.Relu"(%s) : (tensor<?x512x508xf32>) -> tensor<?x512x508xf32>
  return %r : tensor<?x512x508xf32>
}

// -----

// Tests Unsqueeze: the new unit dim is appended to x and the Transpose below puts it
// where Unsqueeze asked (dim 2 of the result).
// CHECK-LABEL: func.func @unsqueeze
// CHECK-SAME: (%[[X:.+]]: tensor<2x5x3xf32>)
// CHECK: %[[AX:.+]] = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}>
// CHECK: %[[U:.+]] = "onnx.Unsqueeze"(%[[X]], %[[AX]]) : (tensor<2x5x3xf32>, tensor<1xi64>) -> tensor<2x5x3x1xf32>
// CHECK: "onnx.Transpose"(%[[U]]) <{perm = array<i64: 0, 2, 3, 1>}> : (tensor<2x5x3x1xf32>) -> tensor<2x3x1x5xf32>
func.func @unsqueeze(%x: tensor<2x5x3xf32>) -> tensor<2x3x1x5xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 2, 1>} : (tensor<2x5x3xf32>) -> tensor<2x3x5xf32>
  %axes = "onnx.Constant"() {value = dense<[2]> : tensor<1xi64>} : () -> tensor<1xi64>
  %u = "onnx.Unsqueeze"(%t, %axes) : (tensor<2x3x5xf32>, tensor<1xi64>) -> tensor<2x3x1x5xf32>
  return %u : tensor<2x3x1x5xf32>
}

// -----

// Tests a Reshape that drops one unit dim and inserts another; the Transpose moves below
// it and cancels with the inverse that follows, leaving Squeeze + Unsqueeze.
// CHECK-LABEL: func.func @reshape_units
// CHECK-SAME: (%[[X:.+]]: tensor<1x7x1x4xf32>)
// CHECK-NOT: onnx.Reshape
// CHECK: %[[S:.+]] = "onnx.Squeeze"(%[[X]], %{{.+}}) : (tensor<1x7x1x4xf32>, tensor<2xi64>) -> tensor<7x4xf32>
// CHECK: %[[U:.+]] = "onnx.Unsqueeze"(%[[S]], %{{.+}}) : (tensor<7x4xf32>, tensor<2xi64>) -> tensor<7x4x1x1xf32>
// CHECK: "onnx.Transpose"(%[[U]]) <{perm = array<i64: 1, 2, 0, 3>}> : (tensor<7x4x1x1xf32>) -> tensor<4x1x7x1xf32>
func.func @reshape_units(%x: tensor<1x7x1x4xf32>) -> tensor<4x1x7x1xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x7x1x4xf32>) -> tensor<1x4x7x1xf32>
  %shape = "onnx.Constant"() {value = dense<[4, 1, 7, 1]> : tensor<4xi64>} : () -> tensor<4xi64>
  %r = "onnx.Reshape"(%t, %shape) : (tensor<1x4x7x1xf32>, tensor<4xi64>) -> tensor<4x1x7x1xf32>
  return %r : tensor<4x1x7x1xf32>
}

// -----

// Tests that a Reshape that moves data ([?, ?] with two dynamic dims could swap sizes;
// [2, 6] -> [3, 4] regroups) keeps the Transpose above it.
// CHECK-LABEL: func.func @reshape_not_units
// CHECK: "onnx.Transpose"
// CHECK: "onnx.Reshape"
// CHECK: "onnx.Transpose"
// CHECK: "onnx.Reshape"
func.func @reshape_not_units(%x: tensor<6x2xf32>, %y: tensor<?x?xf32>, %s: tensor<2xi64>) -> (tensor<3x4xf32>, tensor<?x?xf32>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 1, 0>} : (tensor<6x2xf32>) -> tensor<2x6xf32>
  %shape = "onnx.Constant"() {value = dense<[3, 4]> : tensor<2xi64>} : () -> tensor<2xi64>
  %r = "onnx.Reshape"(%t, %shape) : (tensor<2x6xf32>, tensor<2xi64>) -> tensor<3x4xf32>
  %ty = "onnx.Transpose"(%y) {perm = array<i64: 1, 0>} : (tensor<?x?xf32>) -> tensor<?x?xf32>
  %ry = "onnx.Reshape"(%ty, %s) : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %r, %ry : tensor<3x4xf32>, tensor<?x?xf32>
}

