// RUN: kiln-opt --split-input-file --kiln-import-qdq %s | FileCheck %s

// Tests that a MatMul of a dequantized uint8 activation and a dequantized int8 weight with
// per-column scales (zero points 0) runs on the 8-bit operands: MatMulInteger with the
// activation's zero point, then Cast and a Mul by a_scale * w_scale[column] (0.5 * [0.25,
// 1]); both DequantizeLinear ops are gone.
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: onnx.DequantizeLinear
// CHECK-DAG: [[Z:%.+]] = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}>
// CHECK-DAG: [[W:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[1, -2], [3, 4]]> : tensor<2x2xi8>}>
// CHECK: [[I:%.+]] = "onnx.MatMulInteger"(%arg0, [[W]], [[Z]], {{%.+}}) : (tensor<4x2xui8>, tensor<2x2xi8>, tensor<ui8>, none) -> tensor<4x2xi32>
// CHECK: [[F:%.+]] = "onnx.Cast"([[I]]) <{to = 1 : i64}>
// CHECK: [[S:%.+]] = "onnx.Constant"() <{value = dense<[1.250000e-01, 5.000000e-01]> : tensor<2xf32>}>
// CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[S]]) : (tensor<4x2xf32>, tensor<2xf32>) -> tensor<4x2xf32>
// CHECK: return [[Y]]
func.func @matmul(%aq: tensor<4x2xui8>) -> tensor<4x2xf32> {
  %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %az = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}> : () -> tensor<ui8>
  %wq = "onnx.Constant"() <{value = dense<[[1, -2], [3, 4]]> : tensor<2x2xi8>}> : () -> tensor<2x2xi8>
  %ws = "onnx.Constant"() <{value = dense<[0.25, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %wz = "onnx.Constant"() <{value = dense<0> : tensor<2xi8>}> : () -> tensor<2xi8>
  %a = "onnx.DequantizeLinear"(%aq, %as, %az) : (tensor<4x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x2xf32>
  %w = "onnx.DequantizeLinear"(%wq, %ws, %wz) {axis = 1 : i64} : (tensor<2x2xi8>, tensor<2xf32>, tensor<2xi8>) -> tensor<2x2xf32>
  %y = "onnx.MatMul"(%a, %w) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that Gemm's transB weight (per output row, axis 0) is transposed at compile time,
// and that its int32 bias, dequantized from constants, becomes an f32 constant (3 * 0.5).
// CHECK-LABEL: func.func @gemm
// CHECK-NOT: onnx.DequantizeLinear
// CHECK: "onnx.MatMulInteger"(%arg0, {{%.+}}, {{%.+}}, {{%.+}}) : (tensor<4x3xui8>, tensor<3x2xi8>, tensor<ui8>, none) -> tensor<4x2xi32>
// CHECK: [[B:%.+]] = "onnx.Constant"() <{value = dense<1.500000e+00> : tensor<2xf32>}>
// CHECK: "onnx.Add"({{%.+}}, [[B]])
func.func @gemm(%aq: tensor<4x3xui8>) -> tensor<4x2xf32> {
  %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %az = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}> : () -> tensor<ui8>
  %wq = "onnx.Constant"() <{value = dense<[[1, 2, 3], [4, 5, 6]]> : tensor<2x3xi8>}> : () -> tensor<2x3xi8>
  %ws = "onnx.Constant"() <{value = dense<[0.25, 1.0]> : tensor<2xf32>}> : () -> tensor<2xf32>
  %bq = "onnx.Constant"() <{value = dense<3> : tensor<2xi32>}> : () -> tensor<2xi32>
  %bs = "onnx.Constant"() <{value = dense<0.5> : tensor<2xf32>}> : () -> tensor<2xf32>
  %none = onnx.NoValue
  %a = "onnx.DequantizeLinear"(%aq, %as, %az) : (tensor<4x3xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x3xf32>
  %w = "onnx.DequantizeLinear"(%wq, %ws, %none) {axis = 0 : i64} : (tensor<2x3xi8>, tensor<2xf32>, none) -> tensor<2x3xf32>
  %b = "onnx.DequantizeLinear"(%bq, %bs, %none) {axis = 0 : i64} : (tensor<2xi32>, tensor<2xf32>, none) -> tensor<2xf32>
  %y = "onnx.Gemm"(%a, %w, %b) {transB = 1 : i64} : (tensor<4x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a Conv of group 1 becomes ConvInteger, while a depthwise Conv (which the
// 8-bit kernels do not take) keeps f32 on the shared activation's DequantizeLinear, its
// weight folded from the constants at compile time.
// CHECK-LABEL: func.func @convs
// CHECK: [[A:%.+]] = "onnx.DequantizeLinear"(%arg0
// CHECK-NOT: onnx.DequantizeLinear
// CHECK: [[D:%.+]] = "onnx.Constant"() <{value = dense<{{\[\[\[\[}}5.000000e-01]]], {{\[\[\[}}1.000000e+00]]]]> : tensor<2x1x1x1xf32>}>
// CHECK: "onnx.ConvInteger"(%arg0, {{%.+}}, {{%.+}}, {{%.+}}) <{group = 1 : i64}> : (tensor<1x2x4x4xui8>, tensor<2x2x1x1xi8>, tensor<ui8>, none) -> tensor<1x2x4x4xi32>
// CHECK: "onnx.Conv"([[A]], [[D]], {{%.+}}) <{group = 2 : i64}>
func.func @convs(%aq: tensor<1x2x4x4xui8>) -> (tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>) {
  %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %az = "onnx.Constant"() <{value = dense<0> : tensor<ui8>}> : () -> tensor<ui8>
  %wq = "onnx.Constant"() <{value = dense<1> : tensor<2x2x1x1xi8>}> : () -> tensor<2x2x1x1xi8>
  %dq = "onnx.Constant"() <{value = dense<[[[[1]]], [[[2]]]]> : tensor<2x1x1x1xi8>}> : () -> tensor<2x1x1x1xi8>
  %ws = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %none = onnx.NoValue
  %a = "onnx.DequantizeLinear"(%aq, %as, %az) : (tensor<1x2x4x4xui8>, tensor<f32>, tensor<ui8>) -> tensor<1x2x4x4xf32>
  %w = "onnx.DequantizeLinear"(%wq, %ws, %none) : (tensor<2x2x1x1xi8>, tensor<f32>, none) -> tensor<2x2x1x1xf32>
  %d = "onnx.DequantizeLinear"(%dq, %ws, %none) : (tensor<2x1x1x1xi8>, tensor<f32>, none) -> tensor<2x1x1x1xf32>
  %y = "onnx.Conv"(%a, %w, %none) {group = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2x2x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  %z = "onnx.Conv"(%a, %d, %none) {group = 2 : i64} : (tensor<1x2x4x4xf32>, tensor<2x1x1x1xf32>, none) -> tensor<1x2x4x4xf32>
  return %y, %z : tensor<1x2x4x4xf32>, tensor<1x2x4x4xf32>
}

// -----

// Tests that a weight with a nonzero zero point is not taken (the 8-bit kernels assume
// symmetric weights): the product stays f32 on the weight folded at compile time, and the
// activation's DequantizeLinear stays.
// CHECK-LABEL: func.func @asymmetric_weight
// CHECK-NOT: onnx.MatMulInteger
// CHECK: "onnx.DequantizeLinear"(%arg0
// CHECK: "onnx.MatMul"
func.func @asymmetric_weight(%aq: tensor<4x2xui8>) -> tensor<4x2xf32> {
  %as = "onnx.Constant"() <{value = dense<0.5> : tensor<f32>}> : () -> tensor<f32>
  %az = "onnx.Constant"() <{value = dense<3> : tensor<ui8>}> : () -> tensor<ui8>
  %wq = "onnx.Constant"() <{value = dense<[[1, 2], [3, 4]]> : tensor<2x2xui8>}> : () -> tensor<2x2xui8>
  %ws = "onnx.Constant"() <{value = dense<0.25> : tensor<f32>}> : () -> tensor<f32>
  %wz = "onnx.Constant"() <{value = dense<2> : tensor<ui8>}> : () -> tensor<ui8>
  %a = "onnx.DequantizeLinear"(%aq, %as, %az) : (tensor<4x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<4x2xf32>
  %w = "onnx.DequantizeLinear"(%wq, %ws, %wz) : (tensor<2x2xui8>, tensor<f32>, tensor<ui8>) -> tensor<2x2xf32>
  %y = "onnx.MatMul"(%a, %w) : (tensor<4x2xf32>, tensor<2x2xf32>) -> tensor<4x2xf32>
  return %y : tensor<4x2xf32>
}

// -----

// Tests that a Gather of a quantized table (scales per column, along axis 1) gathers the
// 8-bit rows and dequantizes only them (axis 1 of the [2, 5, 3] result is the indices'
// dim, so the scale's axis becomes 2); the table stays int8.
// CHECK-LABEL: func.func @gather
// CHECK: [[R:%.+]] = "onnx.Gather"({{%.+}}, %arg0) <{axis = 0 : i64}> : (tensor<4x3xi8>, tensor<2x5xi64>) -> tensor<2x5x3xi8>
// CHECK: [[Y:%.+]] = "onnx.DequantizeLinear"([[R]], {{%.+}}, {{%.+}}) <{axis = 2 : i64}> : (tensor<2x5x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<2x5x3xf32>
// CHECK: return [[Y]]
func.func @gather(%i: tensor<2x5xi64>) -> tensor<2x5x3xf32> {
  %t = "onnx.Constant"() <{value = dense<[[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]> : tensor<4x3xi8>}> : () -> tensor<4x3xi8>
  %s = "onnx.Constant"() <{value = dense<[0.5, 0.25, 1.0]> : tensor<3xf32>}> : () -> tensor<3xf32>
  %z = "onnx.Constant"() <{value = dense<[0, 1, 2]> : tensor<3xi8>}> : () -> tensor<3xi8>
  %d = "onnx.DequantizeLinear"(%t, %s, %z) {axis = 1 : i64} : (tensor<4x3xi8>, tensor<3xf32>, tensor<3xi8>) -> tensor<4x3xf32>
  %y = "onnx.Gather"(%d, %i) {axis = 0 : i64} : (tensor<4x3xf32>, tensor<2x5xi64>) -> tensor<2x5x3xf32>
  return %y : tensor<2x5x3xf32>
}
