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

// Tests that a reduction over run-time axes with keepdims and a result of another rank is
// rejected.
// CHECK: node 'reduce_rt' (ReduceSum): cannot be compiled: the result rank does not match keepdims
func.func @reduce_runtime_axes(%x: tensor<?x3xf32>, %a: tensor<1xi64>) -> tensor<?xf32> {
  %0 = "onnx.ReduceSum"(%x, %a) : (tensor<?x3xf32>, tensor<1xi64>) -> tensor<?xf32> loc("reduce_rt")
  return %0 : tensor<?xf32>
}

// -----

// Tests that Pad in wrap mode is rejected.
// CHECK: node 'pad_wrap' (Pad): cannot be compiled: unsupported pad mode
func.func @pad_wrap(%x: tensor<4xf32>) -> tensor<6xf32> {
  %p = "onnx.Constant"() {value = dense<[1, 1]> : tensor<2xi64>} : () -> tensor<2xi64>
  %n = onnx.NoValue
  %0 = "onnx.Pad"(%x, %p, %n, %n) {mode = "wrap"} : (tensor<4xf32>, tensor<2xi64>, none, none) -> tensor<6xf32> loc("pad_wrap")
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

// Tests that Expand with a shape of unknown length is rejected.
// CHECK: node 'expand_dyn' (Expand): cannot be compiled: the shape input does not have a static length
func.func @expand_dynamic_shape(%x: tensor<3x1xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Expand"(%x, %s) : (tensor<3x1xf32>, tensor<?xi64>) -> tensor<?x?xf32> loc("expand_dyn")
  return %0 : tensor<?x?xf32>
}

// -----

// Tests that a Gather with a constant out-of-range index is rejected.
// CHECK: node 'gather_oob' (Gather): cannot be compiled: constant index 7 is out of range for axis 0 of size 4
func.func @gather_oob(%x: tensor<4x3xf32>) -> tensor<3xf32> {
  %i = "onnx.Constant"() {value = dense<7> : tensor<i64>} : () -> tensor<i64>
  %0 = "onnx.Gather"(%x, %i) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<i64>) -> tensor<3xf32> loc("gather_oob")
  return %0 : tensor<3xf32>
}

// -----

// Tests that string constants are rejected.
// CHECK: node 'str' (Constant): cannot be compiled: string constants are not supported
func.func @string_constant() -> tensor<!onnx.string> {
  %0 = "onnx.Constant"() {value_string = "hi"} : () -> tensor<!onnx.string> loc("str")
  return %0 : tensor<!onnx.string>
}

// -----

// Tests that a constant divisor with a zero is refused at compile time.
// CHECK: node 'div0' (Div): cannot be compiled: integer division by zero: element 1 of the constant divisor is 0
func.func @div_by_constant_zero(%a: tensor<2xi32>) -> tensor<2xi32> {
  %b = "onnx.Constant"() {value = dense<[3, 0]> : tensor<2xi32>} : () -> tensor<2xi32>
  %0 = "onnx.Div"(%a, %b) : (tensor<2xi32>, tensor<2xi32>) -> tensor<2xi32> loc("div0")
  return %0 : tensor<2xi32>
}

// -----

// Tests that constant GatherND indices out of range are refused at compile time.
// CHECK: node 'gnd_oob' (GatherND): cannot be compiled: constant index -4 is out of range for axis 1 of size 3
func.func @gather_nd_constant_oob(%x: tensor<5x3xf32>) -> tensor<1xf32> {
  %i = "onnx.Constant"() {value = dense<[[2, -4]]> : tensor<1x2xi64>} : () -> tensor<1x2xi64>
  %0 = "onnx.GatherND"(%x, %i) {batch_dims = 0 : i64} : (tensor<5x3xf32>, tensor<1x2xi64>) -> tensor<1xf32> loc("gnd_oob")
  return %0 : tensor<1xf32>
}
