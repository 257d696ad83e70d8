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
// different perms, and a MaxPool whose Indices (NCHW offsets) are used keep their
// Transposes in place.
// CHECK-LABEL: func.func @near_misses
// CHECK: "onnx.Transpose"(%{{.+}}) <{perm = array<i64: 0, 3, 1, 2>}>
// CHECK-NEXT: "onnx.Add"(%{{.+}}, %{{.+}}) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>)
// CHECK-NEXT: "onnx.Transpose"(%{{.+}}) <{perm = array<i64: 0, 2, 1, 3>}>
// CHECK-NEXT: "onnx.Add"(%{{.+}}, %{{.+}}) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>)
// CHECK-NEXT: "onnx.MaxPool"(%{{.+}}) {{.*}} : (tensor<1x4x2x2xf32>)
func.func @near_misses(%x: tensor<1x2x2x4xf32>, %y: tensor<1x4x2x2xf32>, %z: tensor<1x2x4x2xf32>) -> (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xi64>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x4xf32>) -> tensor<1x4x2x2xf32>
  %a = "onnx.Add"(%t, %y) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %tz = "onnx.Transpose"(%z) {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x2xf32>) -> tensor<1x4x2x2xf32>
  %b = "onnx.Add"(%t, %tz) : (tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>) -> tensor<1x4x2x2xf32>
  %p, %i = "onnx.MaxPool"(%t) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x4x2x2xf32>) -> (tensor<1x4x1x1xf32>, tensor<1x4x1x1xi64>)
  return %a, %b, %p, %i : tensor<1x4x2x2xf32>, tensor<1x4x2x2xf32>, tensor<1x4x1x1xf32>, tensor<1x4x1x1xi64>
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

// -----

// Tests that a MaxPool reading an NHWC tensor through a Transpose runs on NHWC as
// kiln.pool_nhwc (its pads resolved: SAME_UPPER with stride 1 on a dynamic size), and that
// the Transpose moves below it and cancels.
// CHECK-LABEL: func.func @maxpool_nhwc
// CHECK-SAME: (%[[X:.+]]: tensor<1x?x?x8xf32>)
// CHECK-NEXT: %[[P:.+]] = kiln.pool_nhwc %[[X]] {dilations = array<i64: 1, 1>, kernel = array<i64: 5, 5>, kind = "max", pads = array<i64: 2, 2, 2, 2>, strides = array<i64: 1, 1>} : (tensor<1x?x?x8xf32>) -> tensor<1x?x?x8xf32>
// CHECK-NEXT: return %[[P]]
func.func @maxpool_nhwc(%x: tensor<1x?x?x8xf32>) -> tensor<1x?x?x8xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x?x?x8xf32>) -> tensor<1x8x?x?xf32>
  %p, %i = "onnx.MaxPool"(%t) {auto_pad = "SAME_UPPER", kernel_shape = array<i64: 5, 5>} : (tensor<1x8x?x?xf32>) -> (tensor<1x8x?x?xf32>, none)
  %u = "onnx.Transpose"(%p) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x?x?xf32>) -> tensor<1x?x?x8xf32>
  return %u : tensor<1x?x?x8xf32>
}

// -----

// Tests that an AveragePool with ceil_mode on a fixed size gets the end padding it adds
// only when it would average over it (it stays NCHW), while a MaxPool takes it as pads;
// count_include_pad is carried.
// CHECK-LABEL: func.func @ceil_mode
// CHECK: kiln.pool_nhwc %{{.+}} {{{.+}} kind = "max", pads = array<i64: 0, 0, 1, 1>, strides = array<i64: 2, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
// CHECK: "onnx.AveragePool"
// CHECK: kiln.pool_nhwc %{{.+}} {count_include_pad = true, {{.+}} kind = "avg", pads = array<i64: 1, 1, 1, 1>
func.func @ceil_mode(%x: tensor<1x8x8x4xf32>) -> (tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x8x8xf32>
  %m, %i = "onnx.MaxPool"(%t) {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> (tensor<1x4x4x4xf32>, none)
  %a = "onnx.AveragePool"(%t) {ceil_mode = 1 : i64, kernel_shape = array<i64: 3, 3>, strides = array<i64: 2, 2>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x4x4xf32>
  %b = "onnx.AveragePool"(%t) {count_include_pad = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>} : (tensor<1x4x8x8xf32>) -> tensor<1x4x8x8xf32>
  return %m, %a, %b : tensor<1x4x4x4xf32>, tensor<1x4x4x4xf32>, tensor<1x4x8x8xf32>
}

// -----

// Tests that a variadic Sum of three Transposes by the same perm (a residual join)
// becomes one Transpose of the Sum, which cancels with its inverse.
// CHECK-LABEL: func.func @sum_variadic
// CHECK-SAME: (%[[A:.+]]: tensor<1x3x3x4xf32>, %[[B:.+]]: tensor<1x3x3x4xf32>, %[[C:.+]]: tensor<1x3x3x4xf32>)
// CHECK-NEXT: %[[S:.+]] = "onnx.Sum"(%[[A]], %[[B]], %[[C]]) : (tensor<1x3x3x4xf32>, tensor<1x3x3x4xf32>, tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32>
// CHECK-NEXT: return %[[S]]
func.func @sum_variadic(%a: tensor<1x3x3x4xf32>, %b: tensor<1x3x3x4xf32>, %c: tensor<1x3x3x4xf32>) -> tensor<1x3x3x4xf32> {
  %ta = "onnx.Transpose"(%a) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x3x4xf32>) -> tensor<1x4x3x3xf32>
  %tb = "onnx.Transpose"(%b) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x3x4xf32>) -> tensor<1x4x3x3xf32>
  %tc = "onnx.Transpose"(%c) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x3x4xf32>) -> tensor<1x4x3x3xf32>
  %s = "onnx.Sum"(%ta, %tb, %tc) : (tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>, tensor<1x4x3x3xf32>) -> tensor<1x4x3x3xf32>
  %u = "onnx.Transpose"(%s) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x3x3xf32>) -> tensor<1x3x3x4xf32>
  return %u : tensor<1x3x3x4xf32>
}

