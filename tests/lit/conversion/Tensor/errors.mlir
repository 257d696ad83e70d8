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

// Tests that BitCast between types of different widths is rejected.
// CHECK: node 'bitcast_width' (BitCast): cannot be compiled: the element types have different widths (32 and 64 bits)
func.func @bitcast_width(%x: tensor<4xf32>) -> tensor<4xi64> {
  %0 = "onnx.BitCast"(%x) <{to = 7 : i64}> : (tensor<4xf32>) -> tensor<4xi64> loc("bitcast_width")
  return %0 : tensor<4xi64>
}

// -----

// Tests that CenterCropPad with a shape of the wrong length is rejected.
// CHECK: node 'ccp' (CenterCropPad): cannot be compiled: shape must be a 1-D tensor with one size per axis (2)
func.func @center_crop_pad_shape(%x: tensor<4x4xf32>, %s: tensor<3xi64>) -> tensor<2x2xf32> {
  %0 = "onnx.CenterCropPad"(%x, %s) : (tensor<4x4xf32>, tensor<3xi64>) -> tensor<2x2xf32> loc("ccp")
  return %0 : tensor<2x2xf32>
}

// -----

// Tests that ReverseSequence with a constant length beyond the time axis is rejected.
// CHECK: node 'reverse_long' (ReverseSequence): cannot be compiled: constant sequence_lens value 5 is out of range [0, 4]
func.func @reverse_long(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  %l = "onnx.Constant"() <{value = dense<[1, 5]> : tensor<2xi64>}> : () -> tensor<2xi64>
  %0 = "onnx.ReverseSequence"(%x, %l) <{batch_axis = 0 : i64, time_axis = 1 : i64}> : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x4xf32> loc("reverse_long")
  return %0 : tensor<2x4xf32>
}

// -----

// Tests that ReverseSequence with one axis for batch and time is rejected.
// CHECK: node 'reverse_axes' (ReverseSequence): cannot be compiled: batch_axis and time_axis must be 0 and 1 or 1 and 0
func.func @reverse_axes(%x: tensor<2x4xf32>, %l: tensor<2xi64>) -> tensor<2x4xf32> {
  %0 = "onnx.ReverseSequence"(%x, %l) <{batch_axis = 1 : i64, time_axis = 1 : i64}> : (tensor<2x4xf32>, tensor<2xi64>) -> tensor<2x4xf32> loc("reverse_axes")
  return %0 : tensor<2x4xf32>
}

