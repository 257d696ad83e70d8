// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that a scale that is neither per tensor, per axis nor blocked is declined,
// naming the node.
// CHECK: node 'q_bad_scale' (QuantizeLinear): cannot be compiled: the scale must be a scalar, 1-D along the axis, or blocked
func.func @quantize_bad_scale(%x: tensor<2x3xf32>, %s: tensor<2x3xf32>) -> tensor<2x3xi8> {
  %none = onnx.NoValue
  %0 = "onnx.QuantizeLinear"(%x, %s, %none) : (tensor<2x3xf32>, tensor<2x3xf32>, none) -> tensor<2x3xi8> loc("q_bad_scale")
  return %0 : tensor<2x3xi8>
}

// -----

// Tests that a zero point with a different number of elements than the scale is declined.
// CHECK: node 'dq_bad_zp' (DequantizeLinear): cannot be compiled: the zero point must have as many elements as the scale
func.func @dequantize_bad_zero_point(%x: tensor<2x3xi8>, %s: tensor<3xf32>, %z: tensor<2xi8>) -> tensor<2x3xf32> {
  %0 = "onnx.DequantizeLinear"(%x, %s, %z) {axis = 1 : i64} : (tensor<2x3xi8>, tensor<3xf32>, tensor<2xi8>) -> tensor<2x3xf32> loc("dq_bad_zp")
  return %0 : tensor<2x3xf32>
}