// -----

// Tests a squeeze-excite block: GlobalAveragePool of an NHWC tensor becomes ReduceMean
// over H and W (axes [1, 2]) with keepdims, and the Mul by the small [1, 8, 1, 1] scale
// transposes the scale (not the large tensor): no full-size Transpose is left.
// CHECK-LABEL: func.func @squeeze_excite
// CHECK-SAME: (%[[X:.+]]: tensor<1x16x16x8xf32>
// CHECK-DAG: %[[AXES:.+]] = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}>
// CHECK: %[[M:.+]] = "onnx.ReduceMean"(%[[X]], %[[AXES]]) <{keepdims = 1 : i64}> : (tensor<1x16x16x8xf32>, tensor<2xi64>) -> tensor<1x1x1x8xf32>
// CHECK: %[[G:.+]] = "onnx.Sigmoid"(%[[M]]) : (tensor<1x1x1x8xf32>) -> tensor<1x1x1x8xf32>
// CHECK: %[[Y:.+]] = "onnx.Mul"(%[[X]], %[[G]]) : (tensor<1x16x16x8xf32>, tensor<1x1x1x8xf32>) -> tensor<1x16x16x8xf32>
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[Y]]
func.func @squeeze_excite(%x: tensor<1x16x16x8xf32>) -> tensor<1x16x16x8xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x16x16x8xf32>) -> tensor<1x8x16x16xf32>
  %p = "onnx.GlobalAveragePool"(%t) : (tensor<1x8x16x16xf32>) -> tensor<1x8x1x1xf32>
  %g = "onnx.Sigmoid"(%p) : (tensor<1x8x1x1xf32>) -> tensor<1x8x1x1xf32>
  %y = "onnx.Mul"(%t, %g) : (tensor<1x8x16x16xf32>, tensor<1x8x1x1xf32>) -> tensor<1x8x16x16xf32>
  %u = "onnx.Transpose"(%y) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x16x16xf32>) -> tensor<1x16x16x8xf32>
  return %u : tensor<1x16x16x8xf32>
}

// -----

// Tests that a Mul by a large tensor that is not transposed alike blocks the sinking
// (transposing it would cost as much as the Transpose saved).
// CHECK-LABEL: func.func @large_other_operand
// CHECK: %[[T:.+]] = "onnx.Transpose"
// CHECK: "onnx.Mul"(%[[T]], %arg1)
func.func @large_other_operand(%x: tensor<1x4x4x8xf32>, %y: tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %m = "onnx.Mul"(%t, %y) : (tensor<1x8x4x4xf32>, tensor<1x8x4x4xf32>) -> tensor<1x8x4x4xf32>
  return %m : tensor<1x8x4x4xf32>
}

// -----

