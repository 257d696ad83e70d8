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

// Tests that Softmax before opset 13 normalizing over its last dimension is the newest Softmax.
// CHECK-LABEL: func @softmax_v11_last
func.func @softmax_v11_last(%x: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // CHECK: "onnx.Softmax"(%{{.+}}) <{axis = -1 : i64}>
  %0 = "onnx.SoftmaxV11"(%x) : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that Softmax before opset 13 over several trailing dimensions (a coerced 2-D
// softmax) is Flatten -> Softmax(axis 1) -> Reshape to the input's shape.
// CHECK-LABEL: func @softmax_v11_coerced
func.func @softmax_v11_coerced(%x: tensor<2x3x4xf32>) -> tensor<2x3x4xf32> {
  // CHECK: [[FLAT:%.+]] = "onnx.Flatten"(%arg0) <{axis = 1 : i64}>
  // CHECK: [[ROWS:%.+]] = "onnx.Softmax"([[FLAT]]) <{axis = 1 : i64}>
  // CHECK: [[SHAPE:%.+]] = "onnx.Shape"(%arg0)
  // CHECK: "onnx.Reshape"([[ROWS]], [[SHAPE]]) {{.*}} -> tensor<2x3x4xf32>
  %0 = "onnx.SoftmaxV11"(%x) {axis = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  return %0 : tensor<2x3x4xf32>
}

// -----

// Tests that types are refined as the walk goes: an old Softmax whose input's rank is known
// only once its producer's type is inferred is upgraded, and the function type follows.
// CHECK-LABEL: func @softmax_v11_after_inference
// CHECK-SAME: -> tensor<2x3x4xf32>
func.func @softmax_v11_after_inference(%x: tensor<2x3x4xf32>) -> tensor<*xf32> {
  // CHECK: "onnx.Relu"(%arg0) : (tensor<2x3x4xf32>) -> tensor<2x3x4xf32>
  // CHECK: "onnx.Flatten"
  %0 = "onnx.Relu"(%x) : (tensor<2x3x4xf32>) -> tensor<*xf32>
  %1 = "onnx.SoftmaxV11"(%0) {axis = 1 : i64} : (tensor<*xf32>) -> tensor<*xf32>
  return %1 : tensor<*xf32>
}

// -----

// Tests legacy broadcasting at an axis: B gets trailing 1-dims, then numpy broadcasting.
// CHECK-LABEL: func @add_v6_axis
func.func @add_v6_axis(%a: tensor<2x3x4x5xf32>, %b: tensor<3xf32>) -> tensor<2x3x4x5xf32> {
  // CHECK: [[AXES:%.+]] = "onnx.Constant"() <{value = dense<[1, 2]> : tensor<2xi64>}>
  // CHECK: [[B:%.+]] = "onnx.Unsqueeze"(%arg1, [[AXES]])
  // CHECK: "onnx.Add"(%arg0, [[B]]) : (tensor<2x3x4x5xf32>, tensor<3x1x1xf32>) -> tensor<2x3x4x5xf32>
  %0 = "onnx.AddV6"(%a, %b) {broadcast = 1 : i64, axis = 1 : i64} : (tensor<2x3x4x5xf32>, tensor<3xf32>) -> tensor<2x3x4x5xf32>
  return %0 : tensor<2x3x4x5xf32>
}

// -----

// Tests that Upsample is Resize with asymmetric coordinates and nearest rounding down.
// CHECK-LABEL: func @upsample_v7
func.func @upsample_v7(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32> {
  // CHECK: [[SCALES:%.+]] = "onnx.Constant"() <{value = dense<[1.000000e+00, 1.000000e+00, 2.000000e+00, 3.000000e+00]> : tensor<4xf32>}>
  // CHECK: "onnx.Resize"(%arg0, %{{.+}}, [[SCALES]], %{{.+}}) <{coordinate_transformation_mode = "asymmetric", mode = "nearest", nearest_mode = "floor"}>
  %0 = "onnx.UpsampleV7"(%x) {scales = array<f32: 1.0, 1.0, 2.0, 3.0>} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x6xf32>
  return %0 : tensor<1x1x4x6xf32>
}

// -----

// Tests that BatchNormalization before opset 14 keeps Y only, as the inference op.
// CHECK-LABEL: func @batchnorm_v9
func.func @batchnorm_v9(%x: tensor<1x2x3xf32>, %p: tensor<2xf32>) -> tensor<1x2x3xf32> {
  // CHECK: "onnx.BatchNormalization"(%arg0, %arg1, %arg1, %arg1, %arg1) <{epsilon = 1.000000e-03 : f32, momentum = 0.899999976 : f32, training_mode = 0 : i64}> : {{.*}} -> (tensor<1x2x3xf32>, none, none)
  %0:5 = "onnx.BatchNormalizationV9"(%x, %p, %p, %p, %p) {epsilon = 1.0e-3 : f32} : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3xf32>, none, none, none, none)
  return %0#0 : tensor<1x2x3xf32>
}

// -----

// Tests that Pad 2's attributes become inputs, the constant of the data's type.
// CHECK-LABEL: func @pad_v2
func.func @pad_v2(%x: tensor<2x3xf16>) -> tensor<3x6xf16> {
  // CHECK-DAG: [[PADS:%.+]] = "onnx.Constant"() <{value = dense<[0, 1, 1, 2]> : tensor<4xi64>}>
  // CHECK-DAG: [[VALUE:%.+]] = "onnx.Constant"() <{value = dense<1.500000e+00> : tensor<f16>}>
  // CHECK: "onnx.Pad"(%arg0, [[PADS]], [[VALUE]], %{{.+}}) <{mode = "constant"}>
  %0 = "onnx.PadV2"(%x) {pads = array<i64: 0, 1, 1, 2>, value = 1.5 : f32, mode = "constant"} : (tensor<2x3xf16>) -> tensor<3x6xf16>
  return %0 : tensor<3x6xf16>
}

// -----

// Tests that Cast 1's type name becomes the TensorProto code, and TopK 1's k an input.
// CHECK-LABEL: func @cast_v1_topk_v1
func.func @cast_v1_topk_v1(%x: tensor<4xf32>) -> (tensor<4xi32>, tensor<2xf32>, tensor<2xi64>) {
  // CHECK: "onnx.Cast"(%arg0) <{to = 6 : i64}>
  %0 = "onnx.CastV1"(%x) {to = "int32"} : (tensor<4xf32>) -> tensor<4xi32>
  // CHECK: [[K:%.+]] = "onnx.Constant"() <{value = dense<2> : tensor<1xi64>}>
  // CHECK: "onnx.TopK"(%arg0, [[K]])
  %1:2 = "onnx.TopKV1"(%x) {k = 2 : i64} : (tensor<4xf32>) -> (tensor<2xf32>, tensor<2xi64>)
  return %0, %1#0, %1#1 : tensor<4xi32>, tensor<2xf32>, tensor<2xi64>
}
