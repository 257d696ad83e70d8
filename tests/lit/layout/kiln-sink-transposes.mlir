// RUN: kiln-opt --load-pass-plugin=%kiln_lib/kiln/plugins/kiln-layout.so --split-input-file --kiln-sink-transposes %s | FileCheck %s

// Tests that a Transpose sinks through Relu and Clip (scalar bounds) and cancels with its
// inverse: no Transpose is left.
// CHECK-LABEL: func.func @unary_cancel
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x8xf32>
// CHECK-NOT: onnx.Transpose
// CHECK: %[[R:.+]] = "onnx.Relu"(%[[X]]) : (tensor<1x4x4x8xf32>) -> tensor<1x4x4x8xf32>
// CHECK: %[[C:.+]] = "onnx.Clip"(%[[R]], %{{.+}}, %{{.+}}) : (tensor<1x4x4x8xf32>, tensor<f32>, tensor<f32>) -> tensor<1x4x4x8xf32>
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[C]]
func.func @unary_cancel(%x: tensor<1x4x4x8xf32>, %lo: tensor<f32>, %hi: tensor<f32>) -> tensor<1x4x4x8xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %r = "onnx.Relu"(%t) : (tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  %c = "onnx.Clip"(%r, %lo, %hi) : (tensor<1x8x4x4xf32>, tensor<f32>, tensor<f32>) -> tensor<1x8x4x4xf32>
  %u = "onnx.Transpose"(%c) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x8xf32>
  return %u : tensor<1x4x4x8xf32>
}

// -----

// Tests that Add of two Transposes with the same perm (a residual connection) becomes one
// Transpose of the Add, which then cancels.
// CHECK-LABEL: func.func @binary_both
// CHECK-SAME: (%[[A:.+]]: tensor<2x3x3x4xf32>, %[[B:.+]]: tensor<2x3x3x4xf32>)
// CHECK-NEXT: %[[S:.+]] = "onnx.Add"(%[[A]], %[[B]]) : (tensor<2x3x3x4xf32>, tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32>
// CHECK-NEXT: return %[[S]]
func.func @binary_both(%a: tensor<2x3x3x4xf32>, %b: tensor<2x3x3x4xf32>) -> tensor<2x3x3x4xf32> {
  %ta = "onnx.Transpose"(%a) {perm = array<i64: 0, 3, 1, 2>} : (tensor<2x3x3x4xf32>) -> tensor<2x4x3x3xf32>
  %tb = "onnx.Transpose"(%b) {perm = array<i64: 0, 3, 1, 2>} : (tensor<2x3x3x4xf32>) -> tensor<2x4x3x3xf32>
  %s = "onnx.Add"(%ta, %tb) : (tensor<2x4x3x3xf32>, tensor<2x4x3x3xf32>) -> tensor<2x4x3x3xf32>
  %u = "onnx.Transpose"(%s) {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x4x3x3xf32>) -> tensor<2x3x3x4xf32>
  return %u : tensor<2x3x3x4xf32>
}

// -----

// Tests that a per-channel constant [3, 1, 1] (constant first, as Sub's minuend) is
// rewritten to the NHWC broadcast shape [1, 1, 1, 3] and the Transpose sinks below the Sub.
// CHECK-LABEL: func.func @binary_constant
// CHECK-SAME: (%[[X:.+]]: tensor<1x2x2x3xf32>)
// CHECK: %[[C:.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}1.000000e+00, 2.000000e+00, 3.000000e+00]]]]> : tensor<1x1x1x3xf32>}>
// CHECK: %[[S:.+]] = "onnx.Sub"(%[[C]], %[[X]]) : (tensor<1x1x1x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
// CHECK: %[[T:.+]] = "onnx.Transpose"(%[[S]]) <{perm = array<i64: 0, 3, 1, 2>}> : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32>
// CHECK: return %[[T]]
func.func @binary_constant(%x: tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32>
  %c = "onnx.Constant"() {value = dense<[[[1.0]], [[2.0]], [[3.0]]]> : tensor<3x1x1xf32>} : () -> tensor<3x1x1xf32>
  %s = "onnx.Sub"(%c, %t) : (tensor<3x1x1xf32>, tensor<1x3x2x2xf32>) -> tensor<1x3x2x2xf32>
  return %s : tensor<1x3x2x2xf32>
}

