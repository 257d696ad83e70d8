// RUN: not kiln-opt --split-input-file --kiln-convert-onnx-to-linalg %s 2>&1 | FileCheck %s
// Tests that a MatMul whose result rank is unknown is rejected.
// CHECK: node 'mm_unranked' (MatMul): cannot be compiled: the result type is not a ranked tensor
func.func @matmul_unranked(%a: tensor<*xf32>, %b: tensor<4x5xf32>) -> tensor<*xf32> {
  %0 = "onnx.MatMul"(%a, %b) : (tensor<*xf32>, tensor<4x5xf32>) -> tensor<*xf32> loc("mm_unranked")
  return %0 : tensor<*xf32>
}

// -----

// Tests that MatMulInteger with a zero point that is neither a scalar, per row of A nor per
// column of B is rejected.
// CHECK: node 'mmi_zp' (MatMulInteger): cannot be compiled: the zero point must be a scalar or 1-D along its axis
func.func @matmul_integer_2d_zp(%a: tensor<3x4xi8>, %b: tensor<4x5xi8>, %za: tensor<3x4xi8>) -> tensor<3x5xi32> {
  %none = onnx.NoValue
  %0 = "onnx.MatMulInteger"(%a, %b, %za, %none) : (tensor<3x4xi8>, tensor<4x5xi8>, tensor<3x4xi8>, none) -> tensor<3x5xi32> loc("mmi_zp")
  return %0 : tensor<3x5xi32>
}

// -----

// Tests that Expand with a shape of unknown length is rejected.
// CHECK: node 'expand_dyn' (Expand): cannot be compiled: the shape input does not have a static length
func.func @expand_dynamic_shape(%x: tensor<3x1xf32>, %s: tensor<?xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Expand"(%x, %s) : (tensor<3x1xf32>, tensor<?xi64>) -> tensor<?x?xf32> loc("expand_dyn")
  return %0 : tensor<?x?xf32>
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

// Tests that QLinearMatMul on float8 operands is rejected, naming the node.
// CHECK: node 'qmm_f8' (QLinearMatMul): cannot be compiled: only int8 and uint8 operands are supported
func.func @qlinear_matmul_f8(%a: tensor<2x4xf8E4M3FN>, %s: tensor<f32>, %z: tensor<f8E4M3FN>, %b: tensor<4x2xf8E4M3FN>) -> tensor<2x2xf8E4M3FN> {
  %0 = "onnx.QLinearMatMul"(%a, %s, %z, %b, %s, %z, %s, %z) : (tensor<2x4xf8E4M3FN>, tensor<f32>, tensor<f8E4M3FN>, tensor<4x2xf8E4M3FN>, tensor<f32>, tensor<f8E4M3FN>, tensor<f32>, tensor<f8E4M3FN>) -> tensor<2x2xf8E4M3FN> loc("qmm_f8")
  return %0 : tensor<2x2xf8E4M3FN>
}

// -----

// Tests that DFT along the last dim (the real and imaginary parts) is rejected.
// CHECK: node 'dft_last' (DFT): cannot be compiled: axis -1 is out of range for rank 3
func.func @dft_last(%x: tensor<1x8x1xf32>) -> tensor<1x8x2xf32> {
  %n = onnx.NoValue
  %a = "onnx.Constant"() <{value = dense<-1> : tensor<i64>}> : () -> tensor<i64>
  %0 = "onnx.DFT"(%x, %n, %a) : (tensor<1x8x1xf32>, none, tensor<i64>) -> tensor<1x8x2xf32> loc("dft_last")
  return %0 : tensor<1x8x2xf32>
}

// -----

// Tests that Det of a vector is rejected.
// CHECK: node 'det_vector' (Det): cannot be compiled: the input has rank < 2
func.func @det_vector(%x: tensor<4xf32>) -> tensor<f32> {
  %0 = "onnx.Det"(%x) : (tensor<4xf32>) -> tensor<f32> loc("det_vector")
  return %0 : tensor<f32>
}
