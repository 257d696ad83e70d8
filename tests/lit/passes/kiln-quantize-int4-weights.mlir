// RUN: kiln-opt --split-input-file --kiln-quantize-int4-weights="block-size=16 min-weight-elements=4" %s | FileCheck %s

// Tests that a MatMul's constant B [K = 16, N = 2] reads a blocked 4-bit DequantizeLinear:
// per column and block of 16 k rows, scale = (max - min) / 15 over the range widened to
// hold 0, zero point = round(-min / scale). Column 0 (0, 0.1, ..., 1.5): scale 0.1, zero
// point 0, values 0..15; column 1 (0, -0.1, ..., -1.5): zero point 15, values 15..0.
// CHECK: kiln.quantization = [{detail = "4-bit weight{{.+}}", node = "mm", op = "MatMul", precision = "int4", quantized = true, weight_shape = array<i64: 16, 2>, weight_sqnr_db = {{.+}} : f64}]
// CHECK-LABEL: func.func @matmul
// CHECK-NOT: tensor<16x2xf32>}>
// CHECK-DAG: [[Q:%.+]] = "onnx.Constant"() <{value = dense_resource<{{.+}}> : tensor<16x2xui8>}>
// CHECK-DAG: [[S:%.+]] = "onnx.Constant"() <{value = dense<1.000000e-01> : tensor<1x2xf32>}>
// CHECK-DAG: [[Z:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[0, 15]]> : tensor<1x2xui8>}>
// CHECK: [[W:%.+]] = "onnx.DequantizeLinear"([[Q]], [[S]], [[Z]]) <{axis = 0 : i64, block_size = 16 : i64}> : (tensor<16x2xui8>, tensor<1x2xf32>, tensor<1x2xui8>) -> tensor<16x2xf32>
// CHECK: [[Y:%.+]] = "onnx.MatMul"(%arg0, [[W]]) : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32>
// CHECK: return [[Y]]
// CHECK: "0x40000000000F010E020D030C040B050A06090708080709060A050B040C030D020E010F00"
func.func @matmul(%a: tensor<?x16xf32>) -> tensor<?x2xf32> {
  %w = "onnx.Constant"() <{value = dense<[
    [0.0, -0.0],
    [0.1, -0.1],
    [0.2, -0.2],
    [0.3, -0.3],
    [0.4, -0.4],
    [0.5, -0.5],
    [0.6, -0.6],
    [0.7, -0.7],
    [0.8, -0.8],
    [0.9, -0.9],
    [1.0, -1.0],
    [1.1, -1.1],
    [1.2, -1.2],
    [1.3, -1.3],
    [1.4, -1.4],
    [1.5, -1.5]]> : tensor<16x2xf32>}> : () -> tensor<16x2xf32>
  %0 = "onnx.MatMul"(%a, %w) : (tensor<?x16xf32>, tensor<16x2xf32>) -> tensor<?x2xf32> loc("mm")
  return %0 : tensor<?x2xf32>
}

// -----

// Tests that Gemm's transB is applied to the constant (B [N = 2, K = 20] becomes a [20, 2]
// weight in two blocks, the second of 4 rows) and transB cleared; alpha, beta and C stay.
// CHECK-LABEL: func.func @gemm_trans_b
// CHECK: [[W:%.+]] = "onnx.DequantizeLinear"({{.+}}) <{axis = 0 : i64, block_size = 16 : i64}> : (tensor<20x2xui8>, tensor<2x2xf32>, tensor<2x2xui8>) -> tensor<20x2xf32>
// CHECK: "onnx.Gemm"(%arg0, [[W]], %arg1) <{alpha = 2.000000e+00 : f32, beta = 5.000000e-01 : f32, transB = 0 : i64}>
func.func @gemm_trans_b(%a: tensor<4x20xf32>, %c: tensor<2xf32>) -> tensor<4x2xf32> {
  %w = "onnx.Constant"() <{value = dense<0.5> : tensor<2x20xf32>}> : () -> tensor<2x20xf32>
  %0 = "onnx.Gemm"(%a, %w, %c) {transB = 1 : i64, alpha = 2.0 : f32, beta = 0.5 : f32} : (tensor<4x20xf32>, tensor<2x20xf32>, tensor<2xf32>) -> tensor<4x2xf32> loc("gemm")
  return %0 : tensor<4x2xf32>
}

// -----

// Tests that a Gather along axis 0 of a constant table becomes a Gather of its int8 rows
// (symmetric, scale max |row| / 127) times a Gather of the row scales.
// CHECK: kiln.quantization = [{detail = "table rows int8{{.+}}", node = "embed", op = "Gather", precision = "int8", quantized = true, weight_shape = array<i64: 3, 2>
// CHECK-LABEL: func.func @gather
// CHECK-DAG: [[Q:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[127, -64], [0, 0], [127, 127]]> : tensor<3x2xi8>}>
// CHECK-DAG: [[S:%.+]] = "onnx.Constant"() <{value = dense<{{\[}}[0.0157480314], [1.000000e+00], [0.0236220472]]> : tensor<3x1xf32>}>
// CHECK: [[R:%.+]] = "onnx.Gather"([[Q]], %arg0) <{axis = 0 : i64}> : (tensor<3x2xi8>, tensor<5xi64>) -> tensor<5x2xi8>
// CHECK: [[RS:%.+]] = "onnx.Gather"([[S]], %arg0) <{axis = 0 : i64}> : (tensor<3x1xf32>, tensor<5xi64>) -> tensor<5x1xf32>
// CHECK: [[F:%.+]] = "onnx.Cast"([[R]]) <{to = 1 : i64}> : (tensor<5x2xi8>) -> tensor<5x2xf32>
// CHECK: [[Y:%.+]] = "onnx.Mul"([[F]], [[RS]]) : (tensor<5x2xf32>, tensor<5x1xf32>) -> tensor<5x2xf32>
// CHECK: return [[Y]]
func.func @gather(%i: tensor<5xi64>) -> tensor<5x2xf32> {
  %t = "onnx.Constant"() <{value = dense<[[2.0, -1.0], [0.0, 0.0], [3.0, 3.0]]> : tensor<3x2xf32>}> : () -> tensor<3x2xf32>
  %0 = "onnx.Gather"(%t, %i) {axis = 0 : i64} : (tensor<3x2xf32>, tensor<5xi64>) -> tensor<5x2xf32> loc("embed")
  return %0 : tensor<5x2xf32>
}