// -----

// Tests that two Transposes that are not inverses compose into one.
// CHECK-LABEL: func.func @compose
// CHECK-NEXT: %[[T:.+]] = "onnx.Transpose"(%{{.+}}) <{perm = array<i64: 2, 0, 1>}> : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT: return %[[T]]
func.func @compose(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %a = "onnx.Transpose"(%x) {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %b = "onnx.Transpose"(%a) {perm = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  return %b : tensor<4x2x3xf32>
}

// -----

// Tests near misses: Add of a Transpose and a non-constant tensor, Add of Transposes with
// different perms, and MaxPool (which needs NCHW) keep their Transposes in place.
// CHECK-LABEL: func.func @near_misses
// CHECK: "onnx.Transpose"(%{{.+}}) <{perm = array<i64: 0, 3, 1, 2>}>
// CHECK-NEXT: "onnx.Add"(%{{.+}}, %{{.+}}) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>)
// CHECK-NEXT: "onnx.Transpose"(%{{.+}}) <{perm = array<i64: 0, 2, 1, 3>}>
// CHECK-NEXT: "onnx.Add"(%{{.+}}, %{{.+}}) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>)
// CHECK-NEXT: "onnx.MaxPool"(%{{.+}}) {{.*}} : (tensor<1x4x2x2xf32>)
func.func @near_misses(%x: tensor<1x2x2x4xf32>, %y: tensor<1x4x2x2xf32>, %z: tensor<1x2x4x2xf32>) -> (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x4xf32>) -> tensor<1x4x2x2xf32>
  %a = "onnx.Add"(%t, %y) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %tz = "onnx.Transpose"(%z) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x2xf32>) -> tensor<1x4x2x2xf32>
  %b = "onnx.Add"(%t, %tz) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %p, %i = "onnx.MaxPool"(%t) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x2x2xf32>) -> (tensor<1x4x1x1xf32>, none)
  return %a, %b, %p : tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>
}

// -----

// Tests that a Concat of inputs transposed the same way (NHWC convolutions concatenated on
// channels, as SqueezeNet's Fire module) concatenates the untransposed inputs on the
// permuted axis, and its Transpose moves below it and cancels.
// CHECK-LABEL: func.func @concat_channels
// CHECK-SAME: (%[[A:.+]]: tensor<1x4x4x8xf32>, %[[B:.+]]: tensor<1x4x4x16xf32>)
// CHECK-NEXT: %[[C:.+]] = "onnx.Concat"(%[[A]], %[[B]]) <{axis = 3 : i64}> : (tensor<1x4x4x8xf32>, tensor<1x4x4x16xf32>) -> tensor<1x4x4x24xf32>
// CHECK-NEXT: return %[[C]]
func.func @concat_channels(%a: tensor<1x4x4x8xf32>, %b: tensor<1x4x4x16xf32>) -> tensor<1x4x4x24xf32> {
  %ta = "onnx.Transpose"(%a) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %tb = "onnx.Transpose"(%b) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x16xf32>) -> tensor<1x16x4x4xf32>
  %c = "onnx.Concat"(%ta, %tb) {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x24x4x4xf32>
  %u = "onnx.Transpose"(%c) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x24x4x4xf32>) -> tensor<1x4x4x24xf32>
  return %u : tensor<1x4x4x24xf32>
}

// -----

// Tests that a Concat with an input that is not transposed (or transposed another way)
// stays as it is.
// CHECK-LABEL: func.func @concat_mixed
// CHECK: "onnx.Concat"(%{{.+}}, %{{.+}}) <{axis = 1 : i64}>
func.func @concat_mixed(%a: tensor<1x4x4x8xf32>, %b: tensor<1x16x4x4xf32>) -> tensor<1x24x4x4xf32> {
  %ta = "onnx.Transpose"(%a) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %c = "onnx.Concat"(%ta, %b) {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<1x16x4x4xf32>) -> tensor<1x24x4x4xf32>
  return %c : tensor<1x24x4x4xf32>
}
