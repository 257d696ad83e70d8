// RUN: kiln-opt --split-input-file --kiln-upgrade-onnx-ops %s | FileCheck %s

// Tests that an older signature that only lacks a newer attribute becomes the newest op.
// CHECK-LABEL: func @cast_v13
func.func @cast_v13(%x: tensor<2xi64>) -> tensor<2xf32> {
  // CHECK: "onnx.Cast"(%{{.+}}) <{to = 1 : i64}> : (tensor<2xi64>) -> tensor<2xf32>
  %0 = "onnx.CastV13"(%x) {to = 1 : i64} : (tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

// Tests that an INTS attribute that became an input moves into an int64 constant, and that
// outputs the newer op added are `none`.
// CHECK-LABEL: func @reduce_mean_v13
func.func @reduce_mean_v13(%x: tensor<?x8xf32>) -> tensor<?x1xf32> {
  // CHECK: [[AXES:%.+]] = "onnx.Constant"() <{value = dense<-1> : tensor<1xi64>}>
  // CHECK: "onnx.ReduceMean"(%{{.+}}, [[AXES]]) <{keepdims = 1 : i64}>
  %0 = "onnx.ReduceMeanV13"(%x) {axes = array<i64: -1>, keepdims = 1 : i64} : (tensor<?x8xf32>) -> tensor<?x1xf32>
  return %0 : tensor<?x1xf32>
}

// -----

// Tests that an absent INTS attribute leaves the new input `none` (reduce over all axes).
// CHECK-LABEL: func @reduce_sum_v11_all
func.func @reduce_sum_v11_all(%x: tensor<2x3xf32>) -> tensor<1x1xf32> {
  // CHECK: [[NONE:%.+]] = onnx.NoValue
  // CHECK: "onnx.ReduceSum"(%{{.+}}, [[NONE]])
  %0 = "onnx.ReduceSumV11"(%x) : (tensor<2x3xf32>) -> tensor<1x1xf32>
  return %0 : tensor<1x1xf32>
}

// -----

// Tests that MaxPool from opset 1 gains the optional Indices result as `none`.
// CHECK-LABEL: func @maxpool_v1
func.func @maxpool_v1(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32> {
  // CHECK: "onnx.MaxPool"(%{{.+}}) <{kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>}> : (tensor<1x1x4x4xf32>) -> (tensor<1x1x2x2xf32>, none)
  %0 = "onnx.MaxPoolV1"(%x) {kernel_shape = array<i64: 2, 2>, strides = array<i64: 2, 2>} : (tensor<1x1x4x4xf32>) -> tensor<1x1x2x2xf32>
  return %0 : tensor<1x1x2x2xf32>
}

// -----

// Tests that Softmax from opset 11 (a coerced 2-D softmax) is not rewritten: its meaning changed.
// CHECK-LABEL: func @softmax_v11
func.func @softmax_v11(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: "onnx.SoftmaxV11"
  %0 = "onnx.SoftmaxV11"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}