// Tests ReduceSum over C without keepdims: the axis maps to NHWC's dim 3 and the result
// [N, H, W] needs no Transpose.
// CHECK-LABEL: func.func @reduce_no_keepdims
// CHECK-SAME: (%[[X:.+]]: tensor<2x5x6x3xf32>)
// CHECK-DAG: %[[AXES:.+]] = "onnx.Constant"() <{value = dense<3> : tensor<1xi64>}>
// CHECK: %[[R:.+]] = "onnx.ReduceSum"(%[[X]], %[[AXES]]) <{keepdims = 0 : i64}> : (tensor<2x5x6x3xf32>, tensor<1xi64>) -> tensor<2x5x6xf32>
// CHECK-NEXT: return %[[R]]
func.func @reduce_no_keepdims(%x: tensor<2x5x6x3xf32>) -> tensor<2x5x6xf32> {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<2x5x6x3xf32>) -> tensor<2x3x5x6xf32>
  %axes = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %r = "onnx.ReduceSum"(%t, %axes) {keepdims = 0 : i64} : (tensor<2x3x5x6xf32>, tensor<1xi64>) -> tensor<2x5x6xf32>
  return %r : tensor<2x5x6xf32>
}

// -----

// Tests Split along C (axis 1 of NCHW = axis 3 of NHWC), Slice along W (axis -1 = 2),
// Softmax over C: each rebuilt on the NHWC tensor with the axis mapped.
// CHECK-LABEL: func.func @split_slice_softmax
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x6x8xf32>
// CHECK: %[[S:.+]]:2 = "onnx.Split"(%[[X]], %{{.+}}) <{axis = 3 : i64}> : (tensor<1x4x6x8xf32>, tensor<2xi64>) -> (tensor<1x4x6x2xf32>, tensor<1x4x6x6xf32>)
// CHECK: "onnx.Slice"(%[[S]]#1, %{{.+}}, %{{.+}}, %[[AX:.+]], %{{.+}}) : (tensor<1x4x6x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x4x3x6xf32>
// CHECK: "onnx.Softmax"(%[[S]]#0) <{axis = 3 : i64}> : (tensor<1x4x6x2xf32>) -> tensor<1x4x6x2xf32>
func.func @split_slice_softmax(%x: tensor<1x4x6x8xf32>) -> (tensor<1x2x4x6xf32>, tensor<1x6x4x3xf32>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x6x8xf32>) -> tensor<1x8x4x6xf32>
  %split = "onnx.Constant"() {value = dense<[2, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
  %s:2 = "onnx.Split"(%t, %split) {axis = 1 : i64} : (tensor<1x8x4x6xf32>, tensor<2xi64>) -> (tensor<1x2x4x6xf32>, tensor<1x6x4x6xf32>)
  %starts = "onnx.Constant"() {value = dense<[0]> : tensor<1xi64>} : () -> tensor<1xi64>
  %ends = "onnx.Constant"() {value = dense<[3]> : tensor<1xi64>} : () -> tensor<1xi64>
  %axes = "onnx.Constant"() {value = dense<[-1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %steps = "onnx.Constant"() {value = dense<[1]> : tensor<1xi64>} : () -> tensor<1xi64>
  %sl = "onnx.Slice"(%s#1, %starts, %ends, %axes, %steps) : (tensor<1x6x4x6xf32>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x6x4x3xf32>
  %sm = "onnx.Softmax"(%s#0) {axis = 1 : i64} : (tensor<1x2x4x6xf32>) -> tensor<1x2x4x6xf32>
  return %sm, %sl : tensor<1x2x4x6xf32>, tensor<1x6x4x3xf32>
}

// -----

// Tests that Resize's scales and Pad's pads follow the dims: NCHW scales [1, 1, 2, 3]
// become NHWC [1, 2, 3, 1]; NCHW pads (begins [0, 0, 1, 2], ends [0, 0, 3, 4]) become
// [0, 1, 2, 0, 0, 3, 4, 0].
// CHECK-LABEL: func.func @resize_pad
// CHECK: %[[SC:.+]] = "onnx.Constant"() <{value = dense<[1.000000e+00, 2.000000e+00, 3.000000e+00, 1.000000e+00]> : tensor<4xf32>}>
// CHECK: %[[R:.+]] = "onnx.Resize"(%arg0, %{{.+}}, %[[SC]], %{{.+}}) <{mode = "nearest"}> : (tensor<1x2x2x5xf32>, none, tensor<4xf32>, none) -> tensor<1x4x6x5xf32>
// CHECK: %[[PADS:.+]] = "onnx.Constant"() <{value = dense<[0, 1, 2, 0, 0, 3, 4, 0]> : tensor<8xi64>}>
// CHECK: %[[P:.+]] = "onnx.Pad"(%[[R]], %[[PADS]], %{{.+}}, %{{.+}}) : (tensor<1x4x6x5xf32>, tensor<8xi64>, none, none) -> tensor<1x8x12x5xf32>
// CHECK: "onnx.Transpose"(%[[P]]) <{perm = array<i64: 0, 3, 1, 2>}>
func.func @resize_pad(%x: tensor<1x2x2x5xf32>) -> tensor<1x5x8x12xf32> {
  %none = onnx.NoValue
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x5xf32>) -> tensor<1x5x2x2xf32>
  %scales = "onnx.Constant"() {value = dense<[1.0, 1.0, 2.0, 3.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %r = "onnx.Resize"(%t, %none, %scales, %none) {mode = "nearest"} : (tensor<1x5x2x2xf32>, none, tensor<4xf32>, none) -> tensor<1x5x4x6xf32>
  %pads = "onnx.Constant"() {value = dense<[0, 0, 1, 2, 0, 0, 3, 4]> : tensor<8xi64>} : () -> tensor<8xi64>
  %p = "onnx.Pad"(%r, %pads, %none, %none) : (tensor<1x5x4x6xf32>, tensor<8xi64>, none, none) -> tensor<1x5x8x12xf32>
  return %p : tensor<1x5x8x12xf32>
}

// -----

// Tests that a Transpose sinks through a per-tensor QuantizeLinear and DequantizeLinear
// (the 8-bit activations between two channels-last convolutions) and cancels with its
// inverse, while a per-channel QuantizeLinear (scale [C] along axis 1) keeps it.
// CHECK-LABEL: func.func @quantize_linear
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x8xf32>
// CHECK: %[[T:.+]] = "onnx.Transpose"(%[[X]]) <{perm = array<i64: 0, 3, 1, 2>}>
// CHECK: %[[Q:.+]] = "onnx.QuantizeLinear"(%[[X]], %{{.+}}, %{{.+}}) {{.*}}: (tensor<1x4x4x8xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x4x4x8xui8>
// CHECK: %[[D:.+]] = "onnx.DequantizeLinear"(%[[Q]], %{{.+}}, %{{.+}}) {{.*}}: (tensor<1x4x4x8xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x4x4x8xf32>
// CHECK: %[[P:.+]] = "onnx.QuantizeLinear"(%[[T]], %{{.+}}, %{{.+}}) {{.*}}: (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xui8>) -> tensor<1x8x4x4xui8>
// CHECK: return %[[D]], %[[P]]
func.func @quantize_linear(%x: tensor<1x4x4x8xf32>, %s: tensor<f32>, %z: tensor<ui8>, %s8: tensor<8xf32>, %z8: tensor<8xui8>) -> (tensor<1x4x4x8xf32>, tensor<1x8x4x4xui8>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %q = "onnx.QuantizeLinear"(%t, %s, %z) : (tensor<1x8x4x4xf32>, tensor<f32>, tensor<ui8>) -> tensor<1x8x4x4xui8>
  %d = "onnx.DequantizeLinear"(%q, %s, %z) : (tensor<1x8x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x8x4x4xf32>
  %u = "onnx.Transpose"(%d) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x4x4xf32>) -> tensor<1x4x4x8xf32>
  %p = "onnx.QuantizeLinear"(%t, %s8, %z8) {axis = 1 : i64} : (tensor<1x8x4x4xf32>, tensor<8xf32>, tensor<8xui8>) -> tensor<1x8x4x4xui8>
  return %u, %p : tensor<1x4x4x8xf32>, tensor<1x8x4x4xui8>
}

// -----

// Tests that a Transpose sinks through DynamicQuantizeLinear (the run-time quantization of
// an activation before a channels-last MatMulInteger): the scale and zero point come from
// the whole tensor, so only the 8-bit result is transposed, and that Transpose cancels.
// CHECK-LABEL: func.func @dynamic_quantize
// CHECK-SAME: (%[[X:.+]]: tensor<1x4x4x8xf32>)
// CHECK-NOT: onnx.Transpose
// CHECK: %[[Y:.+]], %[[S:.+]], %[[Z:.+]] = "onnx.DynamicQuantizeLinear"(%[[X]]) : (tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xui8>, tensor<f32>, tensor<ui8>)
// CHECK-NOT: onnx.Transpose
// CHECK: return %[[Y]], %[[S]], %[[Z]]
func.func @dynamic_quantize(%x: tensor<1x4x4x8xf32>) -> (tensor<1x4x4x8xui8>, tensor<f32>, tensor<ui8>) {
  %t = "onnx.Transpose"(%x) {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x8xf32>) -> tensor<1x8x4x4xf32>
  %y, %s, %z = "onnx.DynamicQuantizeLinear"(%t) : (tensor<1x8x4x4xf32>) -> (tensor<1x8x4x4xui8>, tensor<f32>, tensor<ui8>)
  %u = "onnx.Transpose"(%y) {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x8x4x4xui8>) -> tensor<1x4x4x8xui8>
  return %u, %s, %z : tensor<1x4x4x8xui8>, tensor<f32>, tensor<ui8>
}
