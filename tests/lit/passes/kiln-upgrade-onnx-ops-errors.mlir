// RUN: not kiln-opt --split-input-file --kiln-upgrade-onnx-ops %s 2>&1 | FileCheck %s

// Tests that a training output of an old BatchNormalization, which the inference op does
// not have, is an error naming the node rather than a silently wrong value.
func.func @batchnorm_training_output(%x: tensor<1x2x3xf32>, %p: tensor<2xf32>) -> tensor<2xf32> {
  // CHECK: error: {{.*}}node 'bn' (BatchNormalization): output 1 is used but has no equivalent in the newest version of the op
  %0:5 = "onnx.BatchNormalizationV9"(%x, %p, %p, %p, %p) : (tensor<1x2x3xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> (tensor<1x2x3xf32>, tensor<2xf32>, none, none, none) loc("bn")
  return %0#1 : tensor<2xf32>
}

// -----

// Tests that legacy broadcasting at an axis needs ranked inputs.
func.func @add_unranked(%a: tensor<*xf32>, %b: tensor<3xf32>) -> tensor<*xf32> {
  // CHECK: error: {{.*}}node 'add' (Add): legacy broadcasting along `axis` needs the ranks of both inputs
  %0 = "onnx.AddV6"(%a, %b) {broadcast = 1 : i64, axis = 1 : i64} : (tensor<*xf32>, tensor<3xf32>) -> tensor<*xf32> loc("add")
  return %0 : tensor<*xf32>
}

// -----

// Tests that an axis that does not place B inside A is an error.
func.func @add_bad_axis(%a: tensor<2x3xf32>, %b: tensor<3x4xf32>) -> tensor<2x3xf32> {
  // CHECK: error: {{.*}}node 'add' (Add): axis 1 does not place B (rank 2) inside A (rank 2)
  %0 = "onnx.AddV6"(%a, %b) {broadcast = 1 : i64, axis = 1 : i64} : (tensor<2x3xf32>, tensor<3x4xf32>) -> tensor<2x3xf32> loc("add")
  return %0 : tensor<2x3xf32>
}

// -----

// Tests that LpPool 1's float p must be an integer for the newest op.
func.func @lppool_fraction(%x: tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> {
  // CHECK: error: {{.*}}node 'pool' (GlobalLpPool): p = 1.500000 is not a positive integer
  %0 = "onnx.GlobalLpPoolV1"(%x) {p = 1.5 : f32} : (tensor<1x1x4x4xf32>) -> tensor<1x1x1x1xf32> loc("pool")
  return %0 : tensor<1x1x1x1xf32>
}

// -----

// Tests that an unknown Upsample mode is an error.
func.func @upsample_mode(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> {
  // CHECK: error: {{.*}}node 'up' (Upsample): unknown mode 'cubic' (nearest, linear or bilinear)
  %0 = "onnx.UpsampleV7"(%x) {scales = array<f32: 1.0, 1.0, 2.0, 2.0>, mode = "cubic"} : (tensor<1x1x2x2xf32>) -> tensor<1x1x4x4xf32> loc("up")
  return %0 : tensor<1x1x4x4xf32>
}
