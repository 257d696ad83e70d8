// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that Unsqueeze with run-time axes that are not a 1-D tensor is rejected, naming
// the node.
// CHECK: node 'unsqueeze_rt' (Unsqueeze): cannot be compiled: axes are not constant and not a 1-D tensor
func.func @unsqueeze_runtime_axes(%x: tensor<?x3xf32>, %a: tensor<1x1xi64>) -> tensor<?x1x3xf32> {
  %0 = "onnx.Unsqueeze"(%x, %a) : (tensor<?x3xf32>, tensor<1x1xi64>) -> tensor<?x1x3xf32> loc("unsqueeze_rt")
  return %0 : tensor<?x1x3xf32>
}

// -----

// Tests that Slice with run-time steps of another length than starts is rejected.
// CHECK: node 'slice_steps' (Slice): cannot be compiled: axes or steps differ in length from starts
func.func @slice_runtime_steps(%x: tensor<8xf32>, %s: tensor<1xi64>, %e: tensor<1xi64>, %st: tensor<2xi64>) -> tensor<?xf32> {
  %n = onnx.NoValue
  %0 = "onnx.Slice"(%x, %s, %e, %n, %st) : (tensor<8xf32>, tensor<1xi64>, tensor<1xi64>, none, tensor<2xi64>) -> tensor<?xf32> loc("slice_steps")
  return %0 : tensor<?xf32>
}

// -----

// Tests that Pad in an unknown mode is rejected.
// CHECK: node 'pad_mirror' (Pad): cannot be compiled: unknown pad mode 'mirror'
func.func @pad_mirror(%x: tensor<4xf32>) -> tensor<6xf32> {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) {mode = "mirror"} : (tensor<4xf32>, tensor<2xi64>, none, none) -> tensor<6xf32> loc("pad_mirror")
  return %0 : tensor<6xf32>
}

// -----

// Tests that a Reshape whose result rank is unknown is rejected.
// CHECK: node 'reshape_unranked' (Reshape): cannot be compiled: the result type is not a ranked tensor
func.func @reshape_unranked(%x: tensor<2x3xf32>, %s: tensor<?xi64>) -> tensor<*xf32> {
  %0 = "onnx.Reshape"(%x, %s) : (tensor<2x3xf32>, tensor<?xi64>) -> tensor<*xf32> loc("reshape_unranked")
  return %0 : tensor<*xf32>
}

// -----

// Tests that linear GridSample of an integer X is rejected.
// CHECK: node 'gs_int' (GridSample): cannot be compiled: linear and cubic modes need a float X
func.func @grid_sample_int(%x: tensor<1x1x4x4xi32>, %g: tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xi32> {
  %0 = "onnx.GridSample"(%x, %g) : (tensor<1x1x4x4xi32>, tensor<1x2x2x2xf32>) -> tensor<1x1x2x2xi32> loc("gs_int")
  return %0 : tensor<1x1x2x2xi32>
}

// -----

// Tests that CenterCropPad with a shape of the wrong length is rejected.
// CHECK: node 'ccp' (CenterCropPad): cannot be compiled: shape must be a 1-D tensor with one size per axis (2)
func.func @center_crop_pad_shape(%x: tensor<4x4xf32>, %s: tensor<3xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.CenterCropPad"(%x, %s) : (tensor<4x4xf32>, tensor<3xi64>) -> tensor<2x2xf32> loc("ccp")
  return %0 : tensor<2x2xf32>
}
