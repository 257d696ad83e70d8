// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that a Gather with a constant out-of-range index is rejected.
// CHECK: node 'gather_oob' (Gather): cannot be compiled: constant index 7 is out of range for axis 0 of size 4
func.func @gather_oob(%x: tensor<4x3xf32>) -> tensor<3xf32> {
  %i = "onnx.Constant"() {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.Gather"(%x, %i) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<i64>) -> tensor<3xf32> loc("gather_oob")
  return %0 : tensor<3xf32>
}

// -----

// Tests that constant GatherND indices out of range are refused at compile time.
// CHECK: node 'gnd_oob' (GatherND): cannot be compiled: constant index -4 is out of range for axis 1 of size 3
func.func @gather_nd_constant_oob(%x: tensor<5x3xf32>) -> tensor<1xf32> {
  %i = "onnx.Constant"() {value = dense<[[2, -4]]> : tensor<1x2xi64>} : () -> tensor<1x2xi64>
  %0 = "onnx.GatherND"(%x, %i) {batch_dims = 0 : i64} : (tensor<5x3xf32>, tensor<1x2xi64>) -> tensor<1xf32> loc("gnd_oob")
  return %0 : tensor<1xf32>
}

// -----

// Tests that TensorScatter along the batch dim is rejected.
// CHECK: node 'scatter_batch' (TensorScatter): cannot be compiled: axis must name a dim after the batch dim
func.func @scatter_batch(%p: tensor<2x4xf32>, %u: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %n = onnx.NoValue
  %0 = "onnx.TensorScatter"(%p, %u, %n) <{axis = 0 : i64}> : (tensor<2x4xf32>, tensor<2x4xf32>, none) -> tensor<2x4xf32> loc("scatter_batch")
  return %0 : tensor<2x4xf32>
}
