// RUN: kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s | FileCheck %s

// Tests that LayerNormalization checks a dynamic Scale and B against X's normalized dims
// (equal, or 1) before reading them with X's loop bounds.
// CHECK-LABEL: func.func @layer_norm_dynamic_scale
// CHECK: kiln.check {{.*}}message = "node 'ln' (LayerNormalization): Scale has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
// CHECK: kiln.check {{.*}}message = "node 'ln' (LayerNormalization): B has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
// CHECK: linalg.generic
func.func @layer_norm_dynamic_scale(%x: tensor<?x?xf32>, %s: tensor<?xf32>, %b: tensor<?xf32>) -> tensor<?x?xf32> {
  %0:3 = "onnx.LayerNormalization"(%x, %s, %b) {epsilon = 9.99999974E-6 : f32} : (tensor<?x?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?x?xf32>, none, none) loc("ln")
  return %0#0 : tensor<?x?xf32>
}

// -----

// Tests that a static Scale over a dynamic normalized dim of X is checked too, and that a
// static X with static operands gets no check.
// CHECK-LABEL: func.func @layer_norm_static_scale
// CHECK: kiln.check {{.*}}message = "node 'ln2' (LayerNormalization): Scale has size {} in dim 0 where X has {}
// CHECK-LABEL: func.func @layer_norm_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @layer_norm_static_scale(%x: tensor<2x?xf32>, %s: tensor<8xf32>) -> tensor<2x?xf32> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<2x?xf32>, tensor<8xf32>, none) -> (tensor<2x?xf32>, none, none) loc("ln2")
  return %0#0 : tensor<2x?xf32>
}
func.func @layer_norm_static(%x: tensor<?x8xf32>, %s: tensor<8xf32>) -> tensor<?x8xf32> {
  %none = onnx.NoValue
  %0:3 = "onnx.LayerNormalization"(%x, %s, %none) : (tensor<?x8xf32>, tensor<8xf32>, none) -> (tensor<?x8xf32>, none, none) loc("ln3")
  return %0#0 : tensor<?x8xf32>
}

// -----

// Tests that RMSNormalization checks its scale against X's normalized dims.
// CHECK-LABEL: func.func @rms_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'rms' (RMSNormalization): scale has size {} in dim 0 where X has {} (expected equal sizes, or 1)"
func.func @rms_norm_dynamic(%x: tensor<2x?xf32>, %s: tensor<?xf32>) -> tensor<2x?xf32> {
  %0 = "onnx.RMSNormalization"(%x, %s) {axis = 1 : i64, epsilon = 1.000000e-01 : f32} : (tensor<2x?xf32>, tensor<?xf32>) -> tensor<2x?xf32> loc("rms")
  return %0 : tensor<2x?xf32>
}

// -----

// Tests that BatchNormalization checks each per-channel operand against X's channels.
// CHECK-LABEL: func.func @batch_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): scale has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): B has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): input_mean has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'bn' (BatchNormalization): input_var has size {} where X has {} channels (expected equal)"
// CHECK: linalg.generic
func.func @batch_norm_dynamic(%x: tensor<?x?x4xf32>, %s: tensor<?xf32>) -> tensor<?x?x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {epsilon = 1.000000e-03 : f32} : (tensor<?x?x4xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>, tensor<?xf32>) -> (tensor<?x?x4xf32>, none, none) loc("bn")
  return %0#0 : tensor<?x?x4xf32>
}

// -----

// Tests that InstanceNormalization checks scale and B against X's channels, and that a
// static result over a dynamic X is checked.
// CHECK-LABEL: func.func @instance_norm_dynamic
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): X has size {} in dim 0 where the model's shapes imply {}"
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): scale has size {} where X has {} channels (expected equal)"
// CHECK: kiln.check {{.*}}message = "node 'in' (InstanceNormalization): B has size {} where X has {} channels (expected equal)"
func.func @instance_norm_dynamic(%x: tensor<?x?x4xf32>, %s: tensor<3xf32>, %b: tensor<?xf32>) -> tensor<2x?x4xf32> {
  %0 = "onnx.InstanceNormalization"(%x, %s, %b) : (tensor<?x?x4xf32>, tensor<3xf32>, tensor<?xf32>) -> tensor<2x?x4xf32> loc("in")
  return %0 : tensor<2x?x4xf32>
}

// -----

// Tests that BatchNormalization with static channels gets no check (the common path).
// CHECK-LABEL: func.func @batch_norm_static_channels
// CHECK-NOT: kiln.check
// CHECK: return
func.func @batch_norm_static_channels(%x: tensor<?x3x4xf32>, %s: tensor<3xf32>) -> tensor<?x3x4xf32> {
  %0:3 = "onnx.BatchNormalization"(%x, %s, %s, %s, %s) {epsilon = 1.000000e-03 : f32} : (tensor<?x3x4xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> (tensor<?x3x4xf32>, none, none) loc("bn2")
  return %0#0 : tensor<?x3x4xf32>
}

// -----

// Tests that Softmax checks a dynamic input against a static result type.
// CHECK-LABEL: func.func @softmax_static_result
// CHECK: kiln.check {{.*}}message = "node 'sm' (Softmax): the input has size {} in dim 0 where the model's shapes imply {}"
func.func @softmax_static_result(%x: tensor<?xf32>) -> tensor<3xf32> {
  %0 = "onnx.Softmax"(%x) <{axis = -1 : i64}> : (tensor<?xf32>) -> tensor<3xf32> loc("sm")
  return %0 : tensor<3xf32>
}

// -----

// Tests that MaxPool checks a static output dim against what the dynamic input implies.
// CHECK-LABEL: func.func @maxpool_static_result
// CHECK: kiln.check {{.*}}message = "node 'mp' (MaxPool): the input implies size {} in dim 2 of the output where the model's shapes imply {}"
func.func @maxpool_static_result(%x: tensor<1x1x?xf32>) -> tensor<1x1x3xf32> {
  %0:2 = "onnx.MaxPool"(%x) {kernel_shape = array<i64: 2>} : (tensor<1x1x?xf32>) -> (tensor<1x1x3xf32>, none) loc("mp")
  return %0#0 : tensor<1x1x3xf32>
}

// -----

// Tests that Resize checks a static output dim against the size computed from a dynamic X.
// CHECK-LABEL: func.func @resize_static_result
// CHECK: kiln.check {{.*}}message = "node 'rz' (Resize): the resized input has size {} in dim 3 where the model's shapes imply {}"
// CHECK: linalg.generic
func.func @resize_static_result(%x: tensor<1x1x1x?xf32>) -> tensor<1x1x1x6xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 1.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x1x1x?xf32>, none, tensor<4xf32>, none) -> tensor<1x1x1x6xf32> loc("rz")
  return %0 : tensor<1x1x1x6xf32>
}

// -----

// Tests that Resize of a static X gets no check (the common path).
// CHECK-LABEL: func.func @resize_static
// CHECK-NOT: kiln.check
// CHECK: return
func.func @resize_static(%x: tensor<1x1x1x3xf32>) -> tensor<1x1x1x6xf32> {
  %s = "onnx.Constant"() {value = dense<[1.0, 1.0, 1.0, 2.0]> : tensor<4xf32>} : () -> tensor<4xf32>
  %none = onnx.NoValue
  %0 = "onnx.Resize"(%x, %none, %s, %none) <{mode = "nearest"}> : (tensor<1x1x1x3xf32>, none, tensor<4xf32>, none) -> tensor<1x1x1x6xf32> loc("rz2")
  return %0 : tensor<1x1x1x6xf32>
}
